// The system call groups of systemd 252, for expanding SystemCallFilter= as systemd does.
#pragma once

#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace hb::lint {

struct SyscallSet {
  std::string_view name;                  // "@system-service"
  std::vector<std::string_view> members;  // syscalls and nested "@group"s
};

// Every group `systemd-analyze syscall-filter` of systemd 252 lists (syscall_sets_252.cpp).
const std::vector<SyscallSet>& syscall_sets_252();

// The syscalls of "@group" with nested groups expanded; empty for an unknown group.
std::set<std::string> expand_syscall_group(std::string_view group);

}  // namespace hb::lint
