#include "group_search.hpp"

#include <algorithm>
#include <deque>
#include <optional>
#include <span>
#include <string>
#include <utility>

namespace hb::search {
namespace {

// Pseudo-decisions added to the observed rate, so that one early breaker does not make a
// sparse round look dense. Tuned by simulation (benchmarks/search_bench.cpp).
constexpr std::size_t kDamp = 4;
// Expected breakers left at which the search stops testing everything that is left at once.
constexpr std::size_t kDense = 3;

std::size_t largest_power_of_two_below(std::size_t n) {  // n >= 2
  std::size_t p = 1;
  while (p * 2 < n) p *= 2;
  return p;
}

// A failing trial: its verdict and how many undecided candidates it held.
struct Failure {
  Verdict verdict;
  std::size_t group_size = 0;
};

class GroupSearch {
 public:
  GroupSearch(SearchState& state, const std::vector<Candidate>& order)
      : state_(state), unknown_(order.begin(), order.end()) {}

  // Decides every candidate; returns the rejected ones.
  std::vector<Candidate> run() {
    while (!unknown_.empty()) step();
    return std::move(rejected_);
  }

 private:
  void step() {
    std::size_t size = probe_size(unknown_.size(), found_, decided_, rest_failure_.has_value());
    if (size > 1 && !state_.may_test_group()) size = 1;
    if (size == unknown_.size() && rest_failure_) {
      // Already known to fail as a whole: go straight to bisection.
      std::vector<Candidate> window(unknown_.begin(), unknown_.end());
      unknown_.clear();
      bisect(std::move(window), *std::exchange(rest_failure_, std::nullopt));
      return;
    }
    std::vector<Candidate> group(unknown_.begin(), unknown_.begin() + size);
    Verdict verdict = state_.test(group);
    if (verdict.passed()) {
      // The accepted set plus what is left is still the same (failing) set, if it was known.
      unknown_.erase(unknown_.begin(), unknown_.begin() + size);
      accept(group);
      return;
    }
    if (size == unknown_.size() && size > 1) {
      rest_failure_ = Failure{std::move(verdict), size};
      return;
    }
    unknown_.erase(unknown_.begin(), unknown_.begin() + size);
    rest_failure_.reset();  // the rest has not been tested without this group
    bisect(std::move(group), Failure{std::move(verdict), size});
  }

  // `window` fails on top of the accepted set as `failure` says: finds its first breaking
  // candidate by halving. Halves that pass are accepted; halves never tested go back to unknown.
  void bisect(std::vector<Candidate> window, Failure failure) {
    while (window.size() > 1) {
      const std::size_t half =
          state_.may_test_group() ? largest_power_of_two_below(window.size()) : 1;
      std::span<const Candidate> head(window.data(), half);
      Verdict head_verdict = state_.test(head);
      if (head_verdict.passed()) {
        accept(head);
        window.erase(window.begin(), window.begin() + half);
      } else {
        unknown_.insert(unknown_.begin(), window.begin() + half, window.end());
        window.resize(half);
        failure = {std::move(head_verdict), half};
      }
    }
    reject(window.front(), std::move(failure));
  }

  // `candidate` on top of the accepted set fails as `failure` says: the accepted set plus the
  // candidate is exactly the set that failed, since the rest of it was accepted by passing
  // trials. Believed only after the retries fail too, unless the trace saw the candidate's
  // target used: then trace and trial agree, and a wrong belief only keeps access.
  void reject(Candidate candidate, Failure failure) {
    const CandidateSet set = state_.with_accepted(std::span(&candidate, 1));
    const bool corroborated = state_.usage_of(candidate) == Usage::kUsed;
    if (!corroborated && state_.trials.retry(set, failure.verdict)) {
      accept(std::span(&candidate, 1));  // the failure was flaky
      return;
    }
    std::string why = explain(failure);
    state_.reject(candidate, std::move(failure.verdict), std::move(why));
    rejected_.push_back(candidate);
    ++found_;
    ++decided_;
  }

  std::string explain(const Failure& failure) const {
    if (failure.verdict.kind == VerdictKind::kUnsupported) return "unsupported by this systemd";
    if (failure.verdict.kind == VerdictKind::kInfeasible) return "infeasible under this manager";
    if (state_.accepted.empty()) return "fails alone";
    std::string why =
        "fails with the " + std::to_string(state_.accepted.size()) + " candidates accepted so far";
    if (failure.group_size > 1) {
      // Sound under the model: the rest of that group was accepted by passing trials.
      why += " (inferred: its group of " + std::to_string(failure.group_size) +
             " failed, the other " + std::to_string(failure.group_size - 1) + " passed)";
    }
    return why;
  }

  void accept(std::span<const Candidate> group) {
    state_.accept(group);
    decided_ += group.size();
  }

  SearchState& state_;
  std::deque<Candidate> unknown_;
  std::size_t found_ = 0;                // rejected this round
  std::size_t decided_ = 0;              // accepted or rejected this round
  std::optional<Failure> rest_failure_;  // the accepted set plus all unknown ones fails so
  std::vector<Candidate> rejected_;
};

}  // namespace

std::size_t probe_size(std::size_t unknown, std::size_t found, std::size_t decided,
                       bool rest_fails) {
  if (unknown <= 1) return unknown;
  // Expected breakers among the unknown ones, num/den, extrapolated from this round's rate.
  std::size_t num = found * unknown;
  std::size_t den = decided + kDamp;
  const bool sparse = found <= 1 || num < kDense * den;
  if (sparse && !rest_fails) return unknown;
  if (num < den) num = den = 1;  // at least one breaker is left (or we would not be here)
  // Hwang: test alone when unknown <= 2r - 2; else groups of 2^floor(log2((unknown-r+1)/r)).
  if ((unknown + 2) * den <= 2 * num) return 1;
  std::size_t size = 1;
  while (size * 2 <= unknown && (size * 2 + 1) * num <= (unknown + 1) * den) size *= 2;
  return size;
}

std::vector<Candidate> search_round(SearchState& state, std::vector<Candidate> candidates) {
  // Low risk first so that big passing groups come early; ties by option for determinism.
  auto by_risk = [&](Candidate a, Candidate b) {
    const double ra = state.items[a.option].risk;
    const double rb = state.items[b.option].risk;
    return ra != rb ? ra < rb : a < b;
  };
  std::sort(candidates.begin(), candidates.end(), by_risk);
  // Observed usage overrides the risk: unused ones lead the first group (ahead of the unknown
  // low-risk ones, so that a bisection accepts them early), used ones go alone.
  std::vector<Candidate> grouped;
  std::vector<Candidate> unknown;
  std::vector<Candidate> alone;
  for (Candidate c : candidates) {
    const Usage usage = state.usage_of(c);
    if (usage == Usage::kUnused) {
      grouped.push_back(c);
    } else if (usage == Usage::kUsed || state.items[c.option].risk >= kTestAloneRisk) {
      alone.push_back(c);
    } else {
      unknown.push_back(c);
    }
  }
  grouped.insert(grouped.end(), unknown.begin(), unknown.end());

  std::vector<Candidate> rejected = GroupSearch(state, grouped).run();
  for (Candidate candidate : alone) {
    // A one-candidate search is exactly one trial (plus retries of a failure).
    for (Candidate c : GroupSearch(state, {candidate}).run()) rejected.push_back(c);
  }
  return rejected;
}

}  // namespace hb::search
