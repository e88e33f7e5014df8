// How usage priors from tracing order the search: unused candidates are one group first, used
// ones are tested alone, and a wrong prior costs trials but never changes the result.
#include <doctest/doctest.h>

#include <cstddef>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "fake_service.hpp"
#include "harden_bisect/search.hpp"

namespace hb {
namespace {

using testing::FakeService;

std::vector<SearchItem> capability_items(std::size_t n) {
  std::vector<SearchItem> items(n);
  for (std::size_t i = 0; i < n; ++i) {
    items[i].id = "CapabilityBoundingSet=~CAP_" + std::to_string(i);
    items[i].risk = 0.05 + 0.05 * static_cast<double>(i % 4);  // 0.05 .. 0.2, as the catalogue
  }
  return items;
}

// kUsed for `used`, kUnused for the rest.
UsageSource usage_of(std::size_t n, const std::set<std::size_t>& used) {
  return [n, used] {
    std::vector<Usage> usage(n, Usage::kUnused);
    for (std::size_t o : used) usage[o] = Usage::kUsed;
    return usage;
  };
}

CandidateSet all_but(std::size_t n, const std::set<std::size_t>& bad) {
  CandidateSet set;
  for (std::size_t i = 0; i < n; ++i) {
    if (!bad.contains(i)) set.push_back({i, 0});
  }
  return set;
}

// A model of a catalogue-sized run: 40 capabilities, 8 syscall groups, 5 families,
// 7 namespaces (all observable), 30 other options (not observable; 8 of them risky).
struct Model {
  std::vector<SearchItem> items;
  std::vector<Usage> usage;
};

Model catalogue_model(const std::set<std::size_t>& used, std::mt19937& rng) {
  Model m;
  m.items = capability_items(60);
  for (std::size_t i = 0; i < 30; ++i) {
    SearchItem item;
    item.id = "other" + std::to_string(i);
    item.rung_count = 1 + rng() % 3;
    item.risk = i < 8 ? 0.6 : 0.1 + 0.05 * static_cast<double>(i % 5);
    m.items.push_back(item);
  }
  m.usage.assign(m.items.size(), Usage::kUnknown);
  for (std::size_t i = 0; i < 60; ++i) m.usage[i] = used.contains(i) ? Usage::kUsed : Usage::kUnused;
  return m;
}

TEST_SUITE("priors") {
  TEST_CASE("unused candidates are tested together first, then the used ones alone") {
    std::vector<SearchItem> items = capability_items(10);
    FakeService service;
    service.breaks(7);
    SearchResult result = run_search(items, service, {}, {}, usage_of(10, {2, 7}));
    const CandidateSet unused = all_but(10, {2, 7});
    CandidateSet with2 = unused;
    with2.insert(with2.begin() + 2, {2, 0});
    CandidateSet with27 = all_but(10, {});
    const std::vector<CandidateSet> expected = {
        {},      // baseline
        unused,  // every unused capability in one trial
        with2,   // option 2 alone (lower risk than 7), passes: a check, not a need
        with27,  // option 7 alone: fails
        with27,  // its retry
        with2,   // two confirmations
        with2,
    };
    CHECK(service.log() == expected);
    CHECK(result.kept == all_but(10, {7}));
    REQUIRE(result.rejected.size() == 1);
    CHECK(result.rejected[0].candidate == Candidate{7, 0});
  }

  TEST_CASE("d needed capabilities among 40 cost <= d + 3 search trials when the trace saw them") {
    std::mt19937 rng(2024);
    for (std::size_t d = 0; d <= 6; ++d) {
      for (std::size_t spurious = 0; spurious <= 2; ++spurious) {
        for (int sample = 0; sample < 50; ++sample) {
          std::set<std::size_t> needed;
          while (needed.size() < d) needed.insert(rng() % 40);
          std::set<std::size_t> seen = needed;  // checked: needed ones and a few that are not
          while (seen.size() < d + spurious) seen.insert(rng() % 40);
          FakeService service;
          for (std::size_t o : needed) service.breaks(o);
          SearchResult result = run_search(capability_items(40), service, {}, {}, usage_of(40, seen));
          CAPTURE(d);
          CAPTURE(std::vector<std::size_t>(seen.begin(), seen.end()));
          REQUIRE(result.confirmed);
          REQUIRE(result.kept == all_but(40, needed));
          REQUIRE(result.counts.search <= d + 3);
          REQUIRE(result.counts.search == 1 + d + spurious);  // one group, then each seen alone
        }
      }
    }
  }

  TEST_CASE("a need the trace missed is still found: priors never change the result") {
    std::mt19937 rng(99);
    for (int sample = 0; sample < 300; ++sample) {
      std::set<std::size_t> needed;
      const std::size_t d = 1 + rng() % 4;
      while (needed.size() < d) needed.insert(rng() % 40);
      std::set<std::size_t> seen;  // the trace saw some needed ones, and some others
      for (std::size_t o : needed) {
        if (rng() % 2) seen.insert(o);
      }
      while (seen.size() < d) seen.insert(rng() % 40);
      FakeService with;
      FakeService without;
      for (std::size_t o : needed) with.breaks(o), without.breaks(o);
      SearchResult a = run_search(capability_items(40), with, {}, {}, usage_of(40, seen));
      SearchResult b = run_search(capability_items(40), without, {});
      CAPTURE(std::vector<std::size_t>(needed.begin(), needed.end()));
      CAPTURE(std::vector<std::size_t>(seen.begin(), seen.end()));
      REQUIRE(a.kept == b.kept);
      REQUIRE(a.kept == all_but(40, needed));
      REQUIRE(a.counts.search <= 40 + search_overspend_limit(40));
    }
  }

  TEST_CASE("no usage, or usage of the wrong length, searches exactly as without priors") {
    FakeService a;
    FakeService b;
    FakeService c;
    for (FakeService* s : {&a, &b, &c}) s->breaks(3).breaks(17);
    (void)run_search(capability_items(30), a, {});
    (void)run_search(capability_items(30), b, {}, {}, [] { return std::vector<Usage>{}; });
    (void)run_search(capability_items(30), c, {}, {},
                     [] { return std::vector<Usage>(5, Usage::kUsed); });
    CHECK(b.log() == a.log());
    CHECK(c.log() == a.log());
  }

  TEST_CASE("the usage source is not asked when the baseline fails") {
    FakeService service;
    service.broken();
    bool asked = false;
    SearchResult result = run_search(capability_items(5), service, {}, {}, [&] {
      asked = true;
      return std::vector<Usage>(5, Usage::kUnused);
    });
    CHECK_FALSE(result.baseline_passed);
    CHECK_FALSE(asked);
  }

  TEST_CASE("whole runs with priors take <= 60% of the trials without, on a catalogue model") {
    // Each service needs d capabilities (seen by the trace, with up to 2 spurious checks) and
    // breaks up to 2 options the trace cannot see.
    std::mt19937 rng(31337);
    std::size_t with_total = 0;
    std::size_t without_total = 0;
    for (int sample = 0; sample < 400; ++sample) {
      std::set<std::size_t> needed;
      const std::size_t d = 1 + rng() % 3;
      while (needed.size() < d) needed.insert(rng() % 60);
      std::set<std::size_t> seen = needed;
      const std::size_t spurious = rng() % 3;
      while (seen.size() < d + spurious) seen.insert(rng() % 60);
      std::set<std::size_t> others;
      const std::size_t k = rng() % 3;
      while (others.size() < k) others.insert(60 + rng() % 30);
      Model model = catalogue_model(seen, rng);
      FakeService with;
      FakeService without;
      for (FakeService* s : {&with, &without}) {
        for (std::size_t o : needed) s->breaks(o);
        for (std::size_t o : others) s->breaks(o);
      }
      SearchResult a = run_search(model.items, with, {}, {}, [&] { return model.usage; });
      SearchResult b = run_search(model.items, without, {});
      CAPTURE(sample);
      REQUIRE(a.kept == b.kept);
      REQUIRE(a.confirmed);
      with_total += a.trials;
      without_total += b.trials;
      // Per run: never worse than without priors by more than one trial (the unused group).
      REQUIRE(a.trials <= b.trials + 1);
    }
    MESSAGE("trials with priors " << with_total << ", without " << without_total);
    CHECK(with_total * 10 <= without_total * 6);
  }
}

}  // namespace
}  // namespace hb
