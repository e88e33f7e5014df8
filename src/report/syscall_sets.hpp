// The system call groups of systemd 252, to tell which SystemCallFilter= entries of a drop-in
// change anything (internal to src/report).
#pragma once

#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace hb::report {

// One group as systemd 252 defines it: direct members, nested groups ("@chown") unexpanded.
struct SyscallSet {
  std::string_view name;                  // "@system-service"
  std::vector<std::string_view> members;  // syscall names and "@group"s
};

// Every group of systemd 252, as `systemd-analyze syscall-filter` prints them
// (syscall_sets_v252.cpp, generated from that output).
const std::vector<SyscallSet>& syscall_sets_v252();

// The syscall names `name` stands for: a group fully expanded, or a single syscall itself
// ("name:EPERM" counts as "name"). nullopt for an unknown "@group". Names are not resolved for
// an architecture, so equal sets mean equal filters on every architecture.
std::optional<std::set<std::string>> expand_syscall_name(std::string_view name);

}  // namespace hb::report
