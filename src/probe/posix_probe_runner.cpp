// PosixProbeRunner: start the probe, read its output with poll until its main process exits or
// the deadline passes, kill its process group, drain, reap.
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "harden_bisect/probe_runner.hpp"
#include "spawn_probe.hpp"

namespace hb {
namespace {

using Clock = std::chrono::steady_clock;
using probe_detail::UniqueFd;
using std::chrono::milliseconds;

// After the group is killed, how long we keep reading for EOF. Only a descendant that left the
// group (setsid) can hold the pipe longer; we stop reading rather than wait for it.
constexpr milliseconds kDrainGrace{500};
// Without a pidfd we cannot poll for the exit, so we look this often.
constexpr milliseconds kExitCheckInterval{10};
// Keeps start + timeout from overflowing the clock for absurd timeouts.
constexpr milliseconds kMaxTimeout = std::chrono::hours(24 * 365);

// Keeps the last `limit` bytes appended. Trims lazily, so memory stays below 2 * limit while
// each byte is moved O(1) times on average.
class OutputTail {
 public:
  explicit OutputTail(std::size_t limit) : limit_(limit) {}

  void append(const char* data, std::size_t size) {
    if (size >= limit_) {
      text_.assign(data + size - limit_, limit_);
      return;
    }
    text_.append(data, size);
    if (text_.size() > 2 * limit_) trim();
  }

  std::string take() {
    trim();
    return std::move(text_);
  }

 private:
  void trim() {
    if (text_.size() > limit_) text_.erase(0, text_.size() - limit_);
  }

  std::size_t limit_;
  std::string text_;
};

// A pollable fd that becomes readable when `pid` exits, or -1 (kernel < 5.3, seccomp).
UniqueFd open_pidfd(pid_t pid) {
#ifdef SYS_pidfd_open
  return UniqueFd(static_cast<int>(syscall(SYS_pidfd_open, pid, 0)));
#else
  (void)pid;
  return UniqueFd();
#endif
}

enum class MainProcess { kRunning, kExited, kLost };

// Whether `pid` has exited. WNOWAIT leaves it a zombie: until we reap it, its pid (and so its
// process group id) cannot be reused, which makes kill(-pid) safe. kLost: it was reaped behind
// our back (SIGCHLD ignored, waitpid(-1) elsewhere), so its pid may already name someone else.
MainProcess main_process_state(pid_t pid) {
  siginfo_t info{};
  while (waitid(P_PID, pid, &info, WEXITED | WNOHANG | WNOWAIT) != 0) {
    if (errno != EINTR) return MainProcess::kLost;
  }
  return info.si_pid == pid ? MainProcess::kExited : MainProcess::kRunning;
}

// Reads once (one buffer) from the nonblocking pipe into `tail`; closes it at EOF or error.
void read_some(UniqueFd& output, OutputTail& tail) {
  char buffer[64 * 1024];
  for (;;) {
    const ssize_t n = read(output.get(), buffer, sizeof buffer);
    if (n > 0) {
      tail.append(buffer, n);
      return;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) return;
    output.reset();  // EOF (every writer is gone) or a read error: stop polling it
    return;
  }
}

// Waits up to `timeout` for output (and, with a pidfd, for the exit); reads what arrived.
void poll_once(UniqueFd& output, const UniqueFd& pidfd, milliseconds timeout, OutputTail& tail) {
  pollfd fds[2] = {{output.get(), POLLIN, 0}, {pidfd.get(), POLLIN, 0}};  // fd -1: ignored
  if (poll(fds, 2, static_cast<int>(timeout.count())) > 0 && fds[0].revents != 0) {
    read_some(output, tail);
  }
  // poll errors (EINTR, ENOMEM) fall through: callers loop and re-check their deadline.
}

// Reads output until `pid` exits (kExited, kLost), `deadline` passes or `cancel` says so
// (kRunning; `cancelled` tells which).
MainProcess wait_for_exit(pid_t pid, UniqueFd& output, Clock::time_point deadline,
                          const ProbeSpec& spec, OutputTail& tail, bool& cancelled) {
  const UniqueFd pidfd = open_pidfd(pid);
  for (;;) {
    const MainProcess state = main_process_state(pid);
    if (state != MainProcess::kRunning) return state;
    const auto now = Clock::now();
    if (now >= deadline) return state;
    if (spec.cancel && spec.cancel()) {
      cancelled = true;
      return state;
    }
    auto wait = std::chrono::ceil<milliseconds>(deadline - now);
    wait = std::min(wait, pidfd.valid() ? std::chrono::minutes(1) : kExitCheckInterval);
    if (spec.cancel) wait = std::min(wait, std::max(spec.cancel_interval, milliseconds(1)));
    poll_once(output, pidfd, wait, tail);
  }
}

// After the group is killed: reads what is left until EOF or `until`.
void drain(UniqueFd& output, Clock::time_point until, OutputTail& tail) {
  while (output.valid()) {
    const auto now = Clock::now();
    if (now >= until) return;
    poll_once(output, UniqueFd(), std::chrono::ceil<milliseconds>(until - now), tail);
  }
}

// Waits for `pid` and returns its wait status, or nullopt if it was reaped elsewhere.
std::optional<int> reap(pid_t pid) {
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return std::nullopt;
  }
  return status;
}

}  // namespace

ProbeResult PosixProbeRunner::run(const ProbeSpec& spec) {
  const auto start = Clock::now();
  const auto deadline = start + std::clamp(spec.timeout, milliseconds(0), kMaxTimeout);
  ProbeResult result;
  const auto finish = [&] {
    result.duration = std::chrono::duration_cast<milliseconds>(Clock::now() - start);
    return std::move(result);
  };

  if (spec.argv.empty()) {
    result.spawn_error = "probe: empty command";
    return finish();
  }
  if (auto problem = probe_path_problem(spec.argv[0])) {
    result.spawn_error = *problem;
    return finish();
  }
  auto child = probe_detail::spawn_probe(spec);
  if (!child) {
    result.spawn_error = child.error().message;
    return finish();
  }

  const pid_t pid = child->pid;
  OutputTail tail(spec.output_limit);
  bool cancelled = false;
  const MainProcess main = wait_for_exit(pid, child->output, deadline, spec, tail, cancelled);
  // The main process is alive or an unreaped zombie, so `pid` still names its group: this kills
  // the probe at the deadline and any descendants it left behind, which could hold the pipe.
  if (main != MainProcess::kLost) kill(-pid, SIGKILL);
  drain(child->output, Clock::now() + kDrainGrace, tail);
  const std::optional<int> status = main == MainProcess::kLost ? std::nullopt : reap(pid);
  result.output = tail.take();

  if (main == MainProcess::kRunning) {
    result.status = cancelled ? ProbeStatus::kCancelled : ProbeStatus::kTimedOut;
  } else if (!status) {
    result.spawn_error = "probe " + spec.argv[0] + ": exit status lost (SIGCHLD ignored?)";
  } else if (WIFEXITED(*status)) {
    result.status = ProbeStatus::kExited;
    result.exit_code = WEXITSTATUS(*status);
  } else {
    result.status = ProbeStatus::kSignaled;
    result.signal = WTERMSIG(*status);
  }
  return finish();
}

}  // namespace hb
