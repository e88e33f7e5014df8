// verify (issue 13 item 1): a run's kept options split into (b) new to the unit and (c) its own
// settings at a higher rung, and the CI exit status.
#include "harden_bisect/verify.hpp"

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "harden_bisect/assignment.hpp"

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

}  // namespace
}  // namespace hb
