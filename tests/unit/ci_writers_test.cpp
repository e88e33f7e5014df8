// CI formats of plan outcomes: the JUnit file Jenkins/GitLab read (counts add up, red only for
// what needs a human) and SARIF 2.1.0 (one rule per systemd-analyze row, results = exposed rows).
#include "harden_bisect/ci_writers.hpp"

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "harden_bisect/exposure.hpp"

namespace {

std::size_t count(const std::string& text, std::string_view what) {
  std::size_t n = 0;
  for (auto pos = text.find(what); pos != std::string::npos; pos = text.find(what, pos + 1)) ++n;
  return n;
}

hb::UnitSummary unit(std::string name, hb::UnitOutcome status) {
  hb::UnitSummary u;
  u.unit = std::move(name);
  u.status = status;
  u.before_tenths = 96;
  u.after_tenths = 31;
  u.duration = std::chrono::milliseconds(1500);
  u.kept = {{"PrivateTmp", "yes", "PrivateTmp=yes", "private /tmp"}};
  u.rejected = {{"PrivateNetwork", "yes", "PrivateNetwork=yes", "fail: probe exited 7", "journal"}};
  return u;
}

// Every unit state once: passed, failed (two failures), error, unsupported.
std::vector<hb::UnitSummary> four_units() {
  auto ok = unit("ok.service", hb::UnitOutcome::kPassed);
  auto failed = unit("failed.service", hb::UnitOutcome::kFailed);
  failed.failures = {{"above-ceiling", "exposure 3.1 is above the ceiling 2", ""},
                     {"regression", "regression: ProtectSystem=strict now fails", "<ev> & \x01"}};
  auto error = unit("missing.service", hb::UnitOutcome::kError);
  error.error = "unit missing.service not found";
  error.after_tenths.reset();
  error.kept.clear();
  error.rejected.clear();
  auto user = unit("u.service", hb::UnitOutcome::kUnsupported);
  user.user = true;
  user.error = "user units (user: true) are not supported yet";
  user.after_tenths.reset();
  return {ok, failed, error, user};
}

}  // namespace

TEST_SUITE("ci") {
  TEST_CASE("JUnit: one testcase per unit and counts that add up") {
    const auto xml = hb::render_junit(four_units(), "nightly", "0.1.0");
    CHECK(count(xml, "<testcase ") == 4);
    CHECK(count(xml, "<failure ") == 1);
    CHECK(count(xml, "<error ") == 1);
    CHECK(count(xml, "<skipped ") == 1);
    const std::string counts =
        "tests=\"4\" failures=\"1\" errors=\"1\" skipped=\"1\" time=\"6.000\"";
    CHECK(xml.find("<testsuites name=\"harden-bisect\" " + counts + ">") != std::string::npos);
    CHECK(xml.find("<testsuite name=\"nightly\" " + counts + ">") != std::string::npos);
    CHECK(xml.find("<testcase classname=\"harden-bisect.user\" name=\"u.service\"") !=
          std::string::npos);
  }

  TEST_CASE(
      "JUnit: a failure names its first kind, lists every reason; rejects stay in system-out") {
    const auto xml = hb::render_junit(four_units(), "nightly", "0.1.0");
    CHECK(xml.find("<failure type=\"above-ceiling\" message=\"exposure 3.1 is above the ceiling "
                   "2\">above-ceiling: exposure 3.1 is above the ceiling 2\nregression: "
                   "regression: ProtectSystem=strict now fails\n&lt;ev&gt; &amp; \xEF\xBF\xBD\n"
                   "</failure>") != std::string::npos);
    CHECK(xml.find("<error type=\"error\" message=\"unit missing.service not found\"/>") !=
          std::string::npos);
    CHECK(xml.find("<skipped message=\"user units (user: true) are not supported yet\"/>") !=
          std::string::npos);
    // A passing unit with a rejected option: no failure, the option in system-out.
    const auto passed = hb::render_junit({four_units()[0]}, "s", "0.1.0");
    CHECK(count(passed, "<failure") == 0);
    CHECK(passed.find("<system-out>exposure: 9.6 UNSAFE -&gt; 3.1 OK\n") != std::string::npos);
    CHECK(passed.find("  PrivateNetwork=yes: fail: probe exited 7\n") != std::string::npos);
  }

  TEST_CASE("SARIF: one rule per systemd-analyze row, one result per exposed row per unit") {
    auto units = four_units();
    units[0].exposed = {{"PrivateNetwork=", "PrivateNetwork", 500, 1, 1}};
    units[1].exposed = {
        {"PrivateNetwork=", "PrivateNetwork", 500, 1, 1},
        {"CapabilityBoundingSet=~CAP_SYS_ADMIN", "CapabilityBoundingSet", 1500, 1, 1}};
    const auto doc = nlohmann::json::parse(hb::render_sarif(units, "0.1.0"));
    CHECK(doc["version"] == "2.1.0");
    REQUIRE(doc["runs"].size() == 1);
    const auto& run = doc["runs"][0];
    const auto& rules = run["tool"]["driver"]["rules"];
    const auto table = hb::assess_exposure(hb::SecurityState{}).rows;
    std::set<std::string> row_ids;
    for (const auto& row : table) row_ids.insert(row.id);
    CHECK(rules.size() == row_ids.size());
    std::set<std::string> rule_ids;
    for (const auto& rule : rules) rule_ids.insert(rule["id"].get<std::string>());
    CHECK(rule_ids == row_ids);
    const auto& results = run["results"];
    REQUIRE(results.size() == 3);
    for (const auto& result : results) {
      // ruleIndex points at the rule with the same id.
      CHECK(rules[result["ruleIndex"].get<std::size_t>()]["id"] == result["ruleId"]);
      CHECK(result["locations"][0]["logicalLocations"][0]["name"].is_string());
      CHECK(result["message"]["text"].is_string());
    }
    CHECK(results[0]["locations"][0]["logicalLocations"][0]["name"] == "ok.service");
    CHECK(results[2]["level"] == "warning");
    CHECK(results[2]["ruleId"] == "CapabilityBoundingSet=~CAP_SYS_ADMIN");
  }

  TEST_CASE("SARIF: the structure the 2.1.0 schema requires") {
    // The OASIS schema's license does not let us ship a copy; these are its required members
    // and closed enumerations for what we emit (tests/integration/plan_test.py validates with
    // the real schema when HB_SARIF_SCHEMA points at it).
    const auto doc = nlohmann::json::parse(hb::render_sarif(four_units(), "0.1.0"));
    CHECK(doc.contains("$schema"));
    const std::set<std::string> top = {"$schema", "version", "runs"};
    for (const auto& [key, value] : doc.items()) CHECK(top.count(key) == 1);
    const auto& driver = doc["runs"][0]["tool"]["driver"];
    CHECK(driver["name"].is_string());
    for (const auto& rule : driver["rules"]) {
      CHECK(rule["id"].is_string());
      CHECK(rule["shortDescription"]["text"].is_string());
      const auto level = rule["defaultConfiguration"]["level"].get<std::string>();
      CHECK((level == "warning" || level == "note"));
    }
    CHECK(doc["runs"][0]["results"].is_array());
  }
}
