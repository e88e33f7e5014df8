// Runs the units of a plan one after another. A unit that cannot be run, or fails, never stops
// the others; the caller turns the summaries into files and an exit code.
#pragma once

#include <functional>
#include <optional>
#include <vector>

#include "harden_bisect/plan.hpp"
#include "harden_bisect/plan_outputs.hpp"
#include "harden_bisect/run_driver.hpp"
#include "harden_bisect/unit_summary.hpp"

namespace hb {

// The RunConfig of one plan entry: `base` (the tool's defaults, state directory, ...) with the
// entry's unit, probes and run options applied. Probe users are resolved by the caller.
RunConfig run_config_for(const PlanUnit& unit, const RunConfig& base);

// Runs one entry; the CLI binds it to run_hardening against the real manager.
using UnitRunner = std::function<Result<RunReport>(const PlanUnit&)>;

// Called after each unit with its summary (which it may amend, e.g. with file names) and the
// report when the run finished.
using UnitDone = std::function<void(const PlanUnit&, UnitSummary&, const RunReport*)>;

struct PlanRunSettings {
  std::optional<double> threshold;     // --threshold
  const Baseline* baseline = nullptr;  // --baseline
  std::function<bool()> stop;          // true = do not start another unit (interrupted)
};

// Runs the plan entries at `positions` in order. User units are reported unsupported without a
// run. Returns one summary per entry that was started or reported.
std::vector<UnitSummary> run_plan(const Plan& plan, const std::vector<std::size_t>& positions,
                                  const UnitRunner& run_unit, const PlanRunSettings& settings,
                                  const UnitDone& done = {});

}  // namespace hb
