// Plans: YAML parsing and validation (every problem with file:line:column), sharding, the plan
// runner's failure rules, summary round trips, merges and baselines.
#include "harden_bisect/plan.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "harden_bisect/plan_outputs.hpp"
#include "harden_bisect/plan_runner.hpp"

namespace {

using namespace std::chrono_literals;

hb::Plan parse_ok(const std::string& text) {
  auto plan = hb::parse_plan(text, "plan.yaml", "/etc/hb");
  REQUIRE_MESSAGE(plan.ok(), (plan.ok() ? "" : plan.error().message));
  return *plan;
}

std::vector<std::string> problems_of(const std::string& text) {
  std::vector<std::string> problems;
  auto plan = hb::parse_plan(text, "plan.yaml", "", &problems);
  CHECK_FALSE(plan.ok());
  if (!plan.ok()) CHECK(plan.error().kind == hb::ErrorKind::kBadInput);
  return problems;
}

bool has(const std::vector<std::string>& list, const std::string& text) {
  for (const auto& item : list) {
    if (item == text) return true;
  }
  return false;
}

// A run report with `kept`/`rejected` ids (rung "yes") and the given exposure after.
hb::RunReport report_of(const std::string& unit, std::vector<std::string> kept,
                        std::vector<std::string> rejected, int after_tenths) {
  hb::RunReport r;
  r.unit = unit;
  r.before.tenths = 96;
  r.after.tenths = after_tenths;
  for (const auto& id : kept) r.kept.push_back({id, "g", "yes", {{id, "yes"}}, "why"});
  for (const auto& id : rejected) {
    hb::RejectedOption o;
    o.id = id;
    o.group = "g";
    o.rung = "yes";
    o.assignments = {{id, "yes"}};
    o.verdict.kind = hb::VerdictKind::kFail;
    o.verdict.evidence.summary = "probe exited 1";
    o.verdict.evidence.probe_output_tail = "permission denied\n";
    r.rejected.push_back(o);
  }
  return r;
}

const char* kThreeUnits = R"(version: 1
defaults:
  settle: 2
  skip: [DynamicUser]
units:
  - unit: a.service
    probe: [/bin/true, "--port", "80"]
    ceiling: 3.0
  - unit: b.service
    probe: /bin/true --x y
    skip: [PrivateNetwork, IPAddressDeny]
    settle: 3.5
    check-maximal: true
  - unit: c.service
    user: true
    probe:
      - [/bin/true, one]
      - /bin/false two
)";

}  // namespace

TEST_SUITE("plan") {
  TEST_CASE("a plan with defaults, argv lists, strings and several probes parses exactly") {
    auto plan = parse_ok(kThreeUnits);
    REQUIRE(plan.units.size() == 3);
    const auto& a = plan.units[0];
    CHECK(a.unit == "a.service");
    CHECK(a.index == 0);
    CHECK(a.line == 6);
    CHECK(a.probes == std::vector<std::vector<std::string>>{{"/bin/true", "--port", "80"}});
    CHECK(a.ceiling == 3.0);
    CHECK(a.options.settle == 2000ms);
    CHECK(a.options.skip == std::vector<std::string>{"DynamicUser"});
    const auto& b = plan.units[1];
    CHECK(b.probes == std::vector<std::vector<std::string>>{{"/bin/true", "--x", "y"}});
    CHECK(b.options.skip == std::vector<std::string>{"PrivateNetwork", "IPAddressDeny"});
    CHECK(b.options.settle == 3500ms);
    CHECK(b.options.check_maximal == true);
    CHECK_FALSE(b.ceiling.has_value());
    const auto& c = plan.units[2];
    CHECK(c.user);
    CHECK(c.probes ==
          std::vector<std::vector<std::string>>{{"/bin/true", "one"}, {"/bin/false", "two"}});
  }

  TEST_CASE("every problem of a bad plan is reported with file:line:column, in file order") {
    std::ifstream in(std::string(HB_SOURCE_DATADIR) + "/../tests/fixtures/plan/many-problems.yaml");
    std::stringstream text;
    text << in.rdbuf();
    auto problems = problems_of(text.str());
    for (const auto& p : problems) MESSAGE(p);
    CHECK(
        has(problems, "plan.yaml:1:10: unsupported plan version '2' (this build reads version 1)"));
    CHECK(has(problems, "plan.yaml:3:11: settle (seconds) must be a number in 0.001..86400"));
    CHECK(has(problems,
              "plan.yaml:4:3: unknown field 'colour' (probe-timeout, settle, start-timeout, "
              "stop-timeout, confirm, retries, stop-original, check-maximal, probe-user, "
              "catalogue, only, skip)"));
    CHECK(has(problems, "plan.yaml:8:14: ceiling must be a number in 0..10"));
    CHECK(has(problems, "plan.yaml:9:5: duplicate unit 'nginx.service' (first at line 6)"));
    CHECK(has(problems, "plan.yaml:11:5: unit entry without 'unit'"));
    CHECK(has(problems, "plan.yaml:13:12: probe must be a command: an argv list or one string"));
    CHECK(has(problems, "plan.yaml:14:11: skip must be a string or a list of strings"));
    CHECK(has(problems, "plan.yaml:15:14: retries must be a whole number in 0..1000"));
    CHECK(has(problems, "plan.yaml:16:20: stop-original must be true or false"));
    bool unknown_field = false, template_name = false;
    for (const auto& p : problems) {
      unknown_field |= p.rfind("plan.yaml:17:5: unknown field 'frobnicate' (unit, probe", 0) == 0;
      template_name |= p.rfind("plan.yaml:12:11: ", 0) == 0;
    }
    CHECK(unknown_field);
    CHECK(template_name);  // foo@.service is a template
    CHECK(problems.size() == 12);
    // File order: each problem's line is >= the previous one's.
    int last = 0;
    for (const auto& p : problems) {
      const int line = std::stoi(p.substr(10));
      CHECK(line >= last);
      last = line;
    }
  }

  TEST_CASE(
      "a plan needs a version and a non-empty unit list; YAML syntax errors have a position") {
    CHECK(has(problems_of("units: [{unit: a.service, probe: /bin/true}]\n"),
              "plan.yaml:1:1: missing 'version: 1'"));
    CHECK(has(problems_of("version: 1\nunits: []\n"),
              "plan.yaml:2:8: 'units' must be a non-empty list"));
    auto syntax = problems_of("version: 1\nunits: [\n");
    REQUIRE(syntax.size() == 1);
    CHECK(syntax[0].rfind("plan.yaml:", 0) == 0);
    CHECK(
        has(problems_of("- a\n"), "plan.yaml:1:1: expected a mapping with 'version' and 'units'"));
  }

  TEST_CASE("relative catalogue paths are resolved against the plan's directory") {
    auto plan = parse_ok(
        "version: 1\nunits:\n  - unit: a.service\n    probe: /bin/true\n    catalogue: "
        "local.yaml\n  - unit: b.service\n    probe: /bin/true\n    catalogue: /abs.yaml\n");
    CHECK(plan.units[0].options.catalogue == "/etc/hb/local.yaml");
    CHECK(plan.units[1].options.catalogue == "/abs.yaml");
  }

  TEST_CASE("run options from the plan reach the RunConfig, the rest keep the base values") {
    auto plan = parse_ok(kThreeUnits);
    hb::RunConfig base;
    base.state_directory = "/state";
    base.timing.probe_timeout = 7s;
    auto config = hb::run_config_for(plan.units[1], base);
    CHECK(config.unit == "b.service");
    CHECK(config.timing.settle == 3500ms);
    CHECK(config.timing.probe_timeout == 7s);
    CHECK(config.check_maximal);
    CHECK(config.state_directory == "/state");
    CHECK(config.skip == std::vector<std::string>{"PrivateNetwork", "IPAddressDeny"});
  }

  TEST_CASE("--shard I/N parses strictly") {
    CHECK(hb::parse_shard("2/3").ok());
    CHECK(hb::parse_shard("2/3")->index == 2);
    for (const char* bad : {"0/2", "3/2", "1/0", "1", "a/b", "1/2/3", "-1/2", "", "/2"}) {
      CHECK_MESSAGE(!hb::parse_shard(bad).ok(), bad);
    }
  }

  TEST_CASE("shards are disjoint, cover the plan, are balanced and stable") {
    for (std::size_t size : {0u, 1u, 5u, 17u}) {
      for (std::size_t n : {1u, 2u, 3u, 7u}) {
        std::multiset<std::size_t> all;
        std::size_t smallest = size, largest = 0;
        for (std::size_t i = 1; i <= n; ++i) {
          auto part = hb::shard_positions(size, {i, n});
          CHECK(part == hb::shard_positions(size, {i, n}));
          smallest = std::min(smallest, part.size());
          largest = std::max(largest, part.size());
          all.insert(part.begin(), part.end());
        }
        CHECK(all.size() == size);
        CHECK(std::set<std::size_t>(all.begin(), all.end()).size() == size);
        CHECK(largest - smallest <= 1);
      }
    }
    CHECK(hb::shard_positions(5, {2, 2}) == std::vector<std::size_t>{1, 3});
  }

  TEST_CASE("one unit failing does not stop the others; user units are unsupported, not run") {
    auto plan = parse_ok(kThreeUnits);
    std::vector<std::string> ran;
    auto runner = [&](const hb::PlanUnit& u) -> hb::Result<hb::RunReport> {
      ran.push_back(u.unit);
      if (u.unit == "a.service")
        return hb::Error{"a.service not found", hb::ErrorKind::kUnitUnusable};
      return report_of(u.unit, {"PrivateTmp"}, {}, 20);
    };
    std::vector<std::string> done;
    auto units = hb::run_plan(plan, {0, 1, 2}, runner, {},
                              [&](const hb::PlanUnit& u, hb::UnitSummary&, const hb::RunReport*) {
                                done.push_back(u.unit);
                              });
    CHECK(ran == std::vector<std::string>{"a.service", "b.service"});
    CHECK(done == std::vector<std::string>{"a.service", "b.service", "c.service"});
    REQUIRE(units.size() == 3);
    CHECK(units[0].status == hb::UnitOutcome::kError);
    CHECK(units[0].error == "a.service not found");
    CHECK(units[1].status == hb::UnitOutcome::kPassed);
    CHECK(units[1].probes == std::vector<std::string>{"/bin/true --x y"});
    CHECK(units[2].status == hb::UnitOutcome::kUnsupported);
    CHECK(units[2].error.find("not supported") != std::string::npos);
    CHECK(hb::any_failed(units));
    CHECK_FALSE(hb::any_failed({units[1], units[2]}));
  }

  TEST_CASE(
      "a unit fails for its ceiling, the threshold, or failing as shipped; never for rejects") {
    auto plan = parse_ok(kThreeUnits);  // a.service has ceiling 3.0
    int after = 30;
    bool shipped_broken = false;
    auto runner = [&](const hb::PlanUnit& u) -> hb::Result<hb::RunReport> {
      if (shipped_broken) {
        return hb::Error{"the unhardened copy fails its probe", hb::ErrorKind::kBaselineFailed};
      }
      return report_of(u.unit, {"PrivateTmp"}, {"PrivateNetwork", "ProtectSystem"}, after);
    };
    auto units = hb::run_plan(plan, {0, 1}, runner, {});
    CHECK(units[0].status == hb::UnitOutcome::kPassed);  // 3.0 is not above 3.0
    CHECK(units[0].rejected.size() == 2);
    after = 31;
    units = hb::run_plan(plan, {0, 1}, runner, {});
    CHECK(units[0].status == hb::UnitOutcome::kFailed);
    REQUIRE(units[0].failures.size() == 1);
    CHECK(units[0].failures[0].kind == "above-ceiling");
    CHECK(units[0].failures[0].message == "exposure 3.1 is above the ceiling 3");
    CHECK(units[1].status == hb::UnitOutcome::kPassed);  // no ceiling
    hb::PlanRunSettings settings;
    settings.threshold = 2.5;
    units = hb::run_plan(plan, {0, 1}, runner, settings);
    CHECK(units[0].failures.size() == 2);
    CHECK(units[1].status == hb::UnitOutcome::kFailed);
    CHECK(units[1].failures[0].kind == "above-threshold");
    shipped_broken = true;
    units = hb::run_plan(plan, {1}, runner, {});
    CHECK(units[0].status == hb::UnitOutcome::kFailed);
    CHECK(units[0].failures[0].kind == "fails-as-shipped");
  }

  TEST_CASE("an option the baseline kept that now fails is a regression with its evidence") {
    auto plan = parse_ok(kThreeUnits);
    hb::Baseline baseline;
    baseline.kept["b.service"] = {{"ProtectSystem", "yes", "", ""}, {"PrivateTmp", "yes", "", ""}};
    baseline.kept["a.service"] = {{"ProtectSystem", "yes", "", ""}};
    auto runner = [&](const hb::PlanUnit& u) -> hb::Result<hb::RunReport> {
      if (u.unit == "a.service") return report_of(u.unit, {"ProtectSystem"}, {}, 20);
      return report_of(u.unit, {"PrivateTmp"}, {"ProtectSystem", "PrivateNetwork"}, 20);
    };
    hb::PlanRunSettings settings;
    settings.baseline = &baseline;
    auto units = hb::run_plan(plan, {0, 1}, runner, settings);
    CHECK(units[0].status == hb::UnitOutcome::kPassed);
    CHECK(units[1].status == hb::UnitOutcome::kFailed);
    REQUIRE(units[1].failures.size() == 1);  // PrivateNetwork was never kept: not a regression
    CHECK(units[1].failures[0].kind == "regression");
    CHECK(units[1].failures[0].message.find("ProtectSystem=yes") != std::string::npos);
    CHECK(units[1].failures[0].detail.find("permission denied") != std::string::npos);
  }

  TEST_CASE("summary.json round-trips every field") {
    auto plan = parse_ok(kThreeUnits);
    auto runner = [&](const hb::PlanUnit& u) -> hb::Result<hb::RunReport> {
      auto r = report_of(u.unit, {"PrivateTmp"}, {"ProtectSystem"}, 45);
      r.after.rows.push_back({"ProtectSystem=", "ProtectSystem", 1000, 10, 10});
      r.after.rows.push_back({"PrivateTmp=", "PrivateTmp", 1000, 10, 0});
      r.duration = 1234ms;
      return r;
    };
    hb::PlanSummary s;
    s.tool_version = "0.1.0";
    s.plan = "p.yaml";
    s.shards = {"1/2"};
    s.threshold = 4.0;
    s.units = hb::run_plan(plan, {0, 1, 2}, runner, {s.threshold, nullptr, {}});
    s.units[0].dropin_file = "a.service/50-harden-bisect.conf";
    const auto text = hb::render_summary_json(s);
    auto back = hb::parse_summary_json(text, "summary.json");
    REQUIRE_MESSAGE(back.ok(), (back.ok() ? "" : back.error().message));
    CHECK(hb::render_summary_json(*back) == text);
    CHECK(back->units[0].exposed.size() == 1);
    CHECK(back->units[0].exposed[0].id == "ProtectSystem=");
    CHECK(back->units[1].status == hb::UnitOutcome::kFailed);
    CHECK(back->units[2].status == hb::UnitOutcome::kUnsupported);
    CHECK_FALSE(hb::parse_summary_json("{}", "x.json").ok());
    CHECK_FALSE(hb::parse_summary_json("not json", "x.json").ok());
  }

  TEST_CASE("merging shard summaries gives the unsharded summary") {
    auto plan = parse_ok(kThreeUnits);
    auto runner = [&](const hb::PlanUnit& u) -> hb::Result<hb::RunReport> {
      return report_of(u.unit, {"PrivateTmp"}, {"ProtectSystem"}, u.unit == "a.service" ? 50 : 20);
    };
    hb::PlanSummary whole;
    whole.plan = "p.yaml";
    whole.units = hb::run_plan(plan, {0, 1, 2}, runner, {});
    std::vector<hb::PlanSummary> shards;
    for (std::size_t i = 2; i >= 1; --i) {  // reverse order: merge must not depend on it
      hb::PlanSummary part;
      part.plan = "p.yaml";
      part.shards = {hb::Shard{i, 2}.text()};
      part.units = hb::run_plan(plan, hb::shard_positions(3, {i, 2}), runner, {});
      shards.push_back(part);
    }
    auto merged = hb::merge_summaries(shards);
    REQUIRE(merged.ok());
    CHECK(merged->shards == std::vector<std::string>{"1/2", "2/2"});
    merged->shards.clear();
    CHECK(hb::render_summary_json(*merged) == hb::render_summary_json(whole));
    shards.push_back(shards[0]);
    CHECK_FALSE(hb::merge_summaries(shards).ok());  // a unit in two shard outputs
    shards.pop_back();
    shards[1].plan = "other.yaml";
    CHECK_FALSE(hb::merge_summaries(shards).ok());
  }

  TEST_CASE("a baseline is read from a JSON report, a summary.json or a plan output directory") {
    const auto dir = std::filesystem::temp_directory_path() / "hb-plan-baseline-test";
    std::filesystem::create_directories(dir);
    {
      std::ofstream(dir / "report.json")
          << R"({"unit": "x.service", "kept": [{"id": "PrivateTmp", "rung": "yes"}]})";
      hb::PlanSummary s;
      s.plan = "p.yaml";
      hb::UnitSummary u;
      u.unit = "y.service";
      u.after_tenths = 20;
      u.kept = {{"ProtectSystem", "strict", "ProtectSystem=strict", ""}};
      s.units = {u};
      std::ofstream(dir / "summary.json") << hb::render_summary_json(s);
    }
    auto report = hb::load_baseline((dir / "report.json").string());
    REQUIRE(report.ok());
    CHECK(report->kept.at("x.service")[0].id == "PrivateTmp");
    auto directory = hb::load_baseline(dir.string());
    REQUIRE(directory.ok());
    CHECK(directory->kept.at("y.service")[0].rung == "strict");
    CHECK_FALSE(hb::load_baseline((dir / "missing.json").string()).ok());
    std::filesystem::remove_all(dir);
  }

  TEST_CASE("the markdown summary and the terminal table show before/after and why a unit fails") {
    hb::PlanSummary s;
    s.plan = "p.yaml";
    hb::UnitSummary ok, bad;
    ok.unit = "ok.service";
    ok.before_tenths = 96;
    ok.after_tenths = 21;
    bad.unit = "bad.service";
    bad.status = hb::UnitOutcome::kFailed;
    bad.before_tenths = 92;
    bad.after_tenths = 45;
    bad.failures = {{"above-ceiling", "exposure 4.5 is above the ceiling 3|x", ""}};
    s.units = {ok, bad};
    const auto md = hb::render_summary_markdown(s);
    CHECK(md.find("| `ok.service` | 9.6 UNSAFE | 2.1 OK | 0 | 0 | passed |") != std::string::npos);
    CHECK(md.find("| `bad.service` | 9.2 UNSAFE | 4.5 OK | 0 | 0 | failed: exposure 4.5 is above "
                  "the ceiling 3/x |") != std::string::npos);
    CHECK(md.find("**above-ceiling**") != std::string::npos);
    std::ostringstream table;
    hb::print_plan_table(table, s.units, false);
    CHECK(table.str().find(
              "UNIT         BEFORE           AFTER            KEPT  REJECTED  RESULT\n") == 0);
    CHECK(table.str().find(
              "ok.service   9.6 UNSAFE       2.1 OK           0     0         passed\n") !=
          std::string::npos);
    CHECK(table.str().find("\033[") == std::string::npos);
  }
}
