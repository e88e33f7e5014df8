// The system call groups systemd-analyze 252 scores, and how a filter covers them.
#pragma once

#include <set>
#include <string>
#include <string_view>

namespace hb::exposure {

// True if `group` ("@clock") is one of the embedded v252 groups.
bool is_known_syscall_group(std::string_view group);

// analyze's syscall_names_in_filter(): true (bad) if an allow-list contains, or a deny-list
// lacks, any member of `group` that exists on the native architecture.
bool group_leaks_through_filter(std::string_view group, const std::set<std::string>& filter,
                                bool allow_list);

}  // namespace hb::exposure
