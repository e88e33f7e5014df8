// Runs a user's health probe: no shell, own process group, stdin /dev/null, bounded output,
// hard deadline. The whole process group is killed before run() returns.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace hb {

struct ProbeSpec {
  std::vector<std::string> argv{};  // argv[0] is the executable path (no PATH search, no shell)
  // Added to the inherited environment; an entry replaces an inherited variable of its name.
  std::vector<std::pair<std::string, std::string>> env{};
  std::chrono::milliseconds timeout{10'000};
  // Drop to this uid (its passwd gid and initgroups list unless run_as_gid is set) before exec.
  // A gid alone switches the gid and clears supplementary groups. Needs root unless it is
  // already the caller's identity.
  std::optional<unsigned> run_as_uid{};
  std::optional<unsigned> run_as_gid{};
  std::size_t output_limit = 16 * 1024;  // bytes of combined stdout+stderr kept (the tail)
  // Asked about every cancel_interval while the probe runs; true kills it (kCancelled). Lets a
  // trial stop probing a copy that already died, and Ctrl-C end a probe at once.
  std::function<bool()> cancel{};
  std::chrono::milliseconds cancel_interval{100};
};

enum class ProbeStatus { kExited, kSignaled, kTimedOut, kSpawnFailed, kCancelled };

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

// fork/exec + pipe + poll; kills the probe's process group when its main process exits or at
// the deadline. The caller must not ignore SIGCHLD or reap with waitpid(-1): run() waits for its
// own pid. A descendant that leaves the group (setsid) escapes the kill; run() stops reading
// from it after a short grace instead of blocking.
class PosixProbeRunner final : public ProbeRunner {
 public:
  ProbeResult run(const ProbeSpec& spec) override;
};

// The executable to run for a probe named `name` on the command line: `name` itself if it has a
// '/' or names a file here; else the bundled probe of that name (in $HARDEN_BISECT_PROBEDIR, the
// installed probes directory, then the source tree's probes/) if there is one; else `name`.
std::string resolve_probe_path(const std::string& name);

// Checks that `path` exists, is a regular file and executable; nullopt when it is fine, else one
// line naming the problem: "probe /x: no such file" (or "is a directory", "not a regular file",
// "not executable").
std::optional<std::string> probe_path_problem(const std::string& path);

}  // namespace hb
