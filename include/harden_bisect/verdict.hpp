// The outcome of one trial, as data. A failing service is a verdict, not an error.
#pragma once

#include <chrono>
#include <string>
#include <vector>

namespace hb {

enum class VerdictKind {
  kPass,         // probe exited 0 within the settle window
  kFail,         // probe exited non-zero (or the copy died while probing)
  kHang,         // probe deadline hit: the service accepted but never answered
  kStartFailed,  // the copy did not come up: systemd's Result and ExecMainStatus say why
  kUnsupported,  // systemd rejected a property (unknown or invalid on this version)
  kInfeasible,   // a step this manager cannot carry out (218/CAPABILITIES under a user
                 // manager): says nothing about what the service needs, never retried
};

// Stable lower-case name used in reports and journals: "pass", "fail", "hang", ...
const char* to_string(VerdictKind kind);

struct Evidence {
  std::string summary;               // one line: "probe exited 7: curl: (7) Failed to connect"
  int probe_exit_status = -1;        // exit code, or -1 when the probe did not exit normally
  std::string probe_output_tail;     // last lines of stdout+stderr, bounded
  std::string unit_result;           // systemd Result= of the copy, e.g. "exit-code", "signal"
  int exec_main_code = 0;            // CLD_EXITED=1, CLD_KILLED=2, CLD_DUMPED=3
  int exec_main_status = 0;          // e.g. 218 (CAPABILITIES), 31 (SIGSYS)
  std::vector<std::string> journal;  // the copy's journal lines (by invocation id), bounded
};

struct Verdict {
  VerdictKind kind = VerdictKind::kPass;
  Evidence evidence;
  std::chrono::milliseconds duration{0};  // wall time of the trial

  bool passed() const { return kind == VerdictKind::kPass; }
};

}  // namespace hb

namespace hb {

// Whether a failure is evidence a re-run could overturn: the probe failed or hung while the copy
// was up, or the copy did not come up in time, or was killed from outside (SIGKILL, OOM). A copy
// that systemd refused, or that failed a systemd step (218/CAPABILITIES, 226/NAMESPACE ...),
// exited non-zero by itself or crashed (SIGSYS, SIGSEGV ...) fails the same way every time.
// False for a pass. Decided from the verdict alone, so replayed verdicts decide the same way.
bool is_ambiguous(const Verdict& verdict);

// The systemd step an unprivileged (user) manager cannot carry out that made the copy fail, as
// "218/CAPABILITIES", or "" when the copy did not fail at such a step. Under a system manager
// the same statuses mean the service's settings are wrong, so only user runs ask.
std::string infeasible_step(const Evidence& evidence);

// Turns a start failure at an infeasible step (see infeasible_step) into kInfeasible, saying
// so in the summary; any other verdict is returned unchanged.
Verdict classify_under_user_manager(Verdict verdict);

}  // namespace hb
