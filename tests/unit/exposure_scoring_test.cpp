// Which systemd scores the exposure: the manager's Version read over the (fake) bus decides
// between 252's built-in model, the target's own systemd-analyze, and 252's table with a note.
#include "harden_bisect/exposure_scoring.hpp"

#include <doctest/doctest.h>

#include "fake_clock.hpp"
#include "fake_probe_runner.hpp"
#include "fake_systemd_client.hpp"

namespace {

using hb::ScoringSource;
using hb::testing::FakeClock;
using hb::testing::FakeProbe;
using hb::testing::FakeProbeRunner;
using hb::testing::FakeSystemdClient;
using hb::testing::SystemdMethod;

const std::vector<std::string> kAnalyze = {"/target/usr/bin/systemd-analyze",
                                           "/usr/bin/systemd-analyze"};

// `systemd-analyze --version` of each candidate: the target's is 255, the host's 252.
FakeProbe version_of(const hb::ProbeSpec& spec) {
  if (spec.argv.at(0) == kAnalyze[0]) return FakeProbe::exits(0, "systemd 255 (255.4-1)\n+PAM\n");
  return FakeProbe::exits(0, "systemd 252 (252.39-1~deb12u1)\n+PAM +AUDIT\n");
}

}  // namespace

TEST_SUITE("exposure-scoring") {
  TEST_CASE("a 252 manager is scored by the built-in model, without running systemd-analyze") {
    FakeClock clock;
    FakeSystemdClient systemd(clock);
    FakeProbeRunner runner(clock);
    const auto scoring = hb::decide_exposure_scoring(systemd, runner, kAnalyze, "");
    CHECK(systemd.count(SystemdMethod::kManagerVersion) == 1);
    CHECK(scoring.manager_version == "252.39-1~deb12u1");
    CHECK(scoring.source == ScoringSource::kBuiltinModel);
    CHECK(scoring.note().empty());
    CHECK(scoring.scored_by() == "built-in systemd 252 model");
    CHECK(runner.runs() == 0);
  }

  TEST_CASE("another version is scored by the first systemd-analyze of that version") {
    FakeClock clock;
    FakeSystemdClient systemd(clock);
    systemd.version("255.4-1");
    FakeProbeRunner runner(clock);
    runner.respond(version_of);
    const auto scoring = hb::decide_exposure_scoring(systemd, runner, kAnalyze, "/target");
    CHECK(scoring.source == ScoringSource::kTargetAnalyze);
    CHECK(scoring.analyze == kAnalyze[0]);
    CHECK(scoring.root == "/target");
    CHECK(scoring.scored_by() == "systemd-analyze 255");
    CHECK(scoring.note().empty());
    REQUIRE(runner.runs() == 1);
    CHECK(runner.specs()[0].argv == std::vector<std::string>{kAnalyze[0], "--version"});
  }

  TEST_CASE("another version with no systemd-analyze of it: 252's table and one line saying so") {
    FakeClock clock;
    FakeSystemdClient systemd(clock);
    systemd.version("254.5-1");
    FakeProbeRunner runner(clock);
    runner.respond(version_of);
    auto scoring = hb::decide_exposure_scoring(systemd, runner, kAnalyze, "");
    CHECK(scoring.source == ScoringSource::kBuiltin252Only);
    CHECK(runner.runs() == 2);  // both asked, neither is 254
    CHECK(scoring.note() ==
          "the manager is 254.5-1 and no systemd-analyze of its version is at hand: exposure "
          "scores follow systemd 252's table");
    CHECK(scoring.note().find('\n') == std::string::npos);

    // No systemd-analyze at all, or one that cannot run: the same.
    FakeProbeRunner broken(clock);
    broken.otherwise(FakeProbe::spawn_fails("No such file or directory"));
    CHECK(hb::decide_exposure_scoring(systemd, broken, kAnalyze, "").source ==
          ScoringSource::kBuiltin252Only);
    CHECK(hb::decide_exposure_scoring(systemd, runner, {}, "").source ==
          ScoringSource::kBuiltin252Only);
  }

  TEST_CASE("an unreadable Version means 252's table, with a note naming it unknown") {
    FakeClock clock;
    FakeSystemdClient systemd(clock);
    systemd.fail(SystemdMethod::kManagerVersion, hb::testing::fake_bus_error("Access denied"));
    FakeProbeRunner runner(clock);
    runner.respond(version_of);
    const auto scoring = hb::decide_exposure_scoring(systemd, runner, kAnalyze, "");
    CHECK(scoring.manager_version.empty());
    CHECK(scoring.source == ScoringSource::kBuiltin252Only);
    CHECK(scoring.note().find("of unknown version") != std::string::npos);
    CHECK(runner.runs() == 0);
  }

  TEST_CASE("versions and systemd-analyze's exposure line parse") {
    CHECK(hb::systemd_major("252.39-1~deb12u1") == 252);
    CHECK(hb::systemd_major("255") == 255);
    CHECK(hb::systemd_major("systemd 256 (256~rc3)") == 256);
    CHECK_FALSE(hb::systemd_major(""));
    CHECK_FALSE(hb::systemd_major("v252"));
    CHECK(hb::parse_analyze_exposure("  NAME  DESCRIPTION\n\n→ Overall exposure level for "
                                     "x.service: 9.6 UNSAFE 😨\n") == 96);
    CHECK(hb::parse_analyze_exposure("→ Overall exposure level for a@b.service: 2.0 OK\n") == 20);
    CHECK_FALSE(hb::parse_analyze_exposure("Failed to load unit\n"));
  }

  TEST_CASE("rescoring runs the target's systemd-analyze offline, without and with the drop-in") {
    FakeClock clock;
    FakeProbeRunner runner(clock);
    runner.then(FakeProbe::exits(0, "→ Overall exposure level for x.service: 9.2 UNSAFE\n"))
        .then(FakeProbe::exits(0, "→ Overall exposure level for x.service: 1.9 OK\n"));
    hb::ExposureScoring scoring;
    scoring.source = ScoringSource::kTargetAnalyze;
    scoring.analyze = "/usr/bin/systemd-analyze";
    hb::UnitInfo unit;
    unit.id = "x.service";
    unit.fragment_path = HB_SOURCE_DATADIR "/catalogue.yaml";  // any readable file
    hb::RunReport report;
    REQUIRE(hb::rescore_with_analyze(scoring, unit, "[Service]\nPrivateTmp=yes\n", runner, report));
    CHECK(report.before.tenths == 92);
    CHECK(report.after.tenths == 19);
    REQUIRE(runner.runs() == 2);
    CHECK(runner.specs()[0].argv.at(1) == "security");
    CHECK(runner.specs()[0].argv.at(2) == "--offline=true");
    CHECK(runner.specs()[0].argv.back().find("/x.service") != std::string::npos);

    unit.fragment_path.clear();  // a transient unit: nothing to score offline
    CHECK_FALSE(hb::rescore_with_analyze(scoring, unit, "", runner, report));
  }
}
