#include "confirm.hpp"

#include <algorithm>
#include <optional>
#include <string>
#include <utility>

#include "ddmin.hpp"

namespace hb::search {
namespace {

// The failure of `set` in `confirmations` fresh runs, or nullopt when every run passes.
std::optional<Verdict> first_failure(const CandidateSet& set, int confirmations,
                                     TrialRunner& trials) {
  for (int i = 0; i < confirmations; ++i) {
    Verdict verdict = trials.believe(set, TrialPurpose::kConfirmation, /*fresh=*/true);
    if (!verdict.passed()) return verdict;
  }
  return std::nullopt;
}

// The candidate to give up: least weight; on a tie the riskier one, then the later option.
Candidate least_valuable(const CandidateSet& conflict, const std::vector<SearchItem>& items) {
  auto less_valuable = [&](Candidate a, Candidate b) {
    const SearchItem& x = items[a.option];
    const SearchItem& y = items[b.option];
    if (x.weight != y.weight) return x.weight < y.weight;
    if (x.risk != y.risk) return x.risk > y.risk;
    return a > b;
  };
  return *std::min_element(conflict.begin(), conflict.end(), less_valuable);
}

std::string conflict_reason(const CandidateSet& conflict, Candidate dropped,
                            const SearchState& state) {
  std::string others;
  for (Candidate c : conflict) {
    if (c == dropped) continue;
    others += (others.empty() ? "" : ", ") + state.id_of(c);
  }
  // A conflict of one: the candidate passed in the search but fails now on its own merits.
  if (others.empty()) return "fails in confirmation";
  return "conflicts with " + others + " in the final set";
}

}  // namespace

bool confirm(SearchState& state, int confirmations) {
  while (true) {
    std::optional<Verdict> failure = first_failure(state.accepted, confirmations, state.trials);
    if (!failure) return true;
    // Nothing left to drop: the copy with nothing added fails now, unlike in the baseline.
    if (state.accepted.empty()) return false;
    // Something that passed before fails now, so remembered passes are not evidence any more.
    state.trials.forget();
    Conflict conflict = ddmin(state.accepted, std::move(*failure), state.trials);
    const Candidate dropped = least_valuable(conflict.set, state.items);
    std::string why = conflict_reason(conflict.set, dropped, state);
    std::erase(state.accepted, dropped);
    state.reject(dropped, std::move(conflict.verdict), std::move(why));
  }
}

}  // namespace hb::search
