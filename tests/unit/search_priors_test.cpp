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

// A network daemon on a model of the builtin catalogue (90 options, ladders included):
// 40 capabilities; 20 syscall-group, namespace and family rows (observable); PrivateNetwork and
// IPAddressDeny (observable through socket families); DynamicUser and PrivateUsers (used when a
// capability was granted); 4 risky and 22 low-risk rows the trace cannot see.
struct Model {
  std::vector<SearchItem> items;
  std::vector<Usage> usage;
  std::set<Candidate> breaking;
};

Model network_daemon(std::mt19937& rng) {
  Model m;
  m.items = capability_items(40);
  m.usage.assign(40, Usage::kUnused);
  auto add = [&](std::string id, double risk, Usage usage, std::size_t rungs = 1) {
    m.items.push_back({std::move(id), rungs, risk, 1.0});
    m.usage.push_back(usage);
    return m.items.size() - 1;
  };
  // The capabilities it needs (seen) and up to two it only checks (seen too).
  const std::size_t d = 1 + rng() % 3;
  std::set<std::size_t> needed;
  while (needed.size() < d) needed.insert(rng() % 40);
  std::set<std::size_t> seen = needed;
  const std::size_t spurious = rng() % 3;
  while (seen.size() < d + spurious) seen.insert(rng() % 40);
  for (std::size_t o : seen) m.usage[o] = Usage::kUsed;
  for (std::size_t o : needed) m.breaking.insert({o, 0});
  // Syscall groups, namespaces, families: AF_INET is used and needed, two others used only.
  m.breaking.insert({add("RestrictAddressFamilies=~AF_INET AF_INET6", 0.6, Usage::kUsed), 0});
  add("RestrictAddressFamilies=~AF_UNIX", 0.5, Usage::kUsed);
  add("SystemCallFilter=~@resources", 0.2, Usage::kUsed);
  for (int i = 0; i < 17; ++i) add("observable" + std::to_string(i), 0.05, Usage::kUnused);
  m.breaking.insert({add("PrivateNetwork", 0.7, Usage::kUsed), 0});
  m.breaking.insert({add("IPAddressDeny", 0.6, Usage::kUsed, 2), 0});
  m.breaking.insert({add("DynamicUser", 0.6, Usage::kUsed), 0});
  m.breaking.insert({add("PrivateUsers", 0.4, Usage::kUsed), 0});
  for (int i = 0; i < 4; ++i) add("risky" + std::to_string(i), 0.5, Usage::kUnknown);
  // Up to two breakers the trace cannot see (e.g. ProtectSystem=strict for a state writer).
  const std::size_t first_unseen = m.items.size();
  for (int i = 0; i < 22; ++i) {
    add("unseen" + std::to_string(i), 0.1 + 0.05 * (i % 5), Usage::kUnknown, 1 + rng() % 3);
  }
  const std::size_t k = rng() % 3;
  std::set<std::size_t> unseen;
  while (unseen.size() < k) unseen.insert(first_unseen + rng() % 22);
  for (std::size_t o : unseen) m.breaking.insert({o, 0});
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
        with27,  // option 7 alone: fails, believed without a retry (the trace saw it used)
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
          SearchResult result =
              run_search(capability_items(40), service, {}, {}, usage_of(40, seen));
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

  TEST_CASE("a failure of a used candidate is believed at once; of an unused one, after retries") {
    FakeService service;
    service.breaks(3).breaks(8);
    SearchResult result = run_search(capability_items(12), service, {}, {}, usage_of(12, {3}));
    CHECK(result.kept == all_but(12, {3, 8}));
    CHECK(result.counts.retries == 1);  // only option 8, which the trace did not see
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
    std::mt19937 rng(31337);
    std::size_t with_total = 0;
    std::size_t without_total = 0;
    for (int sample = 0; sample < 400; ++sample) {
      Model model = network_daemon(rng);
      FakeService with;
      FakeService without;
      for (FakeService* s : {&with, &without}) {
        for (Candidate c : model.breaking) s->breaks(c.option, c.rung);
      }
      SearchResult a = run_search(model.items, with, {}, {}, [&] { return model.usage; });
      SearchResult b = run_search(model.items, without, {});
      CAPTURE(sample);
      REQUIRE(a.confirmed);
      REQUIRE(a.kept == b.kept);
      with_total += a.trials;
      without_total += b.trials;
      REQUIRE(a.trials <= b.trials);  // per run, never worse
    }
    MESSAGE("trials with priors " << with_total << ", without " << without_total);
    CHECK(with_total * 10 <= without_total * 6);
  }
}

}  // namespace
}  // namespace hb
