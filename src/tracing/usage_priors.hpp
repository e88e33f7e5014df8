// From what the baseline copy was seen using to priors for the search and names for the report.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "harden_bisect/catalogue.hpp"
#include "harden_bisect/search.hpp"
#include "harden_bisect/usage_tracer.hpp"

namespace hb::tracing {

// The prior of an option whose strongest rung is `rung`: kUsed if the copy was seen using
// something the rung restricts, kUnused if the rung restricts only observable things none of
// which was seen, kUnknown when the trace cannot tell (file system, identity without any
// capability use, ...).
Usage usage_prior(const std::vector<Assignment>& rung, const ObservedUsage& usage);

// The systemd 252 syscall groups the exposure score knows ("@privileged") that hold a syscall
// the copy entered.
std::set<std::string> observed_syscall_groups(const ObservedUsage& usage);

// "AF_INET" for 2; "AF_<n>" for families without a name here.
std::string family_name(int family);

// The AF_* number of a RestrictAddressFamilies= name, or nullopt.
std::optional<int> family_number(const std::string& name);

}  // namespace hb::tracing
