// What the phases of one search share: the accepted set, the rejections, the trial budget.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include "harden_bisect/search.hpp"
#include "trial_runner.hpp"

namespace hb::search {

struct SearchState {
  const std::vector<SearchItem>& items;
  TrialRunner& trials;
  CandidateSet accepted;               // sorted; every search trial runs on top of these
  std::vector<Rejection> rejected;     // in the order they were found
  std::ptrdiff_t slack = 0;            // candidate rungs decided minus search trials spent
  std::ptrdiff_t overspend_limit = 0;  // how far below zero `slack` may go
  std::vector<Usage> usage;            // per item, from tracing the baseline; empty = unknown

  Usage usage_of(Candidate candidate) const {
    return usage.empty() ? Usage::kUnknown : usage[candidate.option];
  }

  // `group` added to the accepted set, sorted.
  CandidateSet with_accepted(std::span<const Candidate> group) const;

  // One search trial of `group` on top of the accepted set (memoized; a memo hit is free).
  Verdict test(std::span<const Candidate> group);

  // Whether a group trial that decides nothing still keeps within the overspend limit.
  bool may_test_group() const { return slack - 1 >= -overspend_limit; }

  void accept(std::span<const Candidate> group);
  void reject(Candidate candidate, Verdict verdict, std::string why);

  const std::string& id_of(Candidate candidate) const { return items[candidate.option].id; }
};

}  // namespace hb::search
