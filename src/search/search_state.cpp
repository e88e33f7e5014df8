#include "search_state.hpp"

#include <algorithm>
#include <iterator>
#include <utility>

namespace hb::search {

CandidateSet SearchState::with_accepted(std::span<const Candidate> group) const {
  CandidateSet sorted_group(group.begin(), group.end());
  std::sort(sorted_group.begin(), sorted_group.end());
  CandidateSet set;
  set.reserve(accepted.size() + sorted_group.size());
  std::merge(accepted.begin(), accepted.end(), sorted_group.begin(), sorted_group.end(),
             std::back_inserter(set));
  return set;
}

Verdict SearchState::test(std::span<const Candidate> group) {
  const std::size_t before = trials.counts().search;
  Verdict verdict = trials.evaluate(with_accepted(group), TrialPurpose::kSearch);
  if (trials.counts().search != before) --slack;
  return verdict;
}

void SearchState::accept(std::span<const Candidate> group) {
  accepted = with_accepted(group);
  slack += static_cast<std::ptrdiff_t>(group.size());
}

void SearchState::reject(Candidate candidate, Verdict verdict, std::string why) {
  rejected.push_back({candidate, std::move(verdict), std::move(why)});
  ++slack;
}

}  // namespace hb::search
