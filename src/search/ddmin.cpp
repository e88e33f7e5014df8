#include "ddmin.hpp"

#include <algorithm>
#include <cstddef>
#include <iterator>
#include <utility>
#include <vector>

namespace hb::search {
namespace {

// `set` cut into `parts` contiguous chunks of nearly equal size.
std::vector<CandidateSet> split(const CandidateSet& set, std::size_t parts) {
  std::vector<CandidateSet> chunks;
  std::size_t begin = 0;
  for (std::size_t i = 0; i < parts; ++i) {
    const std::size_t end = begin + (set.size() - begin) / (parts - i);
    chunks.emplace_back(set.begin() + begin, set.begin() + end);
    begin = end;
  }
  return chunks;
}

CandidateSet without(const CandidateSet& set, const CandidateSet& chunk) {
  CandidateSet rest;
  std::set_difference(set.begin(), set.end(), chunk.begin(), chunk.end(), std::back_inserter(rest));
  return rest;
}

}  // namespace

Conflict ddmin(CandidateSet set, Verdict verdict, TrialRunner& trials) {
  std::size_t parts = 2;
  while (set.size() >= 2) {
    const std::vector<CandidateSet> chunks = split(set, parts);
    bool reduced = false;
    for (const CandidateSet& chunk : chunks) {
      Verdict v = trials.believe(chunk, TrialPurpose::kConflict);
      if (!v.passed()) {
        set = chunk, verdict = std::move(v), parts = 2, reduced = true;
        break;
      }
    }
    // With two parts each complement is the other chunk, already tested.
    for (std::size_t i = 0; !reduced && parts > 2 && i < chunks.size(); ++i) {
      CandidateSet rest = without(set, chunks[i]);
      Verdict v = trials.believe(rest, TrialPurpose::kConflict);
      if (!v.passed()) {
        set = std::move(rest), verdict = std::move(v), parts = std::max<std::size_t>(parts - 1, 2);
        reduced = true;
      }
    }
    if (reduced) continue;
    if (parts >= set.size()) break;
    parts = std::min(parts * 2, set.size());
  }
  return {std::move(set), std::move(verdict)};
}

}  // namespace hb::search
