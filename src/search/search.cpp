// run_search: baseline, then rounds of group testing down the ladders, then confirmation.
#include "harden_bisect/search.hpp"

#include <algorithm>
#include <bit>
#include <optional>
#include <utility>
#include <vector>

#include "confirm.hpp"
#include "group_search.hpp"
#include "search_state.hpp"
#include "trial_runner.hpp"

namespace hb {

std::size_t search_overspend_limit(std::size_t option_count) {
  return 2 * static_cast<std::size_t>(std::bit_width(option_count));  // 2*ceil(log2(n+1))
}

SearchResult run_search(const std::vector<SearchItem>& items, Oracle& oracle,
                        const SearchOptions& options, const TrialObserver& observer,
                        const UsageSource& usage, const RungGate& gate) {
  SearchResult result;
  search::TrialRunner trials(oracle, observer, options.retries, options.retry_all);

  // Baseline: if the unhardened copy fails, no candidate can be judged.
  result.baseline = trials.evaluate({}, search::TrialPurpose::kBaseline);
  result.baseline_passed = result.baseline.passed();

  if (result.baseline_passed) {
    search::SearchState state{
        .items = items,
        .trials = trials,
        .accepted = {},
        .rejected = {},
        .slack = 0,
        .overspend_limit = static_cast<std::ptrdiff_t>(search_overspend_limit(items.size())),
        .usage = {}};
    // Priors come from watching the baseline copy, so they exist only now.
    if (usage) state.usage = usage();
    if (state.usage.size() != items.size()) state.usage.clear();

    // Round r tests the next rung of the options whose stronger rungs were all rejected; the
    // gate may pass over a rung (a repair with nothing to repair).
    auto next_rung = [&](Candidate c) -> std::optional<Candidate> {
      for (++c.rung; c.rung < items[c.option].rung_count; ++c.rung) {
        if (!gate || gate(c, state.rejected)) return c;
      }
      return std::nullopt;
    };
    std::vector<Candidate> round;
    for (std::size_t option = 0; option < items.size(); ++option) {
      if (items[option].rung_count > 0) round.push_back({option, 0});
    }
    while (!round.empty()) {
      std::vector<Candidate> next;
      for (Candidate c : search::search_round(state, std::move(round))) {
        if (auto n = next_rung(c)) next.push_back(*n);
      }
      round = std::move(next);
    }

    result.confirmed = search::confirm(state, options.confirmations);
    result.kept = std::move(state.accepted);
    result.rejected = std::move(state.rejected);
    std::stable_sort(
        result.rejected.begin(), result.rejected.end(),
        [](const Rejection& a, const Rejection& b) { return a.candidate < b.candidate; });
  }

  result.counts = trials.counts();
  result.trials = trials.total();
  return result;
}

}  // namespace hb
