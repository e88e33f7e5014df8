// Names for systemd's exit statuses (EXIT_* in systemd's exit-status.h) and signals, so a
// verdict says "218/CAPABILITIES" or "SIGSYS" instead of bare numbers.
#pragma once

#include <string>

namespace hb {

// "status=218/CAPABILITIES", "signal=SIGSYS", or "" when the process exited 0.
std::string describe_exit(int exec_main_code, int exec_main_status);

}  // namespace hb
