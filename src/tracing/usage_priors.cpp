#include "usage_priors.hpp"

#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <sstream>
#include <string_view>
#include <utility>

#include "../core/assignment_model.hpp"
#include "../exposure/syscall_groups.hpp"
#include "harden_bisect/capabilities.hpp"

namespace hb::tracing {
namespace {

constexpr std::array<std::pair<int, std::string_view>, 16> kFamilies = {{
    {AF_UNIX, "AF_UNIX"},
    {AF_INET, "AF_INET"},
    {AF_INET6, "AF_INET6"},
    {AF_NETLINK, "AF_NETLINK"},
    {AF_PACKET, "AF_PACKET"},
    {AF_KEY, "AF_KEY"},
    {AF_BRIDGE, "AF_BRIDGE"},
    {AF_ALG, "AF_ALG"},
    {AF_BLUETOOTH, "AF_BLUETOOTH"},
    {AF_CAN, "AF_CAN"},
    {AF_VSOCK, "AF_VSOCK"},
    {AF_XDP, "AF_XDP"},
    {AF_TIPC, "AF_TIPC"},
    {AF_RDS, "AF_RDS"},
    {AF_SMC, "AF_SMC"},
    {AF_QIPCRTR, "AF_QIPCRTR"},
}};

// The syscall groups of systemd 252 that the exposure score knows (syscall_groups.cpp).
constexpr std::string_view kGroups[] = {"@chown",  "@clock",  "@cpu-emulation", "@debug",
                                        "@module", "@mount",  "@obsolete",      "@privileged",
                                        "@raw-io", "@reboot", "@resources",     "@swap"};

// Of those, the ones @system-service does not allow (the others are in it or partly in it).
constexpr std::string_view kOutsideSystemService[] = {"@clock",  "@cpu-emulation", "@debug",
                                                      "@module", "@mount",         "@obsolete",
                                                      "@raw-io", "@reboot",        "@swap"};

std::vector<std::string> words(std::string_view text) {
  std::vector<std::string> out;
  std::istringstream in{std::string(text)};
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

// "~A B" -> (true, [A, B]); "A B" -> (false, [A, B]).
std::pair<bool, std::vector<std::string>> parse_list(std::string_view value) {
  const bool deny = value.starts_with('~');
  if (deny) value.remove_prefix(1);
  return {deny, words(value)};
}

bool syscall_in_group(const std::string& syscall, std::string_view group) {
  return exposure::group_leaks_through_filter(group, {syscall}, /*allow_list=*/true);
}

bool any_capability_granted(const ObservedUsage& usage) {
  return std::any_of(usage.capabilities.begin(), usage.capabilities.end(),
                     [](const auto& entry) { return entry.second.granted > 0; });
}

bool uses_family(const ObservedUsage& usage, std::initializer_list<int> families) {
  return std::any_of(families.begin(), families.end(),
                     [&](int f) { return usage.address_families.contains(f); });
}

Usage seen(bool used) { return used ? Usage::kUsed : Usage::kUnused; }

Usage capability_prior(std::string_view value, const ObservedUsage& usage) {
  auto [deny, names] = parse_list(value);
  std::set<int> listed;
  for (const auto& name : names) {
    auto cap = capability_number(name);
    if (!cap) return Usage::kUnknown;
    listed.insert(*cap);
  }
  // A deny list drops the listed ones; an allow list (or "") drops the others.
  for (const auto& [cap, checks] : usage.capabilities) {
    if (listed.contains(cap) == deny) return Usage::kUsed;
  }
  return Usage::kUnused;
}

Usage syscall_filter_prior(std::string_view value, const ObservedUsage& usage) {
  auto [deny, names] = parse_list(value);
  if (!deny) {
    // Only an allow list of @system-service can be judged: the groups outside it are known.
    if (names != std::vector<std::string>{"@system-service"}) return Usage::kUnknown;
    for (const auto& syscall : usage.syscalls) {
      for (std::string_view group : kOutsideSystemService) {
        if (syscall_in_group(syscall, group)) return Usage::kUsed;
      }
    }
    return Usage::kUnknown;  // what else @system-service lacks is not listed here
  }
  for (const auto& name : names) {
    if (name.starts_with('@') && !exposure::is_known_syscall_group(name)) return Usage::kUnknown;
  }
  for (const auto& syscall : usage.syscalls) {
    for (const auto& name : names) {
      if (name.starts_with('@') ? syscall_in_group(syscall, name) : syscall == name) {
        return Usage::kUsed;
      }
    }
  }
  return Usage::kUnused;
}

Usage family_prior(std::string_view value, const ObservedUsage& usage) {
  if (value == "none") return seen(!usage.address_families.empty());
  auto [deny, names] = parse_list(value);
  std::set<int> listed;
  for (const auto& name : names) {
    auto canonical = assignment::canonical_family(name);
    auto number = canonical ? family_number(*canonical) : std::nullopt;
    if (!number) return Usage::kUnknown;
    listed.insert(*number);
  }
  for (int family : usage.address_families) {
    if (listed.contains(family) == deny) return Usage::kUsed;
  }
  return Usage::kUnused;
}

Usage namespace_prior(std::string_view value, const ObservedUsage& usage) {
  if (value == "yes" || value == "true") return seen(!usage.namespaces.empty());
  if (value == "no" || value == "false") return Usage::kUnknown;
  auto [deny, names] = parse_list(value);
  std::set<std::string> listed(names.begin(), names.end());
  for (const auto& ns : usage.namespaces) {
    if (listed.contains(ns) == deny) return Usage::kUsed;
  }
  return Usage::kUnused;
}

Usage assignment_prior(const Assignment& a, const ObservedUsage& usage) {
  if (a.key == "CapabilityBoundingSet") return capability_prior(a.value, usage);
  if (a.key == "SystemCallFilter") return syscall_filter_prior(a.value, usage);
  if (a.key == "RestrictAddressFamilies") return family_prior(a.value, usage);
  if (a.key == "RestrictNamespaces") return namespace_prior(a.value, usage);
  // A non-root identity, or root in a user namespace, has none of the capabilities it used.
  if (a.key == "DynamicUser" || a.key == "PrivateUsers" || a.key == "User") {
    return any_capability_granted(usage) ? Usage::kUsed : Usage::kUnknown;
  }
  if (a.key == "PrivateNetwork") {
    return seen(uses_family(usage, {AF_INET, AF_INET6, AF_PACKET}));
  }
  if (a.key == "IPAddressDeny") return seen(uses_family(usage, {AF_INET, AF_INET6}));
  return Usage::kUnknown;
}

}  // namespace

Usage usage_prior(const std::vector<Assignment>& rung, const ObservedUsage& usage) {
  if (rung.empty()) return Usage::kUnknown;
  bool all_unused = true;
  for (const auto& a : rung) {
    const Usage u = assignment_prior(a, usage);
    if (u == Usage::kUsed) return Usage::kUsed;
    if (u != Usage::kUnused) all_unused = false;
  }
  return all_unused ? Usage::kUnused : Usage::kUnknown;
}

std::set<std::string> observed_syscall_groups(const ObservedUsage& usage) {
  std::set<std::string> groups;
  for (std::string_view group : kGroups) {
    for (const auto& syscall : usage.syscalls) {
      if (syscall_in_group(syscall, group)) {
        groups.emplace(group);
        break;
      }
    }
  }
  return groups;
}

std::string family_name(int family) {
  for (const auto& [number, name] : kFamilies) {
    if (number == family) return std::string(name);
  }
  return "AF_" + std::to_string(family);
}

std::optional<int> family_number(const std::string& name) {
  for (const auto& [number, known] : kFamilies) {
    if (known == name) return number;
  }
  return std::nullopt;
}

}  // namespace hb::tracing
