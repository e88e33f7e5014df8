// verify (issue 13 item 1): a run's kept options split into (b) new to the unit and (c) its own
// settings at a higher rung, and the CI exit status.
#include "harden_bisect/verify.hpp"

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "harden_bisect/assignment.hpp"
#include "run_bench.hpp"

namespace hb {
namespace {

const Catalogue& builtin() {
  static const Catalogue c = [] {
    auto loaded = load_builtin_catalogue();
    REQUIRE(loaded.ok());
    return *loaded;
  }();
  return c;
}

// The unit's own settings, as the run's copies carry them.
PropertyList shipped(const std::vector<Assignment>& settings) {
  auto applied = apply_assignments({}, settings);
  REQUIRE(applied.ok());
  return *applied;
}

// A run that kept the strongest rung of each of `ids` on `unit`.
RunReport run_keeping(const PropertyList& unit, const std::vector<std::string>& ids) {
  RunReport r;
  r.unit = "demo.service";
  r.unit_settings = unit;
  r.before.tenths = 83;
  r.after.tenths = 21;
  for (const auto& id : ids) {
    const auto* o = builtin().find(id);
    REQUIRE(o);
    r.kept.push_back(
        {o->id, o->group, o->rungs.front().label, o->rungs.front().assignments, o->why});
  }
  return r;
}

TEST_SUITE("verify") {
  TEST_CASE("a kept rung above one the unit ships is (c), with the shipped rung named") {
    const auto unit = shipped({{"ProtectSystem", "full"}, {"ProtectHome", "read-only"}});
    const auto report = classify_findings(
        run_keeping(unit, {"ProtectSystem", "ProtectHome", "PrivateDevices"}), builtin());
    REQUIRE(report.strengthen.size() == 2);
    CHECK(report.strengthen[0].id == "ProtectSystem");
    CHECK(report.strengthen[0].shipped_rung == "ProtectSystem=full");
    CHECK(report.strengthen[0].rung == "ProtectSystem=strict");
    CHECK(report.strengthen[1].shipped_rung == "ProtectHome=read-only");
    REQUIRE(report.further.size() == 1);
    CHECK(report.further[0].id == "PrivateDevices");
    CHECK(report.further[0].shipped_rung.empty());
    CHECK(report.passes_as_shipped);
    CHECK(report.shipped.tenths == 83);
    CHECK(report.hardened.tenths == 21);
    CHECK(verify_exit_code(report) == kExitImprovable);
  }

  TEST_CASE("a unit without any of the options gets only (b)") {
    const auto report = classify_findings(run_keeping({}, {"ProtectSystem", "UMask"}), builtin());
    CHECK(report.strengthen.empty());
    CHECK(report.further.size() == 2);
  }

  TEST_CASE("a kept option the catalogue does not know is (b); (c) alone is still improvable") {
    RunReport run = run_keeping({}, {});
    run.kept.push_back({"Local", "process", "Local=yes", {{"Local", "yes"}}, "a local option"});
    auto report = classify_findings(run, builtin());
    REQUIRE(report.further.size() == 1);
    CHECK(report.further[0].shipped_rung.empty());
    const auto only_c = classify_findings(
        run_keeping(shipped({{"ProtectSystem", "yes"}}), {"ProtectSystem"}), builtin());
    CHECK(only_c.further.empty());
    CHECK(only_c.strengthen.size() == 1);
    CHECK(verify_exit_code(only_c) == kExitImprovable);
  }

  TEST_CASE("exit status: 0 nothing to add, 12 more passes, 5 fails as shipped") {
    VerifyReport done;
    done.passes_as_shipped = true;
    CHECK(verify_exit_code(done) == 0);
    VerifyReport failing;
    failing.shipped_evidence = "probe exited 1";
    CHECK(verify_exit_code(failing) == 5);
    const auto text = render_verify_text(failing);
    CHECK(text.find("FAILS its probe: probe exited 1") != std::string::npos);
  }

  TEST_CASE("the text report shows (c) as shipped -> stronger with the gain, within 100 columns") {
    auto report = classify_findings(
        run_keeping(shipped({{"ProtectSystem", "yes"}}), {"ProtectSystem", "UMask"}), builtin());
    report.strengthen[0].gain_exposure = 0.123;
    report.strengthen[0].alone.tenths = 71;
    const auto text = render_verify_text(report);
    CHECK(text.find("ProtectSystem=yes -> ProtectSystem=strict") != std::string::npos);
    CHECK(text.find("-0.12  -> 7.1") != std::string::npos);
    std::size_t start = 0;
    while (start < text.size()) {
      const auto end = text.find('\n', start);
      CHECK(end - start <= 100);
      start = end + 1;
    }
  }

  TEST_CASE("the manager's version is in the verify JSON; on another systemd, one note line") {
    auto report = classify_findings(run_keeping(shipped({}), {"UMask"}), builtin());
    report.systemd_version = "252.39-1~deb12u1";
    auto json = nlohmann::json::parse(render_verify_json(report, false));
    CHECK(json.at("systemd_version") == "252.39-1~deb12u1");
    CHECK(json.at("exposure_note").is_null());
    CHECK(render_verify_text(report).find("note:") == std::string::npos);
    report.systemd_version = "255.4-1";
    report.exposure_note = "the manager is 255.4-1 ...: exposure scores follow systemd 252's table";
    json = nlohmann::json::parse(render_verify_json(report, false));
    CHECK(json.at("exposure_note") == report.exposure_note);
    CHECK(render_verify_text(report).find("\nnote: the manager is 255.4-1") != std::string::npos);
  }
}

// verify_unit over the fakes: the run, then one copy per finding to score it alone.
TEST_SUITE("verify") {
  // web.service ships ProtectSystem=full; PrivateTmp=yes breaks it (the bench's probe).
  struct ShippedBench : testing::Bench {
    ShippedBench() { systemd.unit_properties("web.service", shipped({{"ProtectSystem", "full"}})); }
    Result<VerifyReport> verify() {
      return verify_unit(config, catalogue,
                         {systemd, probes, &systemd.journal, &cancel, &observer, &clock});
    }
  };

  TEST_CASE("verify scores each finding alone on its own copy, largest gain first") {
    ShippedBench b;
    auto report = b.verify();
    REQUIRE(report.ok());
    CHECK(report->passes_as_shipped);
    REQUIRE(report->strengthen.size() == 1);
    CHECK(report->strengthen[0].id == "ProtectSystem");
    CHECK(report->strengthen[0].shipped_rung == "ProtectSystem=full");
    REQUIRE(report->further.size() == 3);  // NoNewPrivileges, LockPersonality, RestrictRealtime
    for (const auto* list : {&report->further, &report->strengthen}) {
      for (const auto& f : *list) {
        CHECK_MESSAGE(f.gain > 0, f.id);
        CHECK(f.alone.tenths <= report->shipped.tenths);
        CHECK(f.gain_tenths == report->shipped.tenths - f.alone.tenths);
      }
    }
    CHECK(std::is_sorted(
        report->further.begin(), report->further.end(),
        [](const auto& a, const auto& b) { return a.gain_exposure > b.gain_exposure; }));
    const auto& copies = b.systemd.started_copies();
    CHECK(std::count_if(copies.begin(), copies.end(), [](const std::string& name) {
            return name.find("gain-") != std::string::npos;
          }) == 4);
    b.check_cleaned_up();
    CHECK(verify_exit_code(*report) == kExitImprovable);
    const auto json = nlohmann::json::parse(render_verify_json(*report, false));
    CHECK(json["passes_as_shipped"] == true);
    CHECK(json["evidence"].is_null());
    CHECK(json["strengthen"][0]["shipped_rung"] == "ProtectSystem=full");
    CHECK(json["further"].size() == 3);
    CHECK(json["exit_code"] == kExitImprovable);
  }

  TEST_CASE("verify needs no cancellation token and no observer") {
    ShippedBench b;
    auto report =
        verify_unit(b.config, b.catalogue,
                    {b.systemd, b.probes, &b.systemd.journal, nullptr, nullptr, &b.clock});
    REQUIRE(report.ok());
    CHECK(report->further.size() == 3);
    CHECK(b.observer.phases.empty());
    b.check_cleaned_up();
  }

  TEST_CASE("a unit that fails its probe as shipped is a report with the evidence, not an error") {
    ShippedBench b;
    b.probes.respond([](const ProbeSpec&) { return testing::FakeProbe::exits(1, "down"); });
    auto report = b.verify();
    REQUIRE(report.ok());
    CHECK_FALSE(report->passes_as_shipped);
    CHECK(report->shipped_evidence.find("probe exited 1") != std::string::npos);
    CHECK(report->shipped.tenths == report->hardened.tenths);
    CHECK(verify_exit_code(*report) == 5);
    const auto json = nlohmann::json::parse(render_verify_json(*report, true));
    CHECK(json["evidence"].is_string());
    CHECK(json["exit_code"] == 5);
    b.check_cleaned_up();
  }

  TEST_CASE("a copy systemd refuses while scoring ends verify with that error") {
    ShippedBench b;
    b.systemd.script_copies([](const std::string& name, const PropertyList&) {
      testing::UnitScript script;
      if (name.find("gain-") != std::string::npos) script.rejection = "no";
      return script;
    });
    auto report = b.verify();
    REQUIRE_FALSE(report.ok());
    CHECK(report.error().kind == ErrorKind::kSystemd);
    b.check_cleaned_up();
  }

  TEST_CASE("a run error other than a failing baseline is verify's error") {
    ShippedBench b;
    b.config.unit = "missing.service";
    auto report = b.verify();
    REQUIRE_FALSE(report.ok());
    CHECK(b.systemd.started_copies().empty());
  }

  TEST_CASE("a cancelled verify stops before scoring and says so") {
    ShippedBench b;
    b.observer.on_phase = [&](RunPhase phase) {
      if (phase == RunPhase::kCleanup) b.cancel.cancel();
    };
    auto report = b.verify();
    REQUIRE_FALSE(report.ok());
    CHECK(report.error().kind == ErrorKind::kInterrupted);
    b.check_cleaned_up();
  }
}

}  // namespace
}  // namespace hb
