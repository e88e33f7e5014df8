// Scoring a loaded unit file and ranking the catalogue options that would lower its exposure.
#include "harden_bisect/lint.hpp"

#include <algorithm>

namespace hb {
namespace {

// analyze's sum of per-row badness, each normalised by its range and rounded up (its units).
uint64_t weighted_badness(const Exposure& e) {
  uint64_t sum = 0;
  for (const auto& row : e.rows) {
    if (row.badness) sum += (*row.badness * row.weight + row.range - 1) / row.range;
  }
  return sum;
}

Exposure score(const LoadedUnit& unit, const std::vector<UnitLine>& extra, bool user_manager) {
  std::vector<UnitLine> lines = unit.lines;
  lines.insert(lines.end(), extra.begin(), extra.end());
  return assess_exposure(SecurityState{unit_security_properties(lines, unit.id, user_manager)},
                         user_manager);
}

}  // namespace

LintResult lint_unit(LoadedUnit unit, const Catalogue& catalogue, bool user_manager) {
  LintResult result;
  result.exposure = score(unit, {}, user_manager);
  const uint64_t before = weighted_badness(result.exposure);
  for (const auto& option : catalogue.options) {
    if (user_manager && option.user_manager == UserManagerSupport::kFails) continue;
    // Strongest first: the first rung that lowers the score, tried as a drop-in would be.
    for (const auto& rung : option.rungs) {
      std::vector<UnitLine> dropin;
      for (const auto& a : rung.assignments)
        dropin.push_back({"Service", a.key, a.value, "(candidate)", 0});
      const Exposure after = score(unit, dropin, user_manager);
      const uint64_t badness = weighted_badness(after);
      if (badness < before) {
        result.candidates.push_back({option.id, rung.assignments, after.tenths, before - badness});
        break;
      }
    }
  }
  std::stable_sort(result.candidates.begin(), result.candidates.end(),
                   [](const LintCandidate& a, const LintCandidate& b) { return a.gain > b.gain; });
  result.unit = std::move(unit);
  return result;
}

}  // namespace hb
