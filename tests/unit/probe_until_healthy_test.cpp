// The shared "probe until healthy" loop (trials and --apply) with scripted probes and fake time.
#include "harden_bisect/probe_until_healthy.hpp"

#include <doctest/doctest.h>

#include "fake_clock.hpp"
#include "fake_probe_runner.hpp"

namespace {

using hb::ProbeOutcome;
using hb::ProbeSpec;
using hb::ProbeStatus;
using hb::testing::FakeClock;
using hb::testing::FakeProbe;
using hb::testing::FakeProbeRunner;
using std::chrono::milliseconds;

ProbeSpec probe(std::string path) {
  ProbeSpec spec;
  spec.argv = {std::move(path)};
  spec.timeout = milliseconds(1);  // replaced by the window's probe timeout
  return spec;
}

hb::ProbeWindow window_of(FakeClock& clock, milliseconds settle) {
  return {clock.now() + settle, milliseconds(1'000), milliseconds(200)};
}

TEST_SUITE("trial") {
  TEST_CASE("every probe must pass in one round; a failing one repeats the round from the first") {
    FakeClock clock;
    FakeProbeRunner runner(clock);
    runner.then(FakeProbe::passes()).then(FakeProbe::exits(3, "b down\n"));
    auto got = hb::probe_until_healthy(runner, clock, {probe("/a"), probe("/b")},
                                       window_of(clock, milliseconds(5'000)));
    CHECK(got.outcome == ProbeOutcome::kHealthy);
    CHECK(got.rounds == 2);
    REQUIRE(runner.runs() == 4);
    std::vector<std::string> order;
    for (const auto& spec : runner.specs()) order.push_back(spec.argv[0]);
    CHECK(order == std::vector<std::string>{"/a", "/b", "/a", "/b"});
    CHECK(runner.specs()[0].timeout == milliseconds(1'000));
    CHECK(clock.sleeps() == std::vector<milliseconds>{milliseconds(200)});
  }

  TEST_CASE("the window closes on the last failing run, never sleeping past the deadline") {
    FakeClock clock;
    FakeProbeRunner runner(clock);
    runner.otherwise(FakeProbe::exits(2, "nope", milliseconds(100)));
    auto window = window_of(clock, milliseconds(1'000));
    auto got = hb::probe_until_healthy(runner, clock, {probe("/a")}, window);
    CHECK(got.outcome == ProbeOutcome::kUnhealthy);
    CHECK(got.last.exit_code == 2);
    CHECK(got.last.output == "nope");
    CHECK(got.rounds == 4);  // starts at 0, 300, 600, 900 ms
    CHECK(clock.now() <= window.deadline);
  }

  TEST_CASE("a zero window still probes once") {
    FakeClock clock;
    FakeProbeRunner runner(clock);
    runner.otherwise(FakeProbe::hang());
    auto got =
        hb::probe_until_healthy(runner, clock, {probe("/a")}, window_of(clock, milliseconds(0)));
    CHECK(got.outcome == ProbeOutcome::kUnhealthy);
    CHECK(got.last.status == ProbeStatus::kTimedOut);
    CHECK(runner.runs() == 1);
    CHECK(clock.elapsed() == milliseconds(1'000));  // the hang lasted the probe timeout
  }

  TEST_CASE("each round adds its environment to the probe's own") {
    FakeClock clock;
    FakeProbeRunner runner(clock);
    runner.then(FakeProbe::exits(1));
    auto spec = probe("/a");
    spec.env = {{"OWN", "1"}};
    hb::ProbeHooks hooks;
    hooks.env = [](int attempt) { return hb::ProbeEnv{{"ROUND", std::to_string(attempt)}}; };
    auto got =
        hb::probe_until_healthy(runner, clock, {spec}, window_of(clock, milliseconds(900)), hooks);
    CHECK(got.outcome == ProbeOutcome::kHealthy);
    REQUIRE(runner.runs() == 2);
    CHECK(runner.env(0, "OWN") == "1");
    CHECK(runner.env(0, "ROUND") == "1");
    CHECK(runner.env(1, "ROUND") == "2");
    CHECK(runner.specs()[1].env.size() == 2);  // rounds do not pile up
  }

  TEST_CASE("a target that dies mid-probe ends the loop at the next cancel check") {
    FakeClock clock;
    FakeProbeRunner runner(clock);
    runner.otherwise(FakeProbe::passes(milliseconds(800)));
    const auto dies_at = clock.now() + milliseconds(250);
    hb::ProbeHooks hooks;
    hooks.target_died = [&]() -> hb::Result<bool> { return clock.now() >= dies_at; };
    auto got = hb::probe_until_healthy(runner, clock, {probe("/a")},
                                       window_of(clock, milliseconds(5'000)), hooks);
    CHECK(got.outcome == ProbeOutcome::kTargetDied);
    CHECK(got.last.status == ProbeStatus::kCancelled);
    CHECK(clock.elapsed() == milliseconds(300));  // checks every 100 ms (cancel_interval)
  }

  TEST_CASE("a probe that passes against a dying target is not a pass") {
    FakeClock clock;
    FakeProbeRunner runner(clock);
    runner.otherwise(FakeProbe::passes(milliseconds(50)));
    int asked = 0;
    hb::ProbeHooks hooks;
    hooks.target_died = [&]() -> hb::Result<bool> { return ++asked >= 1; };
    auto spec = probe("/a");
    spec.cancel_interval = milliseconds(100);  // the 50 ms run is asked once, at its end
    auto got = hb::probe_until_healthy(runner, clock, {spec, probe("/never")},
                                       window_of(clock, milliseconds(5'000)), hooks);
    CHECK(got.outcome == ProbeOutcome::kTargetDied);
    CHECK(runner.runs() == 1);
  }

  TEST_CASE("a failed round is retried while the target lives; an error asking ends the loop") {
    FakeClock clock;
    FakeProbeRunner runner(clock);
    runner.otherwise(FakeProbe::exits(1, "", milliseconds(0)));  // never asks cancel
    int asked = 0;
    hb::ProbeHooks hooks;
    hooks.target_died = [&]() -> hb::Result<bool> {
      if (++asked < 3) return false;
      return hb::Error{"bus gone"};
    };
    auto got = hb::probe_until_healthy(runner, clock, {probe("/a")},
                                       window_of(clock, milliseconds(5'000)), hooks);
    CHECK(got.outcome == ProbeOutcome::kError);
    REQUIRE(got.error);
    CHECK(got.error->message == "bus gone");
    CHECK(got.rounds == 3);
  }

  TEST_CASE("an error while a probe runs counts as alive") {
    FakeClock clock;
    FakeProbeRunner runner(clock);
    runner.then(FakeProbe::passes(milliseconds(300)));
    hb::ProbeHooks hooks;
    hooks.target_died = []() -> hb::Result<bool> { return hb::Error{"flaky bus"}; };
    auto got = hb::probe_until_healthy(runner, clock, {probe("/a")},
                                       window_of(clock, milliseconds(5'000)), hooks);
    CHECK(got.outcome == ProbeOutcome::kHealthy);
  }

  TEST_CASE("cancellation stops before, during and after a round") {
    FakeClock clock;
    FakeProbeRunner runner(clock);
    runner.otherwise(FakeProbe::passes(milliseconds(500)));
    hb::ProbeHooks hooks;
    SUBCASE("before") {
      hooks.cancelled = [] { return true; };
      auto got = hb::probe_until_healthy(runner, clock, {probe("/a")},
                                         window_of(clock, milliseconds(5'000)), hooks);
      CHECK(got.outcome == ProbeOutcome::kCancelled);
      CHECK(runner.runs() == 0);
    }
    SUBCASE("during") {
      int asked = 0;
      hooks.cancelled = [&] { return ++asked > 2; };  // before the round, then at 100 ms
      auto got = hb::probe_until_healthy(runner, clock, {probe("/a")},
                                         window_of(clock, milliseconds(5'000)), hooks);
      CHECK(got.outcome == ProbeOutcome::kCancelled);
      CHECK(got.last.status == ProbeStatus::kCancelled);
      CHECK(clock.elapsed() == milliseconds(200));
    }
  }

  TEST_CASE("the probe's own cancel still works, and a spawn failure ends the loop at once") {
    FakeClock clock;
    FakeProbeRunner runner(clock);
    runner.otherwise(FakeProbe::passes(milliseconds(500)));
    auto spec = probe("/a");
    spec.cancel = [] { return true; };
    auto got = hb::probe_until_healthy(runner, clock, {spec}, window_of(clock, milliseconds(0)));
    CHECK(got.outcome == ProbeOutcome::kUnhealthy);
    CHECK(got.last.status == ProbeStatus::kCancelled);

    runner.then(FakeProbe::spawn_fails("probe /b: not executable"));
    got = hb::probe_until_healthy(runner, clock, {probe("/b")},
                                  window_of(clock, milliseconds(5'000)));
    CHECK(got.outcome == ProbeOutcome::kSpawnFailed);
    CHECK(got.last.spawn_error == "probe /b: not executable");
    CHECK(got.rounds == 1);
  }
}

}  // namespace
