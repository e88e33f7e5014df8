// A job as the daemon keeps it, in memory and in its state directory (one JSON file per job,
// written atomically on every change of state), so jobs and results survive a restart.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "harden_bisect/result.hpp"
#include "job_options.hpp"

namespace hb::daemon {

enum class JobState { kQueued, kRunning, kDone, kFailed, kCancelled };

// "queued", "running", "done", "failed", "cancelled".
const char* to_string(JobState state);
std::optional<JobState> job_state_from(const std::string& name);
inline bool finished(JobState s) { return s != JobState::kQueued && s != JobState::kRunning; }

struct JobRecord {
  std::uint32_t id = 0;
  std::string unit;
  std::vector<std::string> probe;  // argv
  JobOptions options;              // as submitted; validated again when the job (re)starts
  std::uint32_t owner = 0;         // uid of the submitter
  JobState state = JobState::kQueued;
  std::uint32_t trials_done = 0;
  std::uint32_t trials_estimated = 0;
  std::string current_trial;    // what the running trial tests, "" between trials
  double exposure_before = -1;  // -1 = not known yet
  double exposure_after = -1;
  std::string result;        // JSON report of a done job
  std::string dropin;        // drop-in of a done job
  int exit_code = 0;         // the CLI's exit code for how the job ended
  std::string error;         // one line, for failed and cancelled jobs
  bool interrupted = false;  // was running when the daemon stopped: resume from its journal
};

std::string job_to_json(const JobRecord& job);
Result<JobRecord> job_from_json(const std::string& text);

// The jobs under one directory: DIR/job-N.json.
class JobStore {
 public:
  explicit JobStore(std::string directory) : directory_(std::move(directory)) {}
  // Creates the directory (0700) if missing.
  Status prepare() const;
  Status save(const JobRecord& job) const;
  // Every readable job, by id; unreadable files are logged and left alone.
  std::vector<JobRecord> load_all() const;
  const std::string& directory() const { return directory_; }

 private:
  std::string directory_;
};

}  // namespace hb::daemon
