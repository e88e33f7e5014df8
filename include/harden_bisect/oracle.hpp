// The search asks an Oracle whether the service survives a set of candidates.
#pragma once

#include <cstddef>
#include <vector>

#include "harden_bisect/verdict.hpp"

namespace hb {

// One hardening choice: option `option` (index into the search items) at ladder rung `rung`
// (0 = strongest).
struct Candidate {
  std::size_t option = 0;
  std::size_t rung = 0;
  auto operator<=>(const Candidate&) const = default;
};

// Candidates applied together in one trial; kept sorted and without duplicate options.
using CandidateSet = std::vector<Candidate>;

// Runs one trial of the service with exactly `set` added to its baseline.
// Implementations: TrialOracle (real systemd), FakeService (tests), memo/journal decorators.
class Oracle {
 public:
  virtual ~Oracle() = default;
  virtual Verdict evaluate(const CandidateSet& set) = 0;
};

}  // namespace hb
