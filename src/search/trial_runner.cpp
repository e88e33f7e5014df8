#include "trial_runner.hpp"

namespace hb::search {

TrialRunner::TrialRunner(Oracle& oracle, const TrialObserver& observer, int retries, bool retry_all)
    : oracle_(oracle), observer_(observer), retries_(retries), retry_all_(retry_all) {}

Verdict TrialRunner::evaluate(const CandidateSet& set, TrialPurpose purpose) {
  if (auto it = memo_.find(set); it != memo_.end()) return it->second;
  return run(set, purpose);
}

Verdict TrialRunner::run(const CandidateSet& set, TrialPurpose purpose) {
  Verdict verdict = oracle_.evaluate(set);
  ++total_;
  switch (purpose) {
    case TrialPurpose::kBaseline:
      ++counts_.baseline;
      break;
    case TrialPurpose::kSearch:
      ++counts_.search;
      break;
    case TrialPurpose::kRetry:
      ++counts_.retries;
      break;
    case TrialPurpose::kConfirmation:
      ++counts_.confirmations;
      break;
    case TrialPurpose::kConflict:
      ++counts_.conflicts;
      break;
  }
  if (observer_) observer_(total_, set, verdict);
  // A pass is never overwritten by a later failure: failures are the flaky direction.
  auto [it, inserted] = memo_.try_emplace(set, verdict);
  if (!inserted && !it->second.passed()) it->second = verdict;
  return verdict;
}

std::optional<Verdict> TrialRunner::retry(const CandidateSet& set, const Verdict& failure) {
  // systemd rejecting a property is not flaky; running it again would only cost time.
  if (failure.kind == VerdictKind::kUnsupported) return std::nullopt;
  // A copy that failed a systemd step or crashed by itself does so every time: believe it.
  if (!retry_all_ && !is_ambiguous(failure)) return std::nullopt;
  for (int i = 0; i < retries_; ++i) {
    Verdict again = run(set, TrialPurpose::kRetry);
    if (again.passed()) return again;
  }
  return std::nullopt;
}

Verdict TrialRunner::believe(const CandidateSet& set, TrialPurpose purpose, bool fresh) {
  Verdict verdict = fresh ? run(set, purpose) : evaluate(set, purpose);
  if (verdict.passed()) return verdict;
  if (auto pass = retry(set, verdict)) return *pass;
  return verdict;
}

}  // namespace hb::search
