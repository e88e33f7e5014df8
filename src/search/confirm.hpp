// Confirmation of the final set, resolving conflicts the search could not see.
#pragma once

#include "search_state.hpp"

namespace hb::search {

// Runs the accepted set `confirmations` times. When it fails, isolates a minimal conflict with
// ddmin, drops its candidate of least weight and tries again. Returns whether a set passed.
bool confirm(SearchState& state, int confirmations);

}  // namespace hb::search
