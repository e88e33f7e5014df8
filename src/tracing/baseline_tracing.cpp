#include "baseline_tracing.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <map>
#include <set>
#include <sstream>
#include <utility>
#include <variant>

#include "harden_bisect/capabilities.hpp"
#include "usage_priors.hpp"

namespace hb {
namespace {

std::string capability_label(int cap) {
  return capability_name(cap).value_or("CAP_" + std::to_string(cap));
}

// The names a deny rung takes away: "CapabilityBoundingSet=~CAP_A CAP_B" -> CAP_A, CAP_B.
std::vector<std::string> denied_names(const std::vector<Assignment>& rung, const std::string& key) {
  std::vector<std::string> out;
  for (const auto& a : rung) {
    if (a.key != key || !a.value.starts_with('~')) continue;
    std::istringstream in(a.value.substr(1));
    for (std::string w; in >> w;) out.push_back(w);
  }
  return out;
}

std::string describe(const ObservedUsage& u) {
  return std::to_string(u.processes) + " process(es), " + std::to_string(u.events) + " events, " +
         std::to_string(u.capabilities.size()) + " capabilities checked, " +
         std::to_string(u.syscalls.size()) + " syscalls, " +
         std::to_string(u.address_families.size()) + " socket families" +
         (u.lost_events ? " (events lost: incomplete)" : "");
}

}  // namespace

BaselineTracing::BaselineTracing(Oracle& inner, std::unique_ptr<UsageTracer> tracer,
                                 std::string why_not, std::string cgroup_prefix)
    : inner_(inner),
      tracer_(std::move(tracer)),
      why_not_(std::move(why_not)),
      prefix_(std::move(cgroup_prefix)) {}

BaselineTracing BaselineTracing::open(Oracle& inner, bool enabled, std::string cgroup_prefix) {
  if (!enabled) return {inner, nullptr, "usage not traced (--no-trace): no priors", cgroup_prefix};
  auto tracer = open_tracefs_usage_tracer();
  if (!tracer) {
    return {inner, nullptr, "usage not traced (" + tracer.error().message + "): no priors",
            cgroup_prefix};
  }
  return {inner, std::move(*tracer), "", std::move(cgroup_prefix)};
}

Verdict BaselineTracing::evaluate(const CandidateSet& set) {
  if (!set.empty() || baseline_done_ || !tracer_) return inner_.evaluate(set);
  baseline_done_ = true;
  if (auto s = tracer_->start(prefix_); !s) {
    why_not_ = "usage not traced (" + s.error().message + "): no priors";
    spdlog::warn("{}", why_not_);
    return inner_.evaluate(set);
  }
  Verdict verdict;
  try {
    verdict = inner_.evaluate(set);
  } catch (...) {
    (void)tracer_->stop();
    throw;
  }
  auto usage = tracer_->stop();
  if (!usage) {
    why_not_ = "usage not traced (" + usage.error().message + "): no priors";
  } else if (usage->processes == 0) {
    why_not_ = "usage traced, but no process of the copy was seen: no priors";
  } else {
    spdlog::info("traced the baseline copy: {}", describe(*usage));
    observed_ = std::move(*usage);
  }
  if (!why_not_.empty()) spdlog::warn("{}", why_not_);
  return verdict;
}

UsageSource BaselineTracing::priors(std::vector<std::vector<Assignment>> rungs) const {
  return [this, rungs = std::move(rungs)] {
    std::vector<Usage> usage;
    if (!observed_) return usage;
    for (const auto& rung : rungs) usage.push_back(tracing::usage_prior(rung, *observed_));
    return usage;
  };
}

UsageTable BaselineTracing::table(const PropertyList& copy, const RunReport& report) const {
  UsageTable table;
  table.traced = observed_.has_value();
  if (!observed_) {
    table.note = why_not_.empty() ? "usage not traced: no priors" : why_not_;
    return table;
  }
  const ObservedUsage& u = *observed_;
  table.note = "usage traced in the baseline trial: " + describe(u);

  // What failing trials proved needed: the names each believed rejection took away.
  std::set<std::string> needed;
  for (const auto& r : report.rejected) {
    if (r.verdict.kind == VerdictKind::kUnsupported || r.verdict.kind == VerdictKind::kInfeasible)
      continue;
    for (const char* key : {"CapabilityBoundingSet", "SystemCallFilter", "RestrictAddressFamilies",
                            "RestrictNamespaces"}) {
      for (auto& name : denied_names(r.assignments, key)) needed.insert(name);
    }
  }

  uint64_t bounding = ~uint64_t{0};
  for (const auto& p : copy) {
    if (p.name == "CapabilityBoundingSet" && std::holds_alternative<uint64_t>(p.value)) {
      bounding = std::get<uint64_t>(p.value);
    }
  }
  std::map<std::string, UsageRow> caps;
  for (const auto& [cap, checks] : u.capabilities) {
    UsageRow row{capability_label(cap), cap < 64 && ((bounding >> cap) & 1), checks.granted,
                 checks.denied, false};
    caps[row.name] = row;
  }
  for (const auto& name : needed) {
    if (name.starts_with("CAP_") && !caps.contains(name)) caps[name] = UsageRow{name, true};
  }
  for (auto& [name, row] : caps) {
    row.proven_needed = needed.contains(name);
    table.capabilities.push_back(row);
  }

  const std::set<std::string> used_groups = tracing::observed_syscall_groups(u);
  std::set<std::string> groups = used_groups;
  for (const auto& name : needed) {
    if (name.starts_with('@')) groups.insert(name);
  }
  for (const auto& g : groups) {
    table.syscall_groups.push_back(
        {g, true, used_groups.contains(g) ? 1u : 0u, 0, needed.contains(g)});
  }
  std::set<std::string> families;
  for (int f : u.address_families) families.insert(tracing::family_name(f));
  for (const auto& name : needed) {
    if (name.starts_with("AF_")) families.insert(name);
  }
  for (const auto& f : families) {
    const auto number = tracing::family_number(f);
    const bool used = number && u.address_families.contains(*number);
    table.address_families.push_back({f, true, used ? 1u : 0u, 0, needed.contains(f)});
  }
  for (const auto& ns : u.namespaces) {
    table.namespaces.push_back({ns, true, 1, 0, needed.contains(ns)});
  }
  return table;
}

}  // namespace hb
