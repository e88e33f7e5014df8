// Every oracle call of the search goes through here: memo, counting by purpose, retries, observer.
#pragma once

#include <cstddef>
#include <map>
#include <optional>

#include "harden_bisect/oracle.hpp"
#include "harden_bisect/search.hpp"

namespace hb::search {

enum class TrialPurpose { kBaseline, kSearch, kRetry, kConfirmation, kConflict };

class TrialRunner {
 public:
  TrialRunner(Oracle& oracle, const TrialObserver& observer, int retries, bool retry_all = false);

  // The verdict of `set`: remembered if it was evaluated before, else one new trial.
  Verdict evaluate(const CandidateSet& set, TrialPurpose purpose);

  // One new trial of `set` even if it was evaluated before (confirmations are deliberate).
  Verdict run(const CandidateSet& set, TrialPurpose purpose);

  // Re-runs `set`, which just gave `failure`, up to `retries` times if the failure is ambiguous
  // (or `retry_all`; never when systemd rejected the set). Returns the first passing verdict
  // (and remembers that the set passes), or nullopt when the failure stands.
  std::optional<Verdict> retry(const CandidateSet& set, const Verdict& failure);

  // evaluate() or run(), then retry() a failure: the verdict the search may believe.
  Verdict believe(const CandidateSet& set, TrialPurpose purpose, bool fresh = false);

  // Drops remembered verdicts; after a failed confirmation, earlier passes are not trusted.
  void forget() { memo_.clear(); }

  const TrialCounts& counts() const { return counts_; }
  std::size_t total() const { return total_; }

 private:
  Oracle& oracle_;
  const TrialObserver& observer_;
  int retries_;
  bool retry_all_;
  std::map<CandidateSet, Verdict> memo_;
  TrialCounts counts_;
  std::size_t total_ = 0;
};

}  // namespace hb::search
