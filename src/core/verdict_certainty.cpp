// Which failures are worth a re-run (see is_ambiguous in verdict.hpp).
#include <signal.h>

#include <string_view>

#include "harden_bisect/verdict.hpp"

namespace hb {
namespace {

constexpr int kCldExited = 1;  // ExecMainCode: CLD_EXITED; 2 = CLD_KILLED, 3 = CLD_DUMPED
constexpr int kCldKilled = 2;
constexpr int kCldDumped = 3;

// Signals a process raises against itself when it cannot go on: the seccomp filter's SIGSYS,
// a crash. SIGKILL and SIGTERM usually come from outside (OOM killer, a timeout) and are not here.
bool self_inflicted(int signal) {
  switch (signal) {
    case SIGSYS:
    case SIGSEGV:
    case SIGBUS:
    case SIGILL:
    case SIGFPE:
    case SIGABRT:
    case SIGTRAP:
      return true;
    default:
      return false;
  }
}

// The copy failed on its own, in a way that repeats: a systemd step (2xx), an exit code, a
// crash, or systemd's resource setup or notify protocol. Not: timeouts, the watchdog, OOM.
bool copy_failed_by_itself(const Evidence& e) {
  const std::string_view result = e.unit_result;
  if (result == "resources" || result == "protocol") return true;
  if (result != "exit-code" && result != "signal" && result != "core-dump") return false;
  if (e.exec_main_code == kCldExited) return e.exec_main_status != 0;
  if (e.exec_main_code == kCldKilled || e.exec_main_code == kCldDumped) {
    return self_inflicted(e.exec_main_status);
  }
  return false;
}

}  // namespace

bool is_ambiguous(const Verdict& verdict) {
  switch (verdict.kind) {
    case VerdictKind::kPass:
    case VerdictKind::kUnsupported:
      return false;
    case VerdictKind::kFail:
    case VerdictKind::kHang:
      return true;  // the probe's word while the copy was up: a slow start or a flaky probe
    case VerdictKind::kStartFailed:
      return !copy_failed_by_itself(verdict.evidence);
  }
  return true;
}

}  // namespace hb
