#include "exit_status.hpp"

#include <string.h>

#include <map>

namespace hb {
namespace {

// systemd 252 src/basic/exit-status.h, the codes a failed exec step reports.
const std::map<int, const char*> kSystemdExitNames = {
    {200, "CHDIR"},
    {201, "NICE"},
    {202, "FDS"},
    {203, "EXEC"},
    {204, "MEMORY"},
    {205, "LIMITS"},
    {206, "OOM_ADJUST"},
    {207, "SIGNAL_MASK"},
    {208, "STDIN"},
    {209, "STDOUT"},
    {210, "CHROOT"},
    {211, "IOPRIO"},
    {212, "TIMERSLACK"},
    {213, "SECUREBITS"},
    {214, "SETSCHEDULER"},
    {215, "CPUAFFINITY"},
    {216, "GROUP"},
    {217, "USER"},
    {218, "CAPABILITIES"},
    {219, "CGROUP"},
    {220, "SETSID"},
    {221, "CONFIRM"},
    {222, "STDERR"},
    {224, "PAM"},
    {225, "NETWORK"},
    {226, "NAMESPACE"},
    {227, "NO_NEW_PRIVILEGES"},
    {228, "SECCOMP"},
    {229, "SELINUX_CONTEXT"},
    {230, "PERSONALITY"},
    {231, "APPARMOR_PROFILE"},
    {232, "ADDRESS_FAMILIES"},
    {233, "RUNTIME_DIRECTORY"},
    {235, "CHOWN"},
    {236, "SMACK_PROCESS_LABEL"},
    {237, "KEYRING"},
    {238, "STATE_DIRECTORY"},
    {239, "CACHE_DIRECTORY"},
    {240, "LOGS_DIRECTORY"},
    {241, "CONFIGURATION_DIRECTORY"},
    {242, "NUMA_POLICY"},
    {243, "CREDENTIALS"},
    {245, "BPF"},
};

}  // namespace

std::string describe_exit(int code, int status) {
  constexpr int kExited = 1;  // CLD_EXITED; 2 = CLD_KILLED, 3 = CLD_DUMPED
  if (code == kExited) {
    if (status == 0) return "";
    auto it = kSystemdExitNames.find(status);
    return "status=" + std::to_string(status) +
           (it != kSystemdExitNames.end() ? std::string("/") + it->second : "");
  }
  if (code == 2 || code == 3) {
    const char* name = sigabbrev_np(status);
    return std::string("signal=") + (name ? std::string("SIG") + name : std::to_string(status)) +
           (code == 3 ? " (core dumped)" : "");
  }
  return "";
}

}  // namespace hb
