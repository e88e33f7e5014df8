// The durable record of a run in progress: which trials ran with which verdicts, and whether
// the original was stopped. Written atomically after every trial, so after SIGKILL or a crash
// the next run can restore the original and `--resume` can continue without repeating a trial.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "harden_bisect/oracle.hpp"
#include "harden_bisect/result.hpp"

namespace hb {

struct RunJournal {
  std::string unit;
  std::string fingerprint;        // of everything that fixes the trial sequence
  bool original_stopped = false;  // the run stopped the original and has not restarted it
  std::vector<std::pair<CandidateSet, Verdict>> trials;  // in the order they ran
};

// Holds the exclusive lock of one unit's state; released on destruction.
class UnitLock {
 public:
  explicit UnitLock(int fd) : fd_(fd) {}
  UnitLock(const UnitLock&) = delete;
  UnitLock& operator=(const UnitLock&) = delete;
  ~UnitLock();

 private:
  int fd_;
};

// Journals and locks under one state directory (e.g. /var/lib/harden-bisect).
class StateStore {
 public:
  explicit StateStore(std::string directory) : directory_(std::move(directory)) {}

  // Takes the per-unit lock without waiting. Error kLocked names the holder's pid.
  Result<std::unique_ptr<UnitLock>> lock(const std::string& unit);

  // The journal of an unfinished run of `unit`, if any. Error kBadInput when it is corrupt.
  Result<std::optional<RunJournal>> load(const std::string& unit) const;

  // Replaces the journal atomically (temp file, fsync, rename; mode 0600).
  Status save(const RunJournal& journal) const;

  // Deletes the journal (the run finished).
  Status remove(const std::string& unit) const;

  const std::string& directory() const { return directory_; }

 private:
  std::string path_of(const std::string& unit, const char* suffix) const;
  std::string directory_;
};

// The default state directory: $STATE_DIRECTORY (set by systemd for the daemon), else
// /var/lib/harden-bisect.
std::string default_state_directory();

// The state directory of an unprivileged caller (--user): $XDG_STATE_HOME/harden-bisect, else
// ~/.local/state/harden-bisect; the directories above it are created (0700) if missing.
std::string user_state_directory();

// Serialises a journal (JSON) and back; exposed for tests.
std::string journal_to_json(const RunJournal& journal);
Result<RunJournal> journal_from_json(const std::string& text);

// An Oracle decorator: answers from recorded verdicts while the requested sets match the
// recording (resume), then runs real trials and records each one durably before returning.
class JournalingOracle final : public Oracle {
 public:
  JournalingOracle(Oracle& inner, const StateStore& store, RunJournal& journal,
                   std::vector<std::pair<CandidateSet, Verdict>> replay);
  Verdict evaluate(const CandidateSet& set) override;
  std::size_t replayed() const { return replayed_; }

 private:
  Oracle& inner_;
  const StateStore& store_;
  RunJournal& journal_;
  std::vector<std::pair<CandidateSet, Verdict>> replay_;
  std::size_t next_ = 0;
  std::size_t replayed_ = 0;
  bool diverged_ = false;
};

}  // namespace hb
