// Adaptive group testing of one round of candidates on top of the accepted set.
#pragma once

#include <cstddef>
#include <vector>

#include "search_state.hpp"

namespace hb::search {

// Accepts or rejects every candidate (one rung each of options not accepted yet): low-risk ones
// by group testing, risky ones alone. Returns the rejected candidates.
std::vector<Candidate> search_round(SearchState& state, std::vector<Candidate> candidates);

// Size of the next group to test when `unknown` candidates are left, `found` of the `decided`
// ones this round broke, and `rest_fails` says the unknown ones are known to fail together.
// Sparse so far: all of them (one trial when nothing breaks). Dense: Hwang's generalized binary
// splitting for the expected number of breakers left; 1 when testing alone is cheaper.
std::size_t probe_size(std::size_t unknown, std::size_t found, std::size_t decided,
                       bool rest_fails);

}  // namespace hb::search
