// Group-testing search for the strongest set of candidates the service survives. Pure: all
// effects go through the Oracle.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "harden_bisect/oracle.hpp"

namespace hb {

// What the search needs to know about one option; rungs are tried strongest first.
struct SearchItem {
  std::string id;            // for messages only
  std::size_t rung_count = 1;
  double risk = 0.1;         // prior probability that the option breaks the service (0..1)
  double weight = 1.0;       // exposure weight; the least weight is dropped in a conflict
};

struct SearchOptions {
  int confirmations = 2;  // passes the final set must get in a row
  int retries = 1;        // re-runs of a failing group before it is believed
};

struct Rejection {
  Candidate candidate;
  Verdict verdict;  // the trial that shows the candidate breaks the service
  std::string why;  // "fails alone", "conflicts with X in the final set", ...
};

struct SearchResult {
  bool baseline_passed = false;
  Verdict baseline;              // verdict of the copy with nothing added
  CandidateSet kept;             // the final set (at most one rung per option)
  std::vector<Rejection> rejected;  // every rung that was rejected, strongest first per option
  bool confirmed = false;        // the final set passed `confirmations` times
  std::size_t trials = 0;        // oracle calls actually made (memo hits excluded)
};

// Observer for progress output; called after every oracle call with the set and its verdict.
using TrialObserver = std::function<void(std::size_t trial, const CandidateSet&, const Verdict&)>;

// Runs baseline, group testing over ladders, and confirmation with conflict resolution.
// Never makes more trials than one-at-a-time elimination plus confirmations and retries.
SearchResult run_search(const std::vector<SearchItem>& items, Oracle& oracle,
                        const SearchOptions& options, const TrialObserver& observer = {});

}  // namespace hb
