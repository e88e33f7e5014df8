// `harden-bisect plan run|merge|validate`: many units in one go, for build farms (issue 12).
// Reads like a table of contents; the behaviour lives in src/plan and the report writers.
#include "plan_command.hpp"

#include <limits.h>
#include <pwd.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <sstream>

#include "harden_bisect/apply.hpp"
#include "harden_bisect/catalogue.hpp"
#include "harden_bisect/ci_writers.hpp"
#include "harden_bisect/exposure_scoring.hpp"
#include "harden_bisect/interrupt.hpp"
#include "harden_bisect/plan.hpp"
#include "harden_bisect/plan_discover.hpp"
#include "harden_bisect/plan_outputs.hpp"
#include "harden_bisect/plan_runner.hpp"
#include "harden_bisect/report_writers.hpp"
#include "harden_bisect/retrying_systemd_client.hpp"
#include "harden_bisect/run_driver.hpp"
#include "harden_bisect/run_journal.hpp"
#include "harden_bisect/sdbus_systemd_client.hpp"
#include "harden_bisect/weak_probe.hpp"

namespace hb {
namespace {

// SIGINT/SIGTERM/SIGHUP end the plan: the running unit cleans up, the rest is not started.
CancellationToken& plan_cancel() {
  static CancellationToken token;
  return token;
}

// One plain line per finished trial (no live line: several units share the terminal).
class TrialLines final : public RunObserver {
 public:
  explicit TrialLines(bool quiet) : quiet_(quiet) {}
  void trial_finished(const TrialRecord& record) override {
    if (!quiet_) print_trial_line(std::cerr, record, false);
  }

 private:
  bool quiet_;
};

namespace fs = std::filesystem;

struct PlanCliOptions {
  std::string plan_path;
  std::vector<std::string> merge_dirs;
  std::string out;
  std::string shard;
  std::string baseline;
  std::optional<double> threshold;
  std::string sarif_path;
  std::string catalogue_path;
  std::string state_directory = default_state_directory();
  bool quiet = false;
};

int fail(const Error& error) {
  std::cerr << "harden-bisect: " << error.message << "\n";
  return static_cast<int>(exit_code_for(error.kind));
}

std::string command_line(const std::vector<std::string>& argv) {
  std::string out;
  for (const auto& word : argv) out += (out.empty() ? "" : " ") + word;
  return out;
}

Status write_text(const fs::path& path, const std::string& content) {
  std::error_code ec;
  fs::create_directories(path.parent_path(), ec);
  if (ec) return Error{"cannot create " + path.parent_path().string() + ": " + ec.message()};
  return write_file_atomically(path.string(), content);
}

// Probe paths and the probe user of one entry, as the single-unit CLI checks them.
Result<RunConfig> resolve(const PlanUnit& entry, const RunConfig& base) {
  RunConfig config = run_config_for(entry, base);
  for (auto& argv : config.probes) {
    argv[0] = resolve_probe_path(argv[0]);  // a bare name may be a bundled probe (unit-active)
    if (auto problem = probe_path_problem(argv[0])) return Error{*problem, ErrorKind::kBadInput};
    char resolved[PATH_MAX];
    if (realpath(argv[0].c_str(), resolved)) argv[0] = resolved;
  }
  if (entry.options.probe_user) {
    const passwd* pw = getpwnam(entry.options.probe_user->c_str());
    if (!pw) {
      return Error{"probe-user " + *entry.options.probe_user + ": no such user",
                   ErrorKind::kBadInput};
    }
    config.probe_uid = pw->pw_uid;
    config.probe_gid = pw->pw_gid;
  } else if (const char* sudo_uid = getenv("SUDO_UID"); sudo_uid && geteuid() == 0) {
    if (const passwd* pw = getpwuid(static_cast<uid_t>(std::stoul(sudo_uid)))) {
      config.probe_uid = pw->pw_uid;
      config.probe_gid = pw->pw_gid;
    }
  }
  return config;
}

// summary.json, summary.md, junit.xml and results.sarif of `summary` into `out`, the table on
// stderr; returns the exit code.
int finish(const PlanSummary& summary, const PlanCliOptions& o) {
  const fs::path out(o.out);
  const std::pair<const char*, std::string> files[] = {
      {"summary.json", render_summary_json(summary)},
      {"summary.md", render_summary_markdown(summary)},
      {"junit.xml",
       render_junit(summary.units, "harden-bisect plan " + summary.plan, summary.tool_version)},
      {"results.sarif", render_sarif(summary.units, summary.tool_version)}};
  for (const auto& [name, content] : files) {
    if (auto s = write_text(out / name, content); !s) return fail(s.error());
  }
  if (!o.sarif_path.empty()) {
    if (auto s = write_text(o.sarif_path, files[3].second); !s) return fail(s.error());
  }
  if (!o.quiet) {
    std::cerr << "\n";
    print_plan_table(std::cerr, summary.units, isatty(STDERR_FILENO));
    std::cerr << "\nwrote " << (out / "summary.md").string() << ", junit.xml, results.sarif\n";
  }
  if (plan_cancel().cancelled()) return static_cast<int>(ExitCode::kInterrupted);
  return any_failed(summary.units) ? static_cast<int>(ExitCode::kUnitsFailed) : 0;
}

int plan_run(PlanCliOptions& o) {
  // 1. Input that needs no systemd: plan, shard, baseline, catalogues.
  std::vector<std::string> problems;
  auto plan = load_plan(o.plan_path, &problems);
  if (!plan) {
    for (std::size_t i = 1; i < problems.size(); ++i) std::cerr << problems[i] << "\n";
    return fail(plan.error());
  }
  Shard shard;
  if (!o.shard.empty()) {
    auto parsed = parse_shard(o.shard);
    if (!parsed) return fail(parsed.error());
    shard = *parsed;
  }
  std::optional<Baseline> baseline;
  if (!o.baseline.empty()) {
    auto loaded = load_baseline(o.baseline);
    if (!loaded) return fail(loaded.error());
    baseline = std::move(*loaded);
  }
  auto builtin = load_builtin_catalogue();
  if (!builtin) return fail(builtin.error());
  Catalogue default_catalogue = *builtin;
  if (!o.catalogue_path.empty()) {
    auto loaded = load_catalogue(o.catalogue_path, &*builtin);
    if (!loaded) return fail(loaded.error());
    default_catalogue = std::move(*loaded);
  }
  std::map<std::string, Result<Catalogue>> catalogues;  // plan `catalogue:` path -> loaded

  // 2. systemd.
  auto connected = connect_system_manager();
  if (!connected) return fail(connected.error());
  auto systemd = make_retrying(std::move(*connected), std::chrono::seconds(60));
  auto journal = open_journal("");
  PosixProbeRunner probes;

  PlanSummary summary;
  summary.tool_version = HB_VERSION;
  summary.plan = o.plan_path;
  if (!o.shard.empty()) summary.shards = {shard.text()};
  // The systemd the scores follow: 252's model, or the target's own systemd-analyze.
  auto scoring = decide_exposure_scoring(*systemd, probes, systemd_analyze_candidates(""), "");
  summary.systemd_version = scoring.manager_version;
  if (!o.quiet && !scoring.note().empty()) std::cerr << "harden-bisect: " << scoring.note() << "\n";
  summary.threshold = o.threshold;
  summary.baseline = o.baseline;

  RunConfig base;
  base.state_directory = o.state_directory;
  const auto positions = shard_positions(plan->units.size(), shard);
  std::size_t started = 0;

  // 3. The units, one after another.
  auto run_unit = [&](const PlanUnit& entry) -> Result<RunReport> {
    if (!o.quiet) {
      std::cerr << "[" << ++started << "/" << positions.size() << "] " << entry.unit << "\n";
    }
    auto config = resolve(entry, base);
    if (!config) return config.error();
    const Catalogue* catalogue = &default_catalogue;
    if (entry.options.catalogue) {
      auto [it, fresh] = catalogues.try_emplace(*entry.options.catalogue,
                                                Error{"not loaded", ErrorKind::kBadInput});
      if (fresh) it->second = load_catalogue(*entry.options.catalogue, &*builtin);
      if (!it->second) return it->second.error();
      catalogue = &*it->second;
    }
    TrialLines lines(o.quiet);
    RunPorts ports{*systemd, probes, journal.get(), &plan_cancel(), &lines};
    auto report = run_hardening(*config, *catalogue, ports);
    if (!report) return report;
    report->tool_version = HB_VERSION;
    if (scoring.source == ScoringSource::kTargetAnalyze) {
      auto info = systemd->load_unit(entry.unit);
      std::vector<std::string> commands;
      for (const auto& argv : entry.probes) commands.push_back(command_line(argv));
      const auto draft = render_dropin_file(*report, dropin_header(commands));
      Status s = info ? rescore_with_analyze(scoring, *info, draft, probes, *report) : info.error();
      if (!s)
        spdlog::warn("{}: scores follow systemd 252's table: {}", entry.unit, s.error().message);
    }
    return report;
  };
  auto write_unit = [&](const PlanUnit& entry, UnitSummary& unit, const RunReport* report) {
    if (!o.quiet && !unit.error.empty()) spdlog::error("{}: {}", entry.unit, unit.error);
    if (!report) return;
    std::vector<std::string> probe_lines;
    for (const auto& argv : entry.probes) probe_lines.push_back(command_line(argv));
    DropinHeader header = dropin_header(probe_lines);
    ReportContext context;
    context.systemd_version = summary.systemd_version;
    context.scored_by = scoring.scored_by();
    context.scoring_note = scoring.note();
    context.probes = header.probes;
    context.dropin = render_dropin_file(*report, header);
    unit.dropin_file = entry.unit + "/50-harden-bisect.conf";
    unit.report_file = entry.unit + "/report.json";
    if (auto s = write_text(fs::path(o.out) / unit.dropin_file, context.dropin); !s) {
      spdlog::error("{}", s.error().message);
    }
    if (auto s = write_text(fs::path(o.out) / unit.report_file, render_json(*report, context));
        !s) {
      spdlog::error("{}", s.error().message);
    }
  };
  PlanRunSettings settings;
  settings.threshold = o.threshold;
  settings.baseline = baseline ? &*baseline : nullptr;
  settings.stop = [] { return plan_cancel().cancelled(); };
  summary.units = run_plan(*plan, positions, run_unit, settings, write_unit);

  // 4. Summaries.
  return finish(summary, o);
}

int plan_merge(PlanCliOptions& o) {
  std::vector<PlanSummary> shards;
  for (const auto& dir : o.merge_dirs) {
    const auto path = (fs::path(dir) / "summary.json").string();
    auto text = read_file(path);
    if (!text) return fail(text.error());
    auto parsed = parse_summary_json(*text, path);
    if (!parsed) return fail(parsed.error());
    shards.push_back(std::move(*parsed));
  }
  auto merged = merge_summaries(shards);
  if (!merged) return fail(merged.error());
  // The per-unit drop-ins and reports come along, so the merged directory is complete.
  std::error_code ec;
  fs::create_directories(o.out, ec);
  for (std::size_t i = 0; i < shards.size(); ++i) {
    for (const auto& unit : shards[i].units) {
      for (const auto& file : {unit.dropin_file, unit.report_file}) {
        if (file.empty()) continue;
        const auto target = fs::path(o.out) / file;
        fs::create_directories(target.parent_path(), ec);
        fs::copy_file(fs::path(o.merge_dirs[i]) / file, target,
                      fs::copy_options::overwrite_existing, ec);
        if (ec) return fail({"cannot copy " + file + ": " + ec.message(), ErrorKind::kInternal});
      }
    }
  }
  return finish(*merged, o);
}

// Every service loaded on the host, as a plan on stdout (the decisions: plan_discover.cpp).
int plan_discover() {
  auto systemd = connect_system_manager();
  if (!systemd) return fail(systemd.error());
  auto names = (*systemd)->list_units("");
  if (!names) return fail(names.error());
  std::vector<UnitInfo> units;
  for (const auto& name : *names) {
    if (name.size() < 8 || name.compare(name.size() - 8, 8, ".service") != 0) {
      units.push_back(UnitInfo{name, "", "", "", "", "", {}, {}});  // counted, never run
      continue;
    }
    auto info = (*systemd)->load_unit(name);
    if (!info) return fail(info.error());
    units.push_back(std::move(*info));
  }
  auto version = (*systemd)->manager_version();
  auto text = render_discovered_plan(std::move(units), version ? *version : "");
  if (!text) return fail(text.error());
  std::cout << *text;
  return 0;
}

int plan_validate(const PlanCliOptions& o) {
  std::vector<std::string> problems;
  auto plan = load_plan(o.plan_path, &problems);
  if (!plan) {
    for (const auto& p : problems) std::cerr << p << "\n";
    return static_cast<int>(exit_code_for(plan.error().kind));
  }
  std::cout << o.plan_path << ": " << plan->units.size() << " units, valid\n";
  return 0;
}

}  // namespace

int plan_command(int argc, char** argv) {
  PlanCliOptions o;
  CLI::App app{"harden-bisect plan: harden many units in one go (docs/plan.md)",
               "harden-bisect plan"};
  app.require_subcommand(1);
  auto* run = app.add_subcommand("run", "Run every unit of PLAN.yaml; write reports into --out");
  run->add_option("plan", o.plan_path, "Plan file (YAML, version 1)")->required();
  run->add_option("--out", o.out, "Output directory")->required();
  run->add_option("--shard", o.shard,
                  "Run only shard I of N (I/N): plan entries k with k mod N = I-1");
  run->add_option("--baseline", o.baseline,
                  "Earlier plan output directory, summary.json or JSON report: an option kept "
                  "there that now fails is a regression (exit non-zero)");
  run->add_option("--threshold", o.threshold,
                  "Fail a unit whose final exposure is above this (0.0..10.0)")
      ->check(CLI::Range(0.0, 10.0));
  run->add_option("--sarif", o.sarif_path, "Also write the SARIF 2.1.0 results here");
  run->add_option("--catalogue", o.catalogue_path, "Option catalogue YAML for every unit");
  run->add_option("--state-dir", o.state_directory, "Where per-unit locks and journals live")
      ->capture_default_str();
  run->add_flag("-q,--quiet", o.quiet, "Only errors on stderr");
  auto* merge = app.add_subcommand("merge", "Combine shard output directories into one");
  merge->add_option("dirs", o.merge_dirs, "Shard output directories")->required();
  merge->add_option("--out", o.out, "Output directory")->required();
  merge->add_option("--sarif", o.sarif_path, "Also write the SARIF 2.1.0 results here");
  merge->add_flag("-q,--quiet", o.quiet, "Only errors on stderr");
  auto* discover = app.add_subcommand(
      "discover",
      "Write a plan for every running service of this host to stdout, with the weak default "
      "probe (the copy stays active for " +
          std::to_string(kDiscoverSettle.count()) +
          " s); services left out are named with the reason");
  auto* validate = app.add_subcommand("validate", "Check PLAN.yaml and list every problem");
  validate->add_option("plan", o.plan_path, "Plan file")->required();
  app.footer(
      "Exit codes: 0 every unit passed, 11 a unit failed (probe as shipped, ceiling, threshold, "
      "regression) or could not be run, 2 usage, 3 bad plan/baseline, 6 systemd, 130 "
      "interrupted.");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : static_cast<int>(ExitCode::kUsage);
  }
  if (validate->parsed()) return plan_validate(o);
  if (discover->parsed()) return plan_discover();
  spdlog::set_default_logger(spdlog::stderr_color_mt("harden-bisect"));
  spdlog::set_pattern("%^%l%$: %v");
  spdlog::set_level(o.quiet ? spdlog::level::err : spdlog::level::info);
  cancel_on_signals(plan_cancel());
  if (merge->parsed()) return plan_merge(o);
  return plan_run(o);
}

}  // namespace hb
