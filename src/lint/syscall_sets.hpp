// The system call groups of systemd 252, for expanding SystemCallFilter= as systemd does. The
// table itself is the report layer's (src/report/syscall_sets_v252.cpp, checked against
// `systemd-analyze syscall-filter` by the analyze suite): one copy for lint and the drop-in.
#pragma once

#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "../report/syscall_sets.hpp"

namespace hb::lint {

using report::SyscallSet;

// Every group `systemd-analyze syscall-filter` of systemd 252 lists.
inline const std::vector<SyscallSet>& syscall_sets_252() { return report::syscall_sets_v252(); }

// The syscalls of "@group" with nested groups expanded; empty for an unknown group.
std::set<std::string> expand_syscall_group(std::string_view group);

}  // namespace hb::lint
