// Runs a user's health probe: no shell, own process group, stdin /dev/null, bounded output,
// hard deadline. The whole process group is killed before run() returns.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace hb {

struct ProbeSpec {
  std::vector<std::string> argv;  // argv[0] is the executable path
  std::vector<std::pair<std::string, std::string>> env;  // added to the inherited environment
  std::chrono::milliseconds timeout{10'000};
  std::optional<unsigned> run_as_uid;  // drop to this uid/gid (and its groups) before exec
  std::optional<unsigned> run_as_gid;
  std::size_t output_limit = 16 * 1024;  // bytes of combined stdout+stderr kept (the tail)
};

enum class ProbeStatus { kExited, kSignaled, kTimedOut, kSpawnFailed };

struct ProbeResult {
  ProbeStatus status = ProbeStatus::kSpawnFailed;
  int exit_code = -1;       // for kExited
  int signal = 0;           // for kSignaled
  std::string output;       // tail of combined stdout+stderr
  std::string spawn_error;  // for kSpawnFailed
  std::chrono::milliseconds duration{0};

  bool healthy() const { return status == ProbeStatus::kExited && exit_code == 0; }
};

class ProbeRunner {
 public:
  virtual ~ProbeRunner() = default;
  // Runs one probe to completion or deadline; never leaves a process of it behind.
  virtual ProbeResult run(const ProbeSpec& spec) = 0;
};

// posix_spawn + pipe + poll; kills the probe's process group at the deadline.
class PosixProbeRunner final : public ProbeRunner {
 public:
  ProbeResult run(const ProbeSpec& spec) override;
};

// Checks that `path` exists, is a regular file and executable; error message names the problem.
std::optional<std::string> probe_path_problem(const std::string& path);

}  // namespace hb
