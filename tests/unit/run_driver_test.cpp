// run_hardening against the fakes: what a whole run leaves behind on every exit path (copies
// reaped, a stopped original started again), cancellation, resume from the journal, two runs in
// one process, and what the observer is told.
#include "harden_bisect/run_driver.hpp"

#include <doctest/doctest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <stdexcept>

#include "harden_bisect/run_journal.hpp"
#include "run_bench.hpp"
#include "temp_dir.hpp"

namespace {

using hb::ErrorKind;
using hb::RunPhase;
using hb::testing::Bench;
using hb::testing::FakeProbe;
using hb::testing::option;
namespace fs = std::filesystem;

std::vector<std::string> ids(const std::vector<hb::KeptOption>& kept) {
  std::vector<std::string> out;
  for (const auto& k : kept) out.push_back(k.id);
  return out;
}

TEST_SUITE("run") {
  TEST_CASE("a run keeps what passes, rejects the breaker, and restores the stopped original") {
    Bench b;
    auto report = b.run();
    REQUIRE(report.ok());
    CHECK(ids(report->kept) == std::vector<std::string>{"NoNewPrivileges", "ProtectSystem",
                                                        "LockPersonality", "RestrictRealtime"});
    REQUIRE(report->rejected.size() == 1);
    CHECK(report->rejected[0].id == "PrivateTmp");
    CHECK(report->confirmed);
    b.check_cleaned_up();
    CHECK(b.systemd.count(hb::testing::SystemdMethod::kStop, "web.service") == 1);
    CHECK(b.systemd.count(hb::testing::SystemdMethod::kStart, "web.service") == 1);
    CHECK_FALSE(fs::exists(b.dir.str() + "/web.service.journal.json"));  // finished: removed
  }

  TEST_CASE("the observer hears the phases in order and what each trial tests") {
    Bench b;
    auto report = b.run();
    REQUIRE(report.ok());
    CHECK(b.observer.phases == std::vector<RunPhase>{RunPhase::kPreparing, RunPhase::kFidelity,
                                                     RunPhase::kBaseline, RunPhase::kSearch,
                                                     RunPhase::kScoring, RunPhase::kCleanup});
    REQUIRE(b.observer.started.size() == report->trials.size());
    REQUIRE(b.observer.finished.size() == report->trials.size());
    // Trial 1 is the baseline: nothing under test, nothing kept.
    CHECK(b.observer.started[0].number == 1);
    CHECK(b.observer.started[0].testing.empty());
    CHECK(b.observer.started[0].on_top_of_kept == 0);
    // Trial 2 tests the whole group at once (it fails: PrivateTmp is in it).
    CHECK(b.observer.started[1].testing.size() == 5);
    // Some later trial tests a part on top of options that passed before, and what it tests
    // is a part of the set, not its first option.
    bool on_top = false;
    for (std::size_t i = 0; i < b.observer.started.size(); ++i) {
      const auto& s = b.observer.started[i];
      CHECK(s.number == i + 1);
      CHECK(s.estimated_trials_left >= 1);
      CHECK(s.testing.size() + s.on_top_of_kept == report->trials[i].candidates.size());
      if (s.on_top_of_kept > 0 && !s.testing.empty()) {
        on_top = true;
        CHECK(s.testing.front() != report->trials[i].candidates.front());
      }
    }
    CHECK(on_top);
    for (std::size_t i = 0; i < report->trials.size(); ++i) {
      CHECK(b.observer.finished[i].number == report->trials[i].number);
    }
  }

  TEST_CASE("an exception from a port mid-search ends the run as an Error after cleanup") {
    Bench b;
    b.before_probe = [](std::size_t run) {
      if (run == 3) throw std::runtime_error("probe runner exploded");
    };
    auto report = b.run();
    REQUIRE_FALSE(report.ok());
    CHECK(report.error().kind == ErrorKind::kInternal);
    CHECK(report.error().message.find("probe runner exploded") != std::string::npos);
    b.check_cleaned_up();
    CHECK(b.observer.phases.back() == RunPhase::kCleanup);
  }

  TEST_CASE("a cancelled run cleans up, returns kInterrupted and records no cancelled trial") {
    Bench b;
    b.before_probe = [&](std::size_t run) {
      if (run == 4) b.cancel.cancel();  // while trial 4 probes
    };
    auto report = b.run();
    REQUIRE_FALSE(report.ok());
    CHECK(report.error().kind == ErrorKind::kInterrupted);
    b.check_cleaned_up();
    // The baseline probe, then trials 2-3 finished; the trial that was cancelled is not recorded.
    CHECK(b.journal_trials() == 3);
    CHECK(b.observer.finished.size() == 3);
  }

  TEST_CASE("a token tripped before the run starts no trial") {
    Bench b;
    b.cancel.cancel();
    auto report = b.run();
    REQUIRE_FALSE(report.ok());
    CHECK(report.error().kind == ErrorKind::kInterrupted);
    CHECK(b.probes.runs() == 0);
    b.check_cleaned_up();
  }

  TEST_CASE("--resume replays the journal of a cancelled run and repeats no trial") {
    Bench full;
    auto expected = full.run();
    REQUIRE(expected.ok());
    const auto full_copies = full.systemd.started_copies().size();

    Bench b;
    b.before_probe = [&](std::size_t run) {
      if (run == 5) b.cancel.cancel();
    };
    REQUIRE_FALSE(b.run().ok());
    const auto recorded = b.journal_trials();
    REQUIRE(recorded >= 2);
    const auto copies_before = b.systemd.started_copies().size();

    b.before_probe = {};
    b.config.resume = true;
    hb::CancellationToken fresh;
    auto resumed = b.run(&fresh);
    REQUIRE(resumed.ok());
    CHECK(ids(resumed->kept) == ids(expected->kept));
    CHECK(resumed->trials.size() == expected->trials.size());
    // Every trial of the full run, minus the recorded ones, ran once more (fidelity and scoring
    // copies included in both).
    CHECK(b.systemd.started_copies().size() - copies_before == full_copies - recorded);
    b.check_cleaned_up();
  }

  TEST_CASE("two runs in one process give the same result") {
    Bench b;
    auto first = b.run();
    REQUIRE(first.ok());
    const auto copies = b.systemd.started_copies().size();
    auto second = b.run();
    REQUIRE(second.ok());
    CHECK(ids(second->kept) == ids(first->kept));
    CHECK(second->trials.size() == first->trials.size());
    CHECK(b.systemd.started_copies().size() == 2 * copies);
    b.check_cleaned_up();
  }

  TEST_CASE("leftover copies of a crashed run are stopped before the first trial") {
    Bench b;
    b.systemd.add_leftover("harden-bisect-web-7.service");
    auto report = b.run();
    REQUIRE(report.ok());
    const auto& stopped = b.systemd.stopped();
    CHECK(std::find(stopped.begin(), stopped.end(), "harden-bisect-web-7.service") !=
          stopped.end());
    b.check_cleaned_up();
  }

  TEST_CASE("a leftover copy that cannot be stopped ends the run before the original is touched") {
    Bench b;
    b.systemd.add_leftover("harden-bisect-web-7.service");
    b.systemd.fail(hb::testing::SystemdMethod::kStop, hb::testing::fake_bus_error("stuck"));
    auto report = b.run();
    REQUIRE_FALSE(report.ok());
    CHECK(report.error().message.find("stuck") != std::string::npos);
    CHECK(b.systemd.count(hb::testing::SystemdMethod::kStop, "web.service") == 0);
    CHECK(b.systemd.started_copies().empty());
    CHECK(b.systemd.is_active("web.service"));
  }

  TEST_CASE("an original that cannot be stopped ends the run; it is started again") {
    Bench b;
    b.systemd.fail(hb::testing::SystemdMethod::kStop, hb::testing::fake_bus_error("refused"));
    auto report = b.run();
    REQUIRE_FALSE(report.ok());
    CHECK(report.error().message.find("refused") != std::string::npos);
    CHECK(b.systemd.started_copies().empty());
    CHECK(b.systemd.count(hb::testing::SystemdMethod::kStart, "web.service") == 1);
    b.check_cleaned_up();
  }

  TEST_CASE("a running original without --stop-original is refused and left running") {
    Bench b;
    b.config.stop_original = false;
    auto report = b.run();
    REQUIRE_FALSE(report.ok());
    CHECK(report.error().kind == ErrorKind::kUnitUnusable);
    CHECK(b.systemd.count(hb::testing::SystemdMethod::kStop, "web.service") == 0);
    CHECK(b.systemd.started_copies().empty());
  }
  TEST_CASE("--only, --skip, unknown and already-satisfied options are planned out, each said") {
    Bench b;
    b.config.skip = {"Restrict"};
    b.systemd.known_properties({"NoNewPrivileges", "PrivateTmp", "ProtectSystem"});
    b.systemd.unit_properties("web.service", {{"NoNewPrivileges", true}});
    auto report = b.run();
    REQUIRE(report.ok());
    auto why = [&](const std::string& id) -> std::string {
      for (const auto& s : report->skipped)
        if (s.id == id) return s.reason;
      return "(not skipped)";
    };
    CHECK(why("RestrictRealtime") == "excluded with --skip");
    CHECK(why("LockPersonality") == "LockPersonality= is unknown to this systemd");
    CHECK(why("NoNewPrivileges") == "the unit already has it (or stronger)");
    CHECK(ids(report->kept) == std::vector<std::string>{"ProtectSystem"});

    Bench only;
    only.config.only = {"Protect"};
    auto narrowed = only.run();
    REQUIRE(narrowed.ok());
    CHECK(ids(narrowed->kept) == std::vector<std::string>{"ProtectSystem"});
    CHECK(narrowed->skipped.empty());  // --only leaves the others out without a word
  }

  TEST_CASE("a rung that cannot be merged with the unit's own setting is planned out, said") {
    Bench b;
    b.config.only = {"ProtectSystem", "NoNewPrivileges"};
    // A value of the wrong type for the setting: no rung can be proven stronger than it.
    b.systemd.unit_properties("web.service", {{"ProtectSystem", true}});
    auto report = b.run();
    REQUIRE(report.ok());
    REQUIRE(report->skipped.size() == 1);
    CHECK(report->skipped[0].id == "ProtectSystem");
    CHECK(report->skipped[0].reason == "would weaken the unit's own setting");
    CHECK(ids(report->kept) == std::vector<std::string>{"NoNewPrivileges"});
  }

  TEST_CASE("a service that fails its probe unhardened ends the run as kBaselineFailed") {
    Bench b;
    b.probes.respond(
        [](const hb::ProbeSpec&) { return FakeProbe::exits(3, "connection refused"); });
    auto report = b.run();
    REQUIRE_FALSE(report.ok());
    CHECK(report.error().kind == ErrorKind::kBaselineFailed);
    CHECK(report.error().message.find("fails its probe even unhardened") != std::string::npos);
    b.check_cleaned_up();
  }

  TEST_CASE("a copy that cannot reproduce the original is refused, naming the settings") {
    Bench b;
    b.systemd.copy_dump({{"Nice", "VARIANT \"i\" { INT32 5; };"}});
    auto report = b.run();
    REQUIRE_FALSE(report.ok());
    CHECK(report.error().kind == ErrorKind::kUnitUnusable);
    CHECK(report.error().message.find("cannot reproduce these settings") != std::string::npos);
    CHECK(report.error().message.find("Nice") != std::string::npos);
    CHECK(b.probes.runs() == 0);
    b.check_cleaned_up();
  }

  TEST_CASE("--check-maximal gives every rejected rung its own verdict") {
    Bench b;
    b.config.check_maximal = true;
    auto report = b.run();
    REQUIRE(report.ok());
    REQUIRE(report->rejected.size() == 1);
    REQUIRE(report->rejected[0].maximality.has_value());
    CHECK_FALSE(report->rejected[0].maximality->passed());
    CHECK(std::find(b.observer.phases.begin(), b.observer.phases.end(), RunPhase::kMaximality) !=
          b.observer.phases.end());
  }

  TEST_CASE("an original that cannot be restarted stays in the journal; the next run restarts it") {
    Bench b;
    hb::testing::UnitScript refused;
    refused.job_result = "failed";
    refused.timeline = {{{}, hb::testing::fake_failed()}};
    b.systemd.script_start("web.service", refused);
    auto report = b.run();
    REQUIRE(report.ok());
    CHECK_FALSE(b.systemd.is_active("web.service"));
    auto saved = hb::StateStore(b.dir.str()).load("web.service");
    REQUIRE(saved.ok());
    REQUIRE(saved->has_value());
    CHECK((**saved).original_stopped);

    // The next run finds the interrupted one and starts the original first.
    auto again = b.run();
    REQUIRE(again.ok());
    b.check_cleaned_up();
  }

  TEST_CASE("--resume: nothing to resume starts over; another run's journal is refused") {
    Bench b;
    b.config.resume = true;
    REQUIRE(b.run().ok());  // nothing recorded: a plain run

    Bench cut;
    cut.before_probe = [&](std::size_t run) {
      if (run == 3) cut.cancel.cancel();
    };
    REQUIRE_FALSE(cut.run().ok());
    cut.before_probe = {};
    cut.config.resume = true;
    cut.config.probes = {{"/usr/bin/other-probe"}};  // not the run that was interrupted
    hb::CancellationToken fresh;
    auto refused = cut.run(&fresh);
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.error().kind == ErrorKind::kUsage);
    CHECK(refused.error().message.find("cannot resume") != std::string::npos);
  }

  TEST_CASE("bus failures before the first trial end the run with that error") {
    using hb::testing::SystemdMethod;
    for (auto method : {SystemdMethod::kLoadUnit, SystemdMethod::kServicePropertyNames,
                        SystemdMethod::kListUnits}) {
      Bench b;
      b.systemd.fail(method, hb::testing::fake_bus_error("bus gone"));
      auto report = b.run();
      REQUIRE_FALSE(report.ok());
      CHECK(report.error().message == "bus gone");
      CHECK(b.systemd.started_copies().empty());
    }
    Bench missing;
    missing.config.unit = "gone.service";
    CHECK(missing.run().error().kind == ErrorKind::kUnitUnusable);
    Bench not_a_service;
    not_a_service.config.unit = "web.socket";
    CHECK(not_a_service.run().error().kind == ErrorKind::kUnitUnusable);
  }

  TEST_CASE("a second run of the same unit at the same time is refused by the lock") {
    Bench b;
    hb::StateStore store(b.dir.str());
    auto held = store.lock("web.service");
    REQUIRE(held.ok());
    auto report = b.run();
    REQUIRE_FALSE(report.ok());
    CHECK(b.systemd.started_copies().empty());
  }

  TEST_CASE("each phase has a stable name") {
    CHECK(std::string(hb::to_string(RunPhase::kPreparing)) == "preparing");
    CHECK(std::string(hb::to_string(RunPhase::kFidelity)) == "fidelity");
    CHECK(std::string(hb::to_string(RunPhase::kBaseline)) == "baseline");
    CHECK(std::string(hb::to_string(RunPhase::kSearch)) == "search");
    CHECK(std::string(hb::to_string(RunPhase::kMaximality)) == "maximality");
    CHECK(std::string(hb::to_string(RunPhase::kScoring)) == "scoring");
    CHECK(std::string(hb::to_string(RunPhase::kCleanup)) == "cleanup");
  }
}

}  // namespace
