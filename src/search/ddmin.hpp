// Zeller's delta debugging: a minimal failing subset of a failing candidate set.
#pragma once

#include "harden_bisect/oracle.hpp"
#include "trial_runner.hpp"

namespace hb::search {

struct Conflict {
  CandidateSet set;  // fails; removing any one candidate of it makes it pass (1-minimal)
  Verdict verdict;   // the trial that showed `set` fails
};

// Shrinks `set`, known to fail with `verdict`, to a 1-minimal failing subset. Failures are
// believed only after retries, since each one narrows the search.
Conflict ddmin(CandidateSet set, Verdict verdict, TrialRunner& trials);

}  // namespace hb::search
