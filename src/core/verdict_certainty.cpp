// Which failures are worth a re-run (see is_ambiguous in verdict.hpp).
#include <signal.h>

#include <string>
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

// Exec steps an unprivileged manager cannot carry out (systemd 252 exit-status.h), measured in a
// user manager: capability dropping, User=/Group= switches, securebits, chroot, and namespace
// setup without PrivateUsers=yes (TemporaryFileSystem=).
struct InfeasibleStep {
  int status;
  const char* name;
};
constexpr InfeasibleStep kInfeasibleSteps[] = {
    {210, "CHROOT"}, {213, "SECUREBITS"},   {216, "GROUP"},
    {217, "USER"},   {218, "CAPABILITIES"}, {226, "NAMESPACE"},
};

}  // namespace

std::string infeasible_step(const Evidence& e) {
  if (e.exec_main_code != kCldExited || e.unit_result != "exit-code") return "";
  for (const auto& step : kInfeasibleSteps) {
    if (step.status == e.exec_main_status) return std::to_string(step.status) + "/" + step.name;
  }
  return "";
}

Verdict classify_under_user_manager(Verdict verdict) {
  if (verdict.kind != VerdictKind::kStartFailed && verdict.kind != VerdictKind::kFail)
    return verdict;
  const auto step = infeasible_step(verdict.evidence);
  if (step.empty()) return verdict;
  verdict.kind = VerdictKind::kInfeasible;
  verdict.evidence.summary = "the user manager cannot carry out step " + step +
                             " (not a need of the service): " + verdict.evidence.summary;
  return verdict;
}

bool is_ambiguous(const Verdict& verdict) {
  switch (verdict.kind) {
    case VerdictKind::kPass:
    case VerdictKind::kUnsupported:
    case VerdictKind::kInfeasible:  // the manager, not the service: the same every time
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
