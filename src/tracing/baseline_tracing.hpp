// Glue for the run driver: traces the baseline trial, turns what it saw into search priors and
// into the report's usage table. Without tracing everything works, without priors.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "harden_bisect/catalogue.hpp"
#include "harden_bisect/oracle.hpp"
#include "harden_bisect/property.hpp"
#include "harden_bisect/run_report.hpp"
#include "harden_bisect/search.hpp"
#include "harden_bisect/usage_table.hpp"
#include "harden_bisect/usage_tracer.hpp"

namespace hb {

class BaselineTracing final : public Oracle {
 public:
  // `tracer` may be null (tracing off or unavailable); `why_not` then says why, in one line.
  BaselineTracing(Oracle& inner, std::unique_ptr<UsageTracer> tracer, std::string why_not,
                  std::string cgroup_prefix);

  // Opens the tracefs tracer when `enabled`.
  static BaselineTracing open(Oracle& inner, bool enabled, std::string cgroup_prefix);

  // The first trial of the empty set (the baseline) runs traced; every other one as it is.
  Verdict evaluate(const CandidateSet& set) override;

  // Priors for search items whose strongest rungs are `rungs` (one per item).
  UsageSource priors(std::vector<std::vector<Assignment>> rungs) const;

  // The usage table: what was observed, `held` from the copy's properties, `proven_needed` from
  // the rejections of `report`.
  UsageTable table(const PropertyList& copy, const RunReport& report) const;

  const std::optional<ObservedUsage>& observed() const { return observed_; }

 private:
  Oracle& inner_;
  std::unique_ptr<UsageTracer> tracer_;
  std::string why_not_;
  std::string prefix_;
  bool baseline_done_ = false;
  std::optional<ObservedUsage> observed_;
};

}  // namespace hb
