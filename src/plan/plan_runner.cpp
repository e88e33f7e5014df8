// One plan run: each entry -> RunConfig -> run -> summary with its failures.
#include "harden_bisect/plan_runner.hpp"

namespace hb {
namespace {

std::string command_line(const std::vector<std::string>& argv) {
  std::string out;
  for (const auto& word : argv) out += (out.empty() ? "" : " ") + word;
  return out;
}

}  // namespace

RunConfig run_config_for(const PlanUnit& unit, const RunConfig& base) {
  RunConfig config = base;
  const auto& o = unit.options;
  config.unit = unit.unit;
  config.probes = unit.probes;
  config.only = o.only;
  config.skip = o.skip;
  if (o.probe_timeout) config.timing.probe_timeout = *o.probe_timeout;
  if (o.settle) config.timing.settle = *o.settle;
  if (o.start_timeout) config.timing.start_timeout = *o.start_timeout;
  if (o.stop_timeout) config.timing.stop_timeout = *o.stop_timeout;
  if (o.confirm) config.search.confirmations = *o.confirm;
  if (o.retries) config.search.retries = *o.retries;
  if (o.stop_original) config.stop_original = *o.stop_original;
  if (o.check_maximal) config.check_maximal = *o.check_maximal;
  return config;
}

std::vector<UnitSummary> run_plan(const Plan& plan, const std::vector<std::size_t>& positions,
                                  const UnitRunner& run_unit, const PlanRunSettings& settings,
                                  const UnitDone& done) {
  std::vector<UnitSummary> out;
  for (const auto position : positions) {
    if (settings.stop && settings.stop()) break;
    const PlanUnit& entry = plan.units.at(position);
    UnitSummary summary;
    std::optional<RunReport> report;
    if (entry.user) {
      summary.status = UnitOutcome::kUnsupported;
      summary.error =
          "user units (user: true) are not supported yet; " + entry.unit + " was not run";
    } else if (auto result = run_unit(entry); result) {
      report = std::move(*result);
      summary = summarize_run(*report);
    } else {
      summary = summarize_error(result.error());
    }
    summary.index = entry.index;
    summary.unit = entry.unit;
    summary.user = entry.user;
    summary.ceiling = entry.ceiling;
    for (const auto& argv : entry.probes) summary.probes.push_back(command_line(argv));
    if (report) {
      add_exposure_failures(summary, settings.threshold);
      if (settings.baseline) add_regressions(summary, *settings.baseline);
    }
    if (done) done(entry, summary, report ? &*report : nullptr);
    out.push_back(std::move(summary));
  }
  return out;
}

}  // namespace hb
