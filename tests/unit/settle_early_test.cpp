// Ending --settle early: a probe failing the same way while the copy has been up and stable for
// longer than any healthy copy needed is believed at once, saving fake time; a slow start, a
// changing failure, a restarted copy or a re-run of the same set still get the whole window.
#include <doctest/doctest.h>

#include <set>
#include <string>

#include "fake_clock.hpp"
#include "fake_probe_runner.hpp"
#include "fake_systemd_client.hpp"
#include "harden_bisect/trial_oracle.hpp"

namespace {

using hb::Verdict;
using hb::VerdictKind;
using hb::testing::FakeClock;
using hb::testing::FakeProbe;
using hb::testing::FakeProbeRunner;
using hb::testing::FakeSystemdClient;
using hb::testing::UnitScript;
using std::chrono::milliseconds;

// "web.service" with two options; the copy of trial 1 (the baseline) answers after `ready`,
// every copy with option 1 fails its probe (exit 7) for as long as `breaks_for` (forever: 0).
struct Bench {
  FakeClock clock;
  FakeSystemdClient systemd{clock};
  FakeProbeRunner probes{clock};
  hb::UnitSnapshot unit;
  hb::TrialTiming timing;  // settle 5 s, probe 5 s, pause 200 ms, floor 1 s, factor 3
  hb::ItemRungs rungs = {{{{"NoNewPrivileges", "yes"}}}, {{{"PrivateTmp", "yes"}}}};
  FakeClock::TimePoint copy_started{};

  Bench() {
    unit.info = {"web.service", "loaded", "", "inactive", "dead", "/x/web.service", {}, {}};
    unit.type = "simple";
    unit.copy = {{"NoNewPrivileges", false}, {"PrivateTmp", false}};
    systemd.add_unit(unit.info);
  }

  // Probes of a copy with PrivateTmp fail with `code`; others pass `ready` after the copy
  // started.
  void script(milliseconds ready, int code = 7) {
    probes.respond([this, ready, code](const hb::ProbeSpec& spec) {
      const auto trial = FakeProbeRunner::env_of(spec, "HB_TRIAL").value_or("");
      const bool attempt_one = FakeProbeRunner::env_of(spec, "HB_ATTEMPT") == "1";
      if (attempt_one) copy_started = clock.now();
      if (failing_trials.contains(trial)) return FakeProbe::exits(code, "refused\n");
      return clock.now() - copy_started >= ready ? FakeProbe::passes()
                                                 : FakeProbe::exits(7, "refused\n");
    });
  }
  std::set<std::string> failing_trials;

  hb::TrialOracle oracle() {
    hb::ProbeSpec probe;
    probe.argv = {"/usr/bin/probe"};
    return hb::TrialOracle(systemd, probes, &systemd.journal, unit, rungs, {probe}, timing,
                           "harden-bisect-web-", clock);
  }

  // Fake time one evaluate() takes.
  milliseconds timed(hb::TrialOracle& oracle, const hb::CandidateSet& set, Verdict* out) {
    const auto before = clock.now();
    *out = oracle.evaluate(set);
    return std::chrono::duration_cast<milliseconds>(clock.now() - before);
  }
};

}  // namespace

TEST_SUITE("settle-early") {
  TEST_CASE("after a pass, a repeated failure with the copy up ends the window at the floor") {
    Bench b;
    b.failing_trials = {"2"};
    b.script(milliseconds(200));
    auto oracle = b.oracle();
    Verdict v;
    b.timed(oracle, {}, &v);
    REQUIRE(v.kind == VerdictKind::kPass);
    const auto spent = b.timed(oracle, {{1, 0}}, &v);
    CHECK(v.kind == VerdictKind::kFail);
    CHECK(v.evidence.probe_exit_status == 7);
    // Up for the floor (1 s > 3 x ~205 ms), then the next failing round ends it: ~1.2 s, not 5 s.
    CHECK(spent >= b.timing.stable_floor);
    CHECK(spent < b.timing.stable_floor + milliseconds(500));
    CHECK(b.systemd.running_copies().empty());
  }

  TEST_CASE("the allowance grows with the slowest healthy copy (slow starters keep time)") {
    Bench b;
    b.failing_trials = {"2"};
    b.script(milliseconds(1'000));  // the baseline needs ~1 s to answer
    auto oracle = b.oracle();
    Verdict v;
    b.timed(oracle, {}, &v);
    REQUIRE(v.kind == VerdictKind::kPass);
    const auto spent = b.timed(oracle, {{1, 0}}, &v);
    CHECK(v.kind == VerdictKind::kFail);
    CHECK(spent >= milliseconds(3'000));  // 3 x the ~1 s the healthy copy needed
    CHECK(spent < b.timing.settle);
  }

  TEST_CASE("no early end before any trial passed, when disabled, or on a re-run of the set") {
    Bench b;
    b.failing_trials = {"1", "3"};
    b.script(milliseconds(0));
    auto oracle = b.oracle();
    Verdict v;
    auto spent = b.timed(oracle, {{1, 0}}, &v);  // nothing passed yet: whole window
    CHECK(v.kind == VerdictKind::kFail);
    CHECK(spent > b.timing.settle - b.timing.retry_pause);
    b.timed(oracle, {}, &v);
    REQUIRE(v.kind == VerdictKind::kPass);
    // Trial 3 is the same set as trial 1, whose failure took the whole window: early allowed.
    spent = b.timed(oracle, {{1, 0}}, &v);
    CHECK(spent < milliseconds(2'000));
    b.failing_trials.insert("4");
    spent = b.timed(oracle, {{1, 0}}, &v);  // re-run of a set that ended early: whole window
    CHECK(v.kind == VerdictKind::kFail);
    CHECK(spent > b.timing.settle - b.timing.retry_pause);

    Bench off;
    off.timing.settle_early = false;
    off.failing_trials = {"2"};
    off.script(milliseconds(0));
    auto plain = off.oracle();
    off.timed(plain, {}, &v);
    spent = off.timed(plain, {{1, 0}}, &v);
    CHECK(spent > off.timing.settle - off.timing.retry_pause);
  }

  TEST_CASE("a failure that changes between rounds is not certain") {
    Bench b;
    b.script(milliseconds(0));
    int round = 0;
    auto oracle = b.oracle();
    Verdict v;
    b.timed(oracle, {}, &v);
    b.probes.respond([&](const hb::ProbeSpec&) { return FakeProbe::exits(++round % 2 ? 7 : 8); });
    const auto spent = b.timed(oracle, {{1, 0}}, &v);
    CHECK(v.kind == VerdictKind::kFail);
    CHECK(spent > b.timing.settle - b.timing.retry_pause);
  }

  TEST_CASE("a copy whose main process changed (restarted) is not stable") {
    Bench b;
    b.failing_trials = {"2"};
    b.script(milliseconds(0));
    auto oracle = b.oracle();
    Verdict v;
    b.timed(oracle, {}, &v);
    b.systemd.script_copies([](const std::string&, const hb::PropertyList&) {
      UnitScript s;
      s.timeline = {{milliseconds(0), hb::testing::fake_running(100)},
                    {milliseconds(300), hb::testing::fake_running(101)}};
      return s;
    });
    const auto spent = b.timed(oracle, {{1, 0}}, &v);
    CHECK(v.kind == VerdictKind::kFail);
    CHECK(spent > b.timing.settle - b.timing.retry_pause);
  }
}
