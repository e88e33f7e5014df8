// TrialOracle against a scripted systemd, scripted probes and a fake clock: every verdict, its
// evidence, the HB_* environment, and that no copy is left running, in milliseconds.
#include "harden_bisect/trial_oracle.hpp"

#include <doctest/doctest.h>

#include "fake_clock.hpp"
#include "fake_probe_runner.hpp"
#include "fake_systemd_client.hpp"

namespace {

using hb::TrialError;
using hb::Verdict;
using hb::VerdictKind;
using hb::testing::fake_bus_error;
using hb::testing::FakeClock;
using hb::testing::FakeProbe;
using hb::testing::FakeProbeRunner;
using hb::testing::FakeSystemdClient;
using hb::testing::SystemdMethod;
using hb::testing::UnitScript;
using std::chrono::milliseconds;

constexpr const char* kPrefix = "harden-bisect-web-";

bool has_property(const hb::PropertyList& props, const std::string& name) {
  return std::any_of(props.begin(), props.end(),
                     [&](const hb::Property& p) { return p.name == name; });
}

// A service "web.service" with three options: 0 NoNewPrivileges, 1 PrivateTmp, 2 an
// assignment the model refuses (it never reaches systemd).
struct Bench {
  FakeClock clock;
  FakeSystemdClient systemd{clock};
  FakeProbeRunner probes{clock};
  hb::UnitSnapshot unit;
  hb::TrialTiming timing;  // defaults: settle 5 s, probe 5 s, retry pause 200 ms
  hb::ItemRungs rungs = {{{{"NoNewPrivileges", "yes"}}},
                         {{{"PrivateTmp", "yes"}}},
                         {{{"CapabilityBoundingSet", "CAP_NO_SUCH_THING"}}}};

  explicit Bench(std::string type = "simple") {
    unit.info = {
        "web.service", "loaded", "", "inactive", "dead", "/etc/systemd/system/web.service", {}, {}};
    unit.type = std::move(type);
    unit.copy = {{"NoNewPrivileges", false}, {"PrivateTmp", false}};
    systemd.add_unit(unit.info, {{"Nice", "0"}});
  }

  hb::TrialOracle oracle() {
    hb::ProbeSpec probe;
    probe.argv = {"/usr/bin/probe", "--quick"};
    probe.env = {{"PROBE_OWN", "kept"}};
    return hb::TrialOracle(systemd, probes, &systemd.journal, unit, rungs, {probe}, timing, kPrefix,
                           clock);
  }
};

TEST_SUITE("trial") {
  TEST_CASE("a copy that answers within the settle window passes after failing attempts") {
    Bench b;
    b.probes.then(FakeProbe::exits(7, "connection refused\n"), 2);
    auto oracle = b.oracle();
    Verdict v = oracle.evaluate({{0, 0}});
    CHECK(v.kind == VerdictKind::kPass);
    CHECK(v.evidence.summary == "probe passed");
    CHECK(v.evidence.probe_exit_status == 0);
    CHECK(v.evidence.journal.empty());  // a pass needs no journal
    REQUIRE(b.probes.runs() == 3);
    for (std::size_t i = 0; i < 3; ++i) {
      CHECK(b.probes.env(i, "HB_ATTEMPT") == std::to_string(i + 1));
      CHECK(b.probes.specs()[i].timeout == b.timing.probe_timeout);
    }
    CHECK(b.clock.sleeps() == std::vector<milliseconds>{milliseconds(200), milliseconds(200)});
    CHECK(v.duration == b.clock.elapsed());
    // The copy got the candidate and the trial's description, and is gone again.
    REQUIRE(b.systemd.started_copies() == std::vector<std::string>{"harden-bisect-web-1.service"});
    const auto& props = b.systemd.properties_of("harden-bisect-web-1.service");
    auto nnp = std::find_if(props.begin(), props.end(),
                            [](const hb::Property& p) { return p.name == "NoNewPrivileges"; });
    REQUIRE(nnp != props.end());
    CHECK(std::get<bool>(nnp->value) == true);
    CHECK(has_property(props, "Description"));
    CHECK(b.systemd.running_copies().empty());
  }

  TEST_CASE("a probe that keeps failing fails once the settle window is over") {
    Bench b;
    b.probes.otherwise(FakeProbe::exits(7, "curl: (7) Failed to connect\n\n"));
    auto oracle = b.oracle();
    Verdict v = oracle.evaluate({{1, 0}});
    CHECK(v.kind == VerdictKind::kFail);
    CHECK(v.evidence.probe_exit_status == 7);
    CHECK(v.evidence.summary == "probe exited 7: curl: (7) Failed to connect");
    CHECK(v.evidence.probe_output_tail == "curl: (7) Failed to connect\n\n");
    CHECK(v.evidence.unit_result == "success");  // systemd saw nothing wrong
    // Rounds of 5 ms + 200 ms pause: retried for the whole window, and not a pause beyond it.
    CHECK(b.probes.runs() == 25);
    CHECK(b.clock.elapsed() <= b.timing.settle + milliseconds(5));
    CHECK(b.clock.elapsed() > b.timing.settle - b.timing.retry_pause);
    CHECK(b.systemd.running_copies().empty());
  }

  TEST_CASE("a probe killed by a signal fails with the signal named") {
    Bench b;
    b.timing.settle = milliseconds(0);
    b.probes.otherwise(FakeProbe::killed_by(9));
    auto oracle = b.oracle();
    Verdict v = oracle.evaluate({});
    CHECK(v.kind == VerdictKind::kFail);
    CHECK(v.evidence.probe_exit_status == -1);
    CHECK(v.evidence.summary == "probe killed by signal 9");
    CHECK(b.probes.runs() == 1);
  }

  TEST_CASE("a probe that never answers is a hang at the probe deadline, not a failure") {
    Bench b;
    b.timing.probe_timeout = milliseconds(3'000);
    b.probes.otherwise(FakeProbe::hang("connected, waiting\n"));
    auto oracle = b.oracle();
    Verdict v = oracle.evaluate({{0, 0}});
    CHECK(v.kind == VerdictKind::kHang);
    CHECK(v.evidence.summary == "probe hung (no answer within 3000 ms)");
    CHECK(v.evidence.probe_output_tail == "connected, waiting\n");
    // Two hangs (0-3 s, 3.2-6.2 s): a third would start after the 5 s window.
    CHECK(b.probes.runs() == 2);
    CHECK(b.clock.elapsed() == milliseconds(6'200));
    CHECK(b.systemd.running_copies().empty());
  }

  TEST_CASE("a copy that dies while probed is start-failed with systemd's and its own words") {
    Bench b;
    b.systemd.script_copies([](const std::string& name, const hb::PropertyList&) {
      return UnitScript::dies_at(milliseconds(300), "exit-code", 218)
          .with_journal({"web[77]: starting", "web[77]: Failed to drop capabilities",
                         name + ": Main process exited, code=exited, status=218/CAPABILITIES",
                         name + ": Failed with result 'exit-code'."});
    });
    b.probes.otherwise(FakeProbe::passes(milliseconds(2'000)));  // slow; cut short by the death
    auto oracle = b.oracle();
    Verdict v = oracle.evaluate({{0, 0}});
    CHECK(v.kind == VerdictKind::kStartFailed);
    CHECK(v.evidence.summary ==
          "copy died while probing: Result=exit-code, status=218/CAPABILITIES: web[77]: Failed "
          "to drop capabilities");
    CHECK(v.evidence.unit_result == "exit-code");
    CHECK(v.evidence.exec_main_code == 1);
    CHECK(v.evidence.exec_main_status == 218);
    CHECK(v.evidence.journal.size() == 4);
    CHECK(b.systemd.journal.queries() == std::vector<std::string>{"invocation-1"});
    REQUIRE(b.probes.runs() == 1);  // cancelled at the first check after the death, no retry
    CHECK(b.clock.elapsed() < milliseconds(500));
    CHECK(b.systemd.running_copies().empty());
  }

  TEST_CASE("a copy that fails a probe and is found dead afterwards is start-failed") {
    Bench b;
    b.systemd.script_copies([](const std::string&, const hb::PropertyList&) {
      return UnitScript::dies_at(milliseconds(10), "signal", 31, 2);  // SIGSYS
    });
    b.probes.otherwise(FakeProbe::exits(1, "reset by peer\n", milliseconds(50)));
    auto oracle = b.oracle();
    Verdict v = oracle.evaluate({});
    CHECK(v.kind == VerdictKind::kStartFailed);
    CHECK(v.evidence.summary.rfind("copy died while probing: Result=signal, signal=SIGSYS", 0) ==
          0);
    CHECK(v.evidence.probe_output_tail == "reset by peer\n");
  }

  TEST_CASE("a copy found dead before any probe is start-failed without probing") {
    Bench b;
    b.systemd.script_copies([](const std::string&, const hb::PropertyList&) {
      return UnitScript::dies_at(milliseconds(0), "exit-code", 226);
    });
    auto oracle = b.oracle();
    Verdict v = oracle.evaluate({{1, 0}});
    CHECK(v.kind == VerdictKind::kStartFailed);
    CHECK(v.evidence.summary ==
          "copy stopped right after start: Result=exit-code, status=226/NAMESPACE");
    CHECK(b.probes.runs() == 0);
    CHECK(b.systemd.running_copies().empty());
  }

  TEST_CASE("a copy that only activates within the window is probed once it is up") {
    Bench b;
    b.systemd.script_copies([](const std::string&, const hb::PropertyList&) {
      UnitScript s;
      s.timeline = {{milliseconds(0), hb::testing::fake_activating()},
                    {milliseconds(1'000), hb::testing::fake_running(99)}};
      return s;
    });
    auto oracle = b.oracle();
    Verdict v = oracle.evaluate({});
    CHECK(v.kind == VerdictKind::kPass);
    REQUIRE(b.probes.runs() == 1);
    CHECK(b.probes.env(0, "HB_MAINPID") == "99");
    CHECK(b.clock.elapsed() >= milliseconds(1'000));
    CHECK(b.clock.sleeps().front() == milliseconds(20));  // it polls the state, then probes
  }

  TEST_CASE("a copy still activating at the end of the settle window is start-failed") {
    Bench b;
    b.systemd.script_copies([](const std::string&, const hb::PropertyList&) {
      UnitScript s;
      s.timeline = {{milliseconds(0), hb::testing::fake_activating()}};
      return s;
    });
    auto oracle = b.oracle();
    Verdict v = oracle.evaluate({});
    CHECK(v.kind == VerdictKind::kStartFailed);
    CHECK(v.evidence.summary.rfind("copy still activating after the settle window", 0) == 0);
    CHECK(b.probes.runs() == 0);
    CHECK(b.clock.elapsed() >= b.timing.settle);
    CHECK(b.systemd.running_copies().empty());
  }

  TEST_CASE("a oneshot without RemainAfterExit is up once it ran to success") {
    Bench b("oneshot");
    b.systemd.script_copies([](const std::string&, const hb::PropertyList&) {
      UnitScript s;
      s.timeline = {{milliseconds(0), hb::testing::fake_activating()},
                    {milliseconds(40), hb::testing::fake_exited_ok()}};
      return s;
    });
    auto oracle = b.oracle();
    CHECK(oracle.evaluate({{0, 0}}).kind == VerdictKind::kPass);
    CHECK(b.probes.runs() == 1);
  }

  TEST_CASE("a oneshot with RemainAfterExit stays active (exited) and passes") {
    Bench b("oneshot");
    b.systemd.script_copies([](const std::string&, const hb::PropertyList&) {
      UnitScript s;
      s.timeline = {{milliseconds(0), hb::testing::fake_remained()}};
      return s;
    });
    auto oracle = b.oracle();
    CHECK(oracle.evaluate({}).kind == VerdictKind::kPass);
  }

  TEST_CASE("a oneshot that ran and failed is start-failed; a simple service that exited too") {
    for (std::string type : {"oneshot", "simple"}) {
      CAPTURE(type);
      Bench b(type);
      b.systemd.script_copies([&](const std::string&, const hb::PropertyList&) {
        UnitScript s;
        s.timeline = {{milliseconds(0), type == "oneshot" ? hb::testing::fake_failed()
                                                          : hb::testing::fake_exited_ok()}};
        return s;
      });
      auto oracle = b.oracle();
      Verdict v = oracle.evaluate({});
      CHECK(v.kind == VerdictKind::kStartFailed);
      CHECK(v.evidence.summary.rfind("copy stopped right after start", 0) == 0);
      CHECK(b.probes.runs() == 0);
    }
  }

  TEST_CASE("settings systemd rejects are unsupported, and no copy exists to stop") {
    Bench b;
    b.systemd.script_copies([](const std::string&, const hb::PropertyList& props) {
      auto tmp = std::find_if(props.begin(), props.end(),
                              [](const hb::Property& p) { return p.name == "PrivateTmp"; });
      return tmp != props.end() && std::get<bool>(tmp->value)
                 ? UnitScript::rejected("Unknown assignment PrivateTmp")
                 : UnitScript::running();
    });
    auto oracle = b.oracle();
    Verdict v = oracle.evaluate({{1, 0}});
    CHECK(v.kind == VerdictKind::kUnsupported);
    CHECK(v.evidence.summary ==
          "systemd rejected the settings: org.freedesktop.DBus.Error.InvalidArgs: Unknown "
          "assignment PrivateTmp");
    CHECK(b.systemd.started_copies().empty());
    CHECK(b.probes.runs() == 0);
    CHECK(oracle.evaluate({{0, 0}}).kind == VerdictKind::kPass);  // the next trial is unaffected
  }

  TEST_CASE("an assignment the unit cannot take is unsupported without asking systemd") {
    Bench b;
    auto oracle = b.oracle();
    Verdict v = oracle.evaluate({{0, 0}, {2, 0}});
    CHECK(v.kind == VerdictKind::kUnsupported);
    CHECK(v.evidence.summary.find("CAP_NO_SUCH_THING") != std::string::npos);
    CHECK(b.systemd.count(SystemdMethod::kStartTransient) == 0);
  }

  TEST_CASE("a start job that fails is start-failed with systemd's reason; the copy is stopped") {
    Bench b;
    b.systemd.script_copies([](const std::string&, const hb::PropertyList&) {
      UnitScript s;
      s.job_result = "failed";
      s.timeline = {{milliseconds(0), hb::testing::fake_failed("exit-code", 203)}};
      return s;
    });
    auto oracle = b.oracle();
    Verdict v = oracle.evaluate({});
    CHECK(v.kind == VerdictKind::kStartFailed);
    CHECK(v.evidence.summary == "start job failed: Result=exit-code, status=203/EXEC");
    CHECK(b.probes.runs() == 0);
    CHECK(b.systemd.stopped() == std::vector<std::string>{"harden-bisect-web-1.service"});
    CHECK(b.systemd.running_copies().empty());
  }

  TEST_CASE("a start job that outlives the start timeout is start-failed, naming the timeout") {
    Bench b;
    b.timing.start_timeout = milliseconds(1'500);
    b.systemd.script_copies([](const std::string&, const hb::PropertyList&) {
      UnitScript s;
      s.start_takes = milliseconds(60'000);
      s.timeline = {{milliseconds(0), hb::testing::fake_activating()}};
      return s;
    });
    auto oracle = b.oracle();
    Verdict v = oracle.evaluate({});
    CHECK(v.kind == VerdictKind::kStartFailed);
    CHECK(v.evidence.summary.rfind("start job did not finish within 1500 ms", 0) == 0);
    CHECK(b.systemd.running_copies().empty());
  }

  TEST_CASE("probes see HB_TRIAL equal to the trial number of the report, not the copy count") {
    Bench b;
    auto oracle = b.oracle();
    (void)oracle.dump_baseline_copy();  // the fidelity check's copy is not a trial
    (void)oracle.evaluate({});
    (void)oracle.evaluate({{0, 0}});
    REQUIRE(b.probes.runs() == 2);
    CHECK(b.probes.env(0, "HB_TRIAL") == "1");
    CHECK(b.probes.env(1, "HB_TRIAL") == "2");
    CHECK(b.probes.env(1, "HB_COPY") == "harden-bisect-web-3.service");
    CHECK(b.probes.env(1, "HB_UNIT") == "web.service");
    CHECK(b.probes.env(1, "HB_MAINPID") == "4242");
    CHECK(b.probes.env(1, "HB_ATTEMPT") == "1");
    CHECK(b.probes.env(1, "PROBE_OWN") == "kept");
    CHECK(b.probes.specs()[1].argv == std::vector<std::string>{"/usr/bin/probe", "--quick"});
    // A resumed run whose first trials came from its journal continues the numbering.
    oracle.number_next_trial(7);
    (void)oracle.evaluate({{1, 0}});
    CHECK(b.probes.env(2, "HB_TRIAL") == "7");
  }

  TEST_CASE("a probe that cannot be started ends the run as bad input and stops the copy") {
    Bench b;
    b.probes.otherwise(FakeProbe::spawn_fails("probe /usr/bin/probe: no such file"));
    auto oracle = b.oracle();
    try {
      (void)oracle.evaluate({});
      FAIL("no TrialError");
    } catch (const TrialError& e) {
      CHECK(e.error.kind == hb::ErrorKind::kBadInput);
      CHECK(e.error.message == "probe /usr/bin/probe: no such file");
    }
    CHECK(b.probes.runs() == 1);
    CHECK(b.systemd.running_copies().empty());
  }

  TEST_CASE("a bus failure while probing aborts the trial and still stops the copy") {
    Bench b;
    const hb::Error reset = fake_bus_error("Connection reset by peer");
    b.probes.respond([&](const hb::ProbeSpec&) {
      // The check while the probe runs ignores the error; the one after the round does not.
      b.systemd.fail(SystemdMethod::kStatus, reset, 2);
      return FakeProbe::exits(1);
    });
    auto oracle = b.oracle();
    try {
      (void)oracle.evaluate({});
      FAIL("no TrialError");
    } catch (const TrialError& e) {
      CHECK(e.error.message == "Connection reset by peer");
    }
    CHECK(b.probes.runs() == 1);
    CHECK(b.systemd.running_copies().empty());
  }

  TEST_CASE("bus failures starting, reading or stopping a copy are TrialErrors") {
    SUBCASE("start") {
      Bench b;
      b.systemd.fail(SystemdMethod::kStartTransient, fake_bus_error("Access denied"));
      auto oracle = b.oracle();
      CHECK_THROWS_AS((void)oracle.evaluate({}), TrialError);
      CHECK(b.systemd.started_copies().empty());
    }
    SUBCASE("the first state check") {
      Bench b;
      b.systemd.fail(SystemdMethod::kStatus, fake_bus_error("gone"));
      auto oracle = b.oracle();
      CHECK_THROWS_AS((void)oracle.evaluate({}), TrialError);
      CHECK(b.systemd.running_copies().empty());
    }
    SUBCASE("the state check after the verdict") {
      Bench b;
      b.probes.respond([&](const hb::ProbeSpec&) {
        // One for the check while probing (ignored), one for the verdict's evidence.
        b.systemd.fail(SystemdMethod::kStatus, fake_bus_error("gone"), 2);
        return FakeProbe::passes();
      });
      auto oracle = b.oracle();
      CHECK_THROWS_AS((void)oracle.evaluate({}), TrialError);
      CHECK(b.systemd.running_copies().empty());
    }
    SUBCASE("stop") {
      Bench b;
      b.systemd.fail(SystemdMethod::kStop, fake_bus_error("Access denied"));
      auto oracle = b.oracle();
      try {
        (void)oracle.evaluate({});
        FAIL("no TrialError");
      } catch (const TrialError& e) {
        CHECK(e.error.message == "Access denied");
      }
    }
  }

  TEST_CASE("inspect reads the hardened copy's properties and stops it") {
    Bench b;
    auto oracle = b.oracle();
    auto props = oracle.inspect(oracle.assignments_for({{0, 0}, {1, 0}}),
                                {{"NoNewPrivileges", "b"}, {"PrivateTmp", "b"}});
    CHECK(props.size() == 2);
    for (const auto& p : props) CHECK(std::get<bool>(p.value));
    CHECK(b.systemd.running_copies().empty());
    CHECK(b.probes.runs() == 0);
  }

  TEST_CASE("inspect and the baseline dump turn rejections and bus errors into TrialErrors") {
    Bench b;
    auto oracle = b.oracle();
    b.systemd.script_copies(
        [](const std::string&, const hb::PropertyList&) { return UnitScript::rejected("no"); });
    try {
      (void)oracle.inspect({}, {});
      FAIL("no TrialError");
    } catch (const TrialError& e) {
      CHECK(e.error.kind == hb::ErrorKind::kSystemd);
    }
    try {
      (void)oracle.dump_baseline_copy();
      FAIL("no TrialError");
    } catch (const TrialError& e) {
      CHECK(e.error.kind == hb::ErrorKind::kUnitUnusable);
      CHECK(e.error.message.find("refused a plain copy of web.service") != std::string::npos);
    }
    b.systemd.script_copies(
        [](const std::string&, const hb::PropertyList&) { return UnitScript::running(); });
    b.systemd.fail(SystemdMethod::kReadProperties, fake_bus_error("bus gone"));
    CHECK_THROWS_AS((void)oracle.inspect({}, {}), TrialError);
    b.systemd.fail(SystemdMethod::kDumpProperties, fake_bus_error("bus gone"));
    CHECK_THROWS_AS((void)oracle.dump_baseline_copy(), TrialError);
    b.systemd.fail(SystemdMethod::kStartTransient, fake_bus_error("bus gone"), 2);
    CHECK_THROWS_AS((void)oracle.inspect({}, {}), TrialError);
    CHECK_THROWS_AS((void)oracle.dump_baseline_copy(), TrialError);
    CHECK_THROWS_AS((void)oracle.inspect({{"CapabilityBoundingSet", "CAP_NOPE"}}, {}), TrialError);
    CHECK(b.systemd.running_copies().empty());  // copies whose read failed were stopped
  }

  TEST_CASE("the baseline dump is the plain copy's Service properties") {
    Bench b;
    auto oracle = b.oracle();
    auto dump = oracle.dump_baseline_copy();
    CHECK(dump == std::map<std::string, std::string>{{"Nice", "0"}});
    CHECK(b.systemd.started_copies() == std::vector<std::string>{"harden-bisect-web-1.service"});
    CHECK(b.systemd.running_copies().empty());
  }
}

}  // namespace
