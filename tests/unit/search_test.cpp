// Search against simulated services with known breaking sets: exact results, trial bounds
// computed from d breaking options among n, ladders, conflicts, flakiness, determinism.
#include "harden_bisect/search.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstddef>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "fake_service.hpp"

namespace hb {
namespace {

using testing::FakeService;

std::vector<SearchItem> make_items(std::size_t n, std::size_t rungs = 1) {
  std::vector<SearchItem> items(n);
  for (std::size_t i = 0; i < n; ++i) {
    items[i].id = "opt" + std::to_string(i);
    items[i].rung_count = rungs;
  }
  return items;
}

std::size_t ceil_log2(std::size_t n) { return n <= 1 ? 0 : std::bit_width(n - 1); }

// Search trials (no baseline, retries, confirmations) for d breaking options among n single-rung
// ones when breakers are sparse (8d <= n): per breaker one failing group and at most
// ceil(log2 n) halvings, then one passing group; +3 once there are several, for the growing
// groups after the density estimate turned cautious. Checked for every pair up to n = 80.
std::size_t sparse_search_bound(std::size_t n, std::size_t d) {
  if (d == 0) return 1;
  return d * (ceil_log2(n) + 1) + 1 + (d >= 2 ? 3 : 0);
}

// The contract for any density: one trial per option plus the overspend limit.
std::size_t dense_search_bound(std::size_t n) { return n + search_overspend_limit(n); }

// Total trials: baseline + search + one retry per rejection + confirmations (default options).
std::size_t trial_bound(std::size_t n, std::size_t d, const SearchOptions& options = {}) {
  return 1 + sparse_search_bound(n, d) + d * options.retries + options.confirmations;
}

// Options 0..n-1 at rung 0 except those in `bad`.
CandidateSet all_but(std::size_t n, const std::set<std::size_t>& bad) {
  CandidateSet set;
  for (std::size_t i = 0; i < n; ++i) {
    if (!bad.contains(i)) set.push_back({i, 0});
  }
  return set;
}

std::vector<Candidate> rejected_candidates(const SearchResult& result) {
  std::vector<Candidate> out;
  for (const Rejection& r : result.rejected) out.push_back(r.candidate);
  return out;
}

std::vector<Candidate> rung0(const std::set<std::size_t>& options) {
  std::vector<Candidate> out;
  for (std::size_t o : options) out.push_back({o, 0});
  return out;
}

// Runs the search over n single-rung options of which `bad` break; checks the exact result.
SearchResult run_and_check_exact(std::size_t n, const std::set<std::size_t>& bad) {
  FakeService service;
  for (std::size_t o : bad) service.breaks(o);
  SearchResult result = run_search(make_items(n), service, {});
  REQUIRE(result.baseline_passed);
  REQUIRE(result.confirmed);
  REQUIRE(result.kept == all_but(n, bad));
  REQUIRE(rejected_candidates(result) == rung0(bad));
  REQUIRE(result.trials == service.calls());
  return result;
}

TEST_SUITE("search") {
  TEST_CASE("nothing breaks: one baseline, one group of all 60, then the confirmations") {
    FakeService service;
    SearchResult result = run_search(make_items(60), service, {});
    CHECK(result.baseline_passed);
    CHECK(result.confirmed);
    CHECK(result.kept == all_but(60, {}));
    CHECK(result.rejected.empty());
    CHECK(result.trials == 1 + 1 + 2);
    CHECK(result.counts.search == 1);
    CHECK(result.counts.confirmations == 2);
  }

  TEST_CASE("group search finds one breaking option among 60 in <= 12 trials, wherever it is") {
    REQUIRE(trial_bound(60, 1) == 12);
    for (std::size_t p = 0; p < 60; ++p) {
      CAPTURE(p);
      SearchResult result = run_and_check_exact(60, {p});
      REQUIRE(result.trials <= 12);
      REQUIRE(result.counts.retries == 1);  // the one failure is re-run before it is believed
      const std::string why = result.rejected[0].why;
      if (p == 0) {
        CHECK(why == "fails alone");
      } else {
        CHECK(why.starts_with("fails with the " + std::to_string(p) + " candidates accepted"));
      }
    }
  }

  TEST_CASE("group search finds two breaking options among 60 in <= 23 trials, for every pair") {
    REQUIRE(trial_bound(60, 2) == 23);
    std::size_t worst = 0;
    for (std::size_t a = 0; a < 60; ++a) {
      for (std::size_t b = a + 1; b < 60; ++b) {
        CAPTURE(a);
        CAPTURE(b);
        SearchResult result = run_and_check_exact(60, {a, b});
        REQUIRE(result.trials <= 23);
        worst = std::max(worst, result.trials);
      }
    }
    CHECK(worst >= 22);  // the bound is nearly reached: it is not loose
  }

  TEST_CASE("search bounds hold for every pair of breakers among n = 2..80") {
    for (std::size_t n = 2; n <= 80; ++n) {
      for (std::size_t a = 0; a < n; ++a) {
        for (std::size_t b = a + 1; b < n; ++b) {
          FakeService service;
          service.breaks(a).breaks(b);
          SearchResult result = run_search(make_items(n), service, {});
          CAPTURE(n);
          CAPTURE(a);
          CAPTURE(b);
          REQUIRE(result.counts.search <= dense_search_bound(n));
          if (n >= 16) REQUIRE(result.counts.search <= sparse_search_bound(n, 2));
          REQUIRE(result.kept == all_but(n, {a, b}));
        }
      }
    }
  }

  TEST_CASE("group search finds five breaking options among 80 in <= 52 trials") {
    REQUIRE(trial_bound(80, 5) == 52);
    std::mt19937 rng(20240605);
    std::vector<std::set<std::size_t>> placements = {
        {0, 1, 2, 3, 4}, {75, 76, 77, 78, 79}, {0, 16, 32, 48, 64}, {15, 31, 47, 63, 79}};
    for (int i = 0; i < 2000; ++i) {
      std::set<std::size_t> bad;
      while (bad.size() < 5) bad.insert(rng() % 80);
      placements.push_back(bad);
    }
    for (const auto& bad : placements) {
      CAPTURE(std::vector<std::size_t>(bad.begin(), bad.end()));
      SearchResult result = run_and_check_exact(80, bad);
      REQUIRE(result.trials <= 52);
    }
  }

  TEST_CASE("search bounds hold for d = 3..8 breakers among n = 10..120 (seeded)") {
    std::mt19937 rng(7);
    for (std::size_t n = 10; n <= 120; n += 10) {
      for (std::size_t d = 3; d <= 8; ++d) {
        for (int i = 0; i < 300; ++i) {
          std::set<std::size_t> bad;
          while (bad.size() < d) bad.insert(rng() % n);
          FakeService service;
          for (std::size_t o : bad) service.breaks(o);
          SearchResult result = run_search(make_items(n), service, {});
          CAPTURE(n);
          CAPTURE(std::vector<std::size_t>(bad.begin(), bad.end()));
          REQUIRE(result.counts.search <= dense_search_bound(n));
          if (8 * d <= n) REQUIRE(result.counts.search <= sparse_search_bound(n, d));
        }
      }
    }
  }

  TEST_CASE("ladder steps down: ProtectSystem=strict breaks, full is kept") {
    std::vector<SearchItem> items = make_items(10);
    items[3] = {"ProtectSystem", 3, 0.2, 4.0};  // strict, full, yes
    FakeService service;
    service.breaks(3, 0);
    SearchResult result = run_search(items, service, {});
    CandidateSet expected = all_but(10, {});
    expected[3] = {3, 1};
    CHECK(result.kept == expected);
    REQUIRE(result.rejected.size() == 1);
    CHECK(result.rejected[0].candidate == Candidate{3, 0});
    CHECK(result.rejected[0].verdict.evidence.summary == "breaks 3/0");
    // Round 0 has one breaker among 10; round 1 is one trial of "full" on top of the rest.
    CHECK(result.counts.search <= sparse_search_bound(10, 1) + 1);
    CHECK(result.trials <= 1 + sparse_search_bound(10, 1) + 1 + 1 + 2);
  }

  TEST_CASE("an option whose every rung breaks is rejected entirely, each rung with its verdict") {
    std::vector<SearchItem> items = make_items(10);
    items[6].rung_count = 3;
    FakeService service;
    service.breaks_above(6, 3);
    SearchResult result = run_search(items, service, {});
    CHECK(result.kept == all_but(10, {6}));
    CHECK(rejected_candidates(result) == std::vector<Candidate>{{6, 0}, {6, 1}, {6, 2}});
    for (const Rejection& r : result.rejected) {
      CHECK(r.verdict.kind == VerdictKind::kFail);
      CHECK(r.verdict.evidence.summary == "breaks 6/" + std::to_string(r.candidate.rung));
    }
    // Rungs 1 and 2 are each one trial alone on top of the other nine, plus a retry each.
    CHECK(result.counts.search <= sparse_search_bound(10, 1) + 2);
    CHECK(result.counts.retries == 3);
  }

  TEST_CASE("very risky options are tested alone, after one group of the low-risk ones") {
    std::vector<SearchItem> items = make_items(8);
    items[2].risk = 0.9;
    items[5].risk = 0.9;
    items[7].risk = kTestAloneRisk;
    FakeService service;
    service.breaks(5);
    SearchResult result = run_search(items, service, {});
    const CandidateSet low = {{0, 0}, {1, 0}, {3, 0}, {4, 0}, {6, 0}};
    auto plus = [](CandidateSet set, std::vector<std::size_t> options) {
      for (std::size_t o : options) set.push_back({o, 0});
      std::sort(set.begin(), set.end());
      return set;
    };
    const std::vector<CandidateSet> expected = {
        {},                    // baseline
        low,                   // the low-risk group
        plus(low, {7}),        // least risky of the risky ones first
        plus(low, {7, 2}),     // ties by option
        plus(low, {7, 2, 5}),  // fails
        plus(low, {7, 2, 5}),  // its retry
        plus(low, {7, 2}),     // two confirmations
        plus(low, {7, 2}),
    };
    CHECK(service.log() == expected);
    CHECK(result.kept == all_but(8, {5}));
    REQUIRE(result.rejected.size() == 1);
    CHECK(result.rejected[0].why == "fails with the 7 candidates accepted so far");
  }

  TEST_CASE("lower-risk candidates come first, so they win a conflict found by the search") {
    std::vector<SearchItem> items = make_items(8);
    items[0].risk = 0.3;
    items[6].risk = 0.05;
    FakeService service;
    service.conflict(0, 6);
    SearchResult result = run_search(items, service, {});
    CHECK(result.kept == all_but(8, {0}));
    CHECK(rejected_candidates(result) == std::vector<Candidate>{{0, 0}});
  }

  TEST_CASE("a conflict between two options in one group is caught by the search") {
    FakeService service;
    service.conflict(4, 9);
    SearchResult result = run_search(make_items(16), service, {});
    // The search accepts option 4 with the half before 9, then finds 9 on top of it.
    CHECK(result.kept == all_but(16, {9}));
    REQUIRE(result.rejected.size() == 1);
    CHECK(result.rejected[0].candidate == Candidate{9, 0});
    CHECK(result.rejected[0].verdict.evidence.summary == "conflict 4+9");
    CHECK(result.confirmed);
    CHECK(result.counts.conflicts == 0);
  }

  TEST_CASE("a conflict missed by the search is caught in confirmation; the lighter one goes") {
    std::vector<SearchItem> items = make_items(12);
    items[2].weight = 5.0;
    items[7].weight = 0.5;
    FakeService service;
    service.conflict(2, 7, /*misses=*/1);  // the one group trial holding both passes
    SearchResult result = run_search(items, service, {});
    CHECK(result.confirmed);
    CHECK(result.kept == all_but(12, {7}));
    REQUIRE(result.rejected.size() == 1);
    CHECK(result.rejected[0].candidate == Candidate{7, 0});
    CHECK(result.rejected[0].why == "conflicts with opt2 in the final set");
    CHECK(result.rejected[0].verdict.evidence.summary == "conflict 2+7");
    CHECK(result.counts.search == 1);
    CHECK(result.counts.conflicts > 0);
    // Two confirmations after the drop, plus the failing first one.
    CHECK(result.counts.confirmations == 3);
  }

  TEST_CASE("a flaky probe (every 3rd trial fails) with retries=2 gives the stable result") {
    SearchOptions options;
    options.retries = 2;
    std::vector<SearchItem> items = make_items(40);
    items[5].rung_count = 3;
    std::vector<std::set<std::size_t>> cases = {{}, {5}, {1, 5, 30}, {0, 5, 9, 10, 39}};
    for (const auto& bad : cases) {
      CAPTURE(std::vector<std::size_t>(bad.begin(), bad.end()));
      FakeService stable;
      FakeService flaky;
      flaky.flaky_every(3);
      for (std::size_t o : bad) {
        stable.breaks(o);
        flaky.breaks(o);
      }
      SearchResult a = run_search(items, stable, options);
      SearchResult b = run_search(items, flaky, options);
      CHECK(b.confirmed);
      CHECK(b.kept == a.kept);
      CHECK(rejected_candidates(b) == rejected_candidates(a));
    }
  }

  TEST_CASE("a failing baseline stops the search after exactly one trial") {
    FakeService service;
    service.broken();
    SearchResult result = run_search(make_items(30), service, {});
    CHECK_FALSE(result.baseline_passed);
    CHECK(result.baseline.kind == VerdictKind::kFail);
    CHECK(result.baseline.evidence.summary == "broken without hardening");
    CHECK(result.trials == 1);
    CHECK(service.calls() == 1);
    CHECK(result.kept.empty());
    CHECK(result.rejected.empty());
    CHECK_FALSE(result.confirmed);
  }

  TEST_CASE("a candidate systemd rejects is rejected without retries; a breaking one is retried") {
    SearchOptions options;
    options.retries = 3;
    FakeService service;
    service.unsupported(4).breaks(11);
    SearchResult result = run_search(make_items(20), service, options);
    CHECK(result.kept == all_but(20, {4, 11}));
    REQUIRE(result.rejected.size() == 2);
    CHECK(result.rejected[0].verdict.kind == VerdictKind::kUnsupported);
    CHECK(result.rejected[0].why == "unsupported by this systemd");
    CHECK(result.rejected[1].verdict.kind == VerdictKind::kFail);
    CHECK(result.counts.retries == 3);  // all three for option 11, none for option 4
  }

  TEST_CASE("search never exceeds one-at-a-time elimination by more than its limit (seeded)") {
    std::mt19937 rng(12345);
    std::uniform_real_distribution<double> unit(0.0, 1.0);
    for (std::size_t n = 1; n <= 80; ++n) {
      for (int sample = 0; sample < 40; ++sample) {
        const double density = std::pow(unit(rng), 2.0);  // mostly sparse, sometimes dense
        std::vector<SearchItem> items = make_items(n);
        std::vector<std::size_t> rung_counts(n);
        FakeService service;
        for (std::size_t o = 0; o < n; ++o) {
          rung_counts[o] = items[o].rung_count = 1 + rng() % 3;
          items[o].risk = unit(rng) < 0.1 ? 0.7 : 0.1;  // a few are tested alone
          for (std::size_t r = 0; r < rung_counts[o]; ++r) {
            if (unit(rng) < density) {
              if (rng() % 8 == 0) {
                service.unsupported(o, r);
              } else {
                service.breaks(o, r);
              }
            }
          }
        }
        SearchResult result = run_search(items, service, {});
        CAPTURE(n);
        CAPTURE(sample);
        const std::size_t one_at_a_time = service.one_at_a_time_trials(rung_counts);
        REQUIRE(result.trials == service.calls());
        REQUIRE(result.counts.baseline == 1);
        REQUIRE(result.counts.search <= one_at_a_time - 1 + search_overspend_limit(n));
        REQUIRE(result.trials <=
                one_at_a_time + search_overspend_limit(n) + 2 + result.counts.retries);
        REQUIRE(result.counts.confirmations == 2);
        REQUIRE(result.counts.conflicts == 0);
        // Each option is kept at its strongest working rung, or all its rungs are rejected.
        std::size_t retried = 0;
        for (const Rejection& r : result.rejected) {
          REQUIRE(service.bad(r.candidate));
          if (r.verdict.kind != VerdictKind::kUnsupported) ++retried;
        }
        REQUIRE(result.counts.retries == retried);
        for (Candidate c : result.kept) {
          REQUIRE_FALSE(service.bad(c));
          for (std::size_t r = 0; r < c.rung; ++r) REQUIRE(service.bad({c.option, r}));
        }
        // Memo: sets run more than once are only retries and confirmations.
        std::set<CandidateSet> distinct(service.log().begin(), service.log().end());
        REQUIRE(service.calls() - distinct.size() <=
                result.counts.retries + result.counts.confirmations);
      }
    }
  }

  TEST_CASE("same inputs give the same sequence of oracle calls and observer reports") {
    auto run_once = [](std::vector<CandidateSet>& seen) {
      std::vector<SearchItem> items = make_items(50, 2);
      items[10].risk = 0.9;
      items[20].weight = 0.1;
      FakeService service;
      service.breaks(3).breaks(10).breaks(10, 1).breaks(33).unsupported(41);
      service.conflict(20, 25, 1).flaky_every(5);
      SearchOptions options;
      options.retries = 2;
      SearchResult result = run_search(
          items, service, options, [&](std::size_t trial, const CandidateSet& set, const Verdict&) {
            CHECK(trial == seen.size() + 1);
            seen.push_back(set);
          });
      CHECK(seen == service.log());
      return result;
    };
    std::vector<CandidateSet> first;
    std::vector<CandidateSet> second;
    SearchResult a = run_once(first);
    SearchResult b = run_once(second);
    CHECK(first == second);
    CHECK(a.trials == first.size());
    CHECK(a.kept == b.kept);
    CHECK(rejected_candidates(a) == rejected_candidates(b));
  }
}

}  // namespace
}  // namespace hb
