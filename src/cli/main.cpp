// harden-bisect: find, with few trials, the strongest hardening a service survives.
// main() only parses, dispatches and maps errors to exit codes; the run itself is the library
// call run_hardening, --apply is apply_dropin.
#include <pwd.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <charconv>
#include <cstring>
#include <ctime>
#include <fstream>
#include <iostream>
#include <sstream>

#include "cli_conventions.hpp"
#include "harden_bisect/apply.hpp"
#include "harden_bisect/catalogue.hpp"
#include "harden_bisect/exposure_scoring.hpp"
#include "harden_bisect/interrupt.hpp"
#include "harden_bisect/report_writers.hpp"
#include "harden_bisect/retrying_systemd_client.hpp"
#include "harden_bisect/run_driver.hpp"
#include "harden_bisect/run_journal.hpp"
#include "harden_bisect/sdbus_systemd_client.hpp"
#include "isolation_options.hpp"
#include "lint_command.hpp"
#include "plan_command.hpp"
#include "submit_command.hpp"
#include "verify_command.hpp"

namespace {

using namespace hb;
using std::chrono::milliseconds;

struct CliOptions {
  RunConfig run;
  std::vector<std::string> probe_commands;  // each --probe, split at spaces
  std::vector<std::string> probe_argv;      // the probe after "--", words as given
  std::string catalogue_path;
  std::string output;             // "" = stdout, unless the JSON report goes there
  std::string json_mode = "off";  // --json: pretty|short report on stdout
  std::string json_path;          // --json-file
  std::string junit_path;
  std::string root;
  std::string probe_user;
  bool user = false;    // --user (--system is the default)
  std::string machine;  // -M
  std::string host;     // -H
  bool apply = false;
  bool verify = false;  // `harden-bisect verify ...`: the same options, a verify report
  bool list_options = false;
  bool no_pager = false;
  bool color = false;  // NO_COLOR / SYSTEMD_COLORS, else whether stderr is a terminal
  int verbose = 0;
  bool quiet = false;
  double probe_timeout_s = 5, settle_s = 5, start_timeout_s = 30, stop_timeout_s = 15;
};

// Prints the error and turns it into the process exit code, by its kind alone.
int exit_with(const Error& error, const CancellationToken& cancel) {
  // A signal can surface as any error (an interrupted bus call); cleanup has run either way.
  if (cancel.cancelled() && error.kind != ErrorKind::kInterrupted) {
    std::cerr << "harden-bisect: interrupted (" << error.message << ")\n";
    return static_cast<int>(ExitCode::kInterrupted);
  }
  std::cerr << "harden-bisect: " << error.message << "\n";
  return static_cast<int>(exit_code_for(error.kind));
}

std::vector<std::string> split_words(const std::string& command) {
  std::istringstream in(command);
  std::vector<std::string> words;
  for (std::string w; in >> w;) words.push_back(w);
  return words;
}

milliseconds seconds_to_ms(double s) { return milliseconds(static_cast<long long>(s * 1000)); }

// Checks everything that can be checked before touching systemd; collects all problems.
Status validate(CliOptions& o) {
  std::vector<Error> problems;
  if (o.probe_commands.empty() && o.probe_argv.empty() && !o.list_options)
    problems.push_back(
        {"a probe is required: --probe PROBE, or PROBE after --", ErrorKind::kUsage});
  if (o.json_mode != "off" && o.output == "-")
    problems.push_back({"--json=" + o.json_mode + " and -o - both want stdout", ErrorKind::kUsage});
  std::vector<std::vector<std::string>> probes;
  for (const auto& command : o.probe_commands) probes.push_back(split_words(command));
  if (!o.probe_argv.empty()) probes.push_back(o.probe_argv);
  for (auto argv : probes) {
    if (argv.empty()) {
      problems.push_back({"empty --probe", ErrorKind::kUsage});
      continue;
    }
    argv[0] = resolve_probe_path(argv[0]);  // a bare name may be a bundled probe
    if (auto problem = probe_path_problem(argv[0]))
      problems.push_back({*problem, ErrorKind::kBadInput});
    char resolved[PATH_MAX];
    if (realpath(argv[0].c_str(), resolved)) argv[0] = resolved;  // survives chdir and HOME
    o.run.probes.push_back(argv);
  }
  if (!o.probe_user.empty()) {
    const passwd* pw = getpwnam(o.probe_user.c_str());
    if (!pw) {
      problems.push_back({"--probe-user " + o.probe_user + ": no such user", ErrorKind::kUsage});
    } else {
      o.run.probe_uid = pw->pw_uid;
      o.run.probe_gid = pw->pw_gid;
    }
  } else if (const char* sudo_uid = getenv("SUDO_UID"); sudo_uid && geteuid() == 0) {
    // Probes run as the invoking user, not as root, unless --probe-user says otherwise.
    // SUDO_UID is environment input: a malformed value is ignored, never thrown past main.
    uid_t uid = 0;
    const char* end = sudo_uid + std::strlen(sudo_uid);
    auto [rest, ec] = std::from_chars(sudo_uid, end, uid);
    const passwd* pw =
        ec == std::errc() && rest == end && rest != sudo_uid ? getpwuid(uid) : nullptr;
    if (pw) {
      o.run.probe_uid = pw->pw_uid;
      o.run.probe_gid = pw->pw_gid;
    } else {
      spdlog::warn("ignoring SUDO_UID={}: not a known user id", sudo_uid);
    }
  }
  if (!o.list_options) {
    if (auto s = check_unit_name(o.run.unit); !s) problems.push_back(s.error());
  }
  if (auto target = make_manager_target(o.user, o.machine, o.host); !target) {
    problems.push_back(target.error());
  } else {
    o.run.manager = *target;
  }
  if (problems.empty()) return {};
  // The first problem decides the exit code (by its kind); the others are logged.
  Error first = problems.front();
  if (problems.size() > 1) {
    first.message += " (and " + std::to_string(problems.size() - 1) + " more)";
  }
  for (std::size_t i = 1; i < problems.size(); ++i) spdlog::error("{}", problems[i].message);
  return first;
}

// Every option, its help text and its default, in the groups --help shows; `o` carries the
// defaults.
void define_options(CLI::App& app, CliOptions& o) {
  app.formatter(make_help_formatter(
      "harden-bisect [OPTIONS] --probe PROBE UNIT\n"
      "       harden-bisect [OPTIONS] UNIT -- PROBE [ARG...]\n"
      "       harden-bisect verify|lint|plan ... (see harden-bisect COMMAND --help)"));
  app.set_version_flag("--version", std::string("harden-bisect ") + HB_VERSION +
                                        " (exposure model and options of systemd " +
                                        kModelSystemdVersion + ")");
  app.set_help_flag("-h,--help", "Print this help and exit");
  app.add_option("unit", o.run.unit,
                 "Service unit to harden (`nginx` means nginx.service); a probe may follow "
                 "after --, its words passed as given")
      ->type_name("");

  const std::string probe = "Probe";
  app.add_option("-p,--probe", o.probe_commands,
                 "Health probe: an executable (exit 0 = healthy) and its arguments, separated "
                 "by spaces; no shell is involved. Repeatable: all probes must pass. Gets "
                 "HB_UNIT, HB_COPY, HB_MAINPID, HB_TRIAL in its environment")
      ->allow_extra_args(false)
      ->type_name("PROBE")
      ->group(probe);
  app.add_option("--probe-user", o.probe_user,
                 "Run probes as this user (default: the invoking user under sudo, else the caller)")
      ->type_name("USER")
      ->group(probe);
  app.add_option("--probe-timeout", o.probe_timeout_s,
                 "Seconds one probe run may take; hitting it is a hang")
      ->type_name("SECONDS")
      ->check(seconds_validator(false))
      ->capture_default_str()
      ->group(probe);
  app.add_option("--settle", o.settle_s,
                 "Seconds after start in which failing probes are retried before the verdict")
      ->type_name("SECONDS")
      ->check(seconds_validator(true))
      ->capture_default_str()
      ->group(probe);
  app.add_option("--start-timeout", o.start_timeout_s, "Seconds a copy may take to start")
      ->type_name("SECONDS")
      ->check(seconds_validator(false))
      ->capture_default_str()
      ->group(probe);
  app.add_option("--stop-timeout", o.stop_timeout_s,
                 "Seconds a copy may take to stop before it is SIGKILLed")
      ->type_name("SECONDS")
      ->check(seconds_validator(false))
      ->capture_default_str()
      ->group(probe);

  const std::string search = "Search";
  app.add_option("--only", o.run.only, "Only try options whose id starts with this (repeatable)")
      ->allow_extra_args(false)
      ->type_name("ID")
      ->group(search);
  app.add_option("--skip", o.run.skip, "Never try options whose id starts with this (repeatable)")
      ->allow_extra_args(false)
      ->type_name("ID")
      ->group(search);
  app.add_option("--catalogue", o.catalogue_path,
                 "Option catalogue YAML (replaces the builtin one; `extends: builtin` in the "
                 "file extends it instead)")
      ->type_name("FILE")
      ->group(search);
  app.add_option("--confirm", o.run.search.confirmations, "Times the final set must pass in a row")
      ->type_name("N")
      ->check(count_validator(1))
      ->capture_default_str()
      ->group(search);
  app.add_option("--retries", o.run.search.retries,
                 "Re-runs of a failing trial before it is believed (flaky probes)")
      ->type_name("N")
      ->check(count_validator(0))
      ->capture_default_str()
      ->group(search);
  app.add_flag("--trace,!--no-trace", o.run.trace,
               "Trace the baseline copy's capability checks, syscalls, socket families and "
               "namespaces (tracefs) to order the search and fill the usage table (default on "
               "where available)")
      ->group(search);
  app.add_flag("--repairs,!--no-repairs", o.run.repairs,
               "When a strong option fails, try it with a narrow grant that repairs what broke "
               "(ProtectSystem=strict + StateDirectory=, DynamicUser=yes + AmbientCapabilities=) "
               "before a weaker rung (default on)")
      ->group(search);
  app.add_flag("--check-maximal", o.run.check_maximal,
               "After the search, prove the result is maximal: run the final set plus each "
               "rejected rung alone (one extra trial each); exit 9 if any of them passes")
      ->group(search);
  app.add_flag("--list-options", o.list_options,
               "Print the option catalogue (as --only/--skip restrict it) and exit")
      ->group(search);

  const std::string unit = "Unit and system";
  app.add_flag("--user,!--system", o.user,
               "Harden a unit of the caller's user manager (systemctl --user); options it cannot "
               "carry out or enforce are skipped or listed as such. --system (default): PID 1")
      ->group(unit);
  app.add_option("-M,--machine", o.machine,
                 "Talk to the manager of a container (-M NAME), or with --user to USER's manager "
                 "(--user -M USER@.host, as root), as systemctl does. Probes still run here")
      ->type_name("CONTAINER")
      ->group(unit);
  app.add_option("-H,--host", o.host,
                 "Talk to the system manager of a remote host over ssh, as systemctl does. Probes "
                 "still run here")
      ->type_name("[USER@]HOST")
      ->group(unit);
  app.add_flag("--stop-original", o.run.stop_original,
               "Stop the running original during the run (copies would fight over its ports "
               "and files); it is started again on every exit path")
      ->group(unit);
  app.add_flag("--apply", o.apply,
               "Install the drop-in as /etc/systemd/system/UNIT.d/50-harden-bisect.conf (with "
               "--user ~/.config/systemd/user/UNIT.d/ of the manager's user), reload, restart "
               "the unit if it runs, probe it, and roll back if the probe fails")
      ->group(unit);
  app.add_option("--root", o.root,
                 "File system root of the target system (for --apply and the journal), e.g. a "
                 "container's root seen from the host")
      ->type_name("DIR")
      ->group(unit);
  app.add_option("--state-dir", o.run.state_directory,
                 "Where the per-unit lock and trial journal live ($STATE_DIRECTORY or "
                 "/var/lib/harden-bisect)")
      ->capture_default_str()
      ->type_name("DIR")
      ->group(unit);
  app.add_flag("--resume", o.run.resume,
               "Continue an interrupted run of the same unit with the same options: recorded "
               "verdicts are reused, no trial is repeated")
      ->group(unit);

  const std::string output = "Output";
  app.add_option("-o,--output", o.output,
                 "Write the drop-in here ('-' = stdout, the default unless --json is on)")
      ->type_name("FILE")
      ->group(output);
  app.add_option("--json", o.json_mode,
                 "Print the JSON report on stdout instead of the drop-in (which it contains): "
                 "pretty, short or off (see docs/report-json.md)")
      ->type_name("MODE")
      ->check(json_mode_validator("--json-file"))
      ->capture_default_str()
      ->group(output);
  app.add_option("--json-file", o.json_path, "Also write the JSON report (pretty) to this file")
      ->type_name("FILE")
      ->group(output);
  app.add_option("--junit", o.junit_path, "Write a JUnit XML report here")
      ->type_name("FILE")
      ->group(output);
  app.add_flag("--no-pager", o.no_pager, "Do not pipe --list-options into a pager")->group(output);
  app.add_flag("-v,--verbose", o.verbose, "Debug logging; twice: also every property sent")
      ->group(output);
  app.add_flag("-q,--quiet", o.quiet, "Only errors on stderr")->group(output);
  app.footer(
      "Colours follow NO_COLOR and SYSTEMD_COLORS, the pager SYSTEMD_PAGER and PAGER.\n"
      "Exit codes: 0 ok, 1 internal error, 2 usage, 3 bad input (probe, catalogue), 4 unit "
      "unusable, 5 service fails unhardened, 6 systemd/bus error, 7 locked, 8 --apply rolled "
      "back, 9 not maximal (--check-maximal), 10 deadline passed (a job, a stop), "
      "130 interrupted.");
}

// Log level from -v/-q; messages go to stderr as "level: text".
void set_up_logging(const CliOptions& o) {
  auto logger = spdlog::stderr_color_mt(
      "harden-bisect", o.color ? spdlog::color_mode::always : spdlog::color_mode::never);
  spdlog::set_default_logger(logger);
  spdlog::set_pattern("%^%l%$: %v");
  spdlog::set_level(o.quiet ? spdlog::level::err
                            : (o.verbose > 1    ? spdlog::level::trace
                               : o.verbose == 1 ? spdlog::level::debug
                                                : spdlog::level::info));
}

// The builtin catalogue, replaced or extended by --catalogue.
Result<Catalogue> load_catalogue_option(const CliOptions& o) {
  auto builtin = load_builtin_catalogue();
  if (!builtin) return builtin.error();
  if (o.catalogue_path.empty()) return builtin;
  return load_catalogue(o.catalogue_path, &*builtin);
}

bool starts_with_any(const std::string& id, const std::vector<std::string>& prefixes) {
  for (const auto& p : prefixes) {
    if (id.starts_with(p)) return true;
  }
  return false;
}

// Whether the option would be tried as far as --only/--skip decide (as the run driver does).
bool selected(const CatalogueOption& option, const RunConfig& run) {
  return (run.only.empty() || starts_with_any(option.id, run.only)) &&
         !starts_with_any(option.id, run.skip);
}

// An --only or --skip pattern no catalogue option starts with is a typo: an error, not a run
// that silently tries everything (or nothing).
Status check_patterns(const RunConfig& run, const Catalogue& catalogue) {
  for (const auto* list : {&run.only, &run.skip}) {
    for (const auto& pattern : *list) {
      bool any = false;
      for (const auto& option : catalogue.options) any = any || option.id.starts_with(pattern);
      if (!any) {
        return Error{std::string(list == &run.only ? "--only " : "--skip ") + pattern +
                         ": no option of the catalogue starts with this (see --list-options)",
                     ErrorKind::kUsage};
      }
    }
  }
  return {};
}

// --list-options: one line per option --only/--skip select (id, group, why), paged on a tty.
Status list_options(const CliOptions& o, const Catalogue& catalogue) {
  Pager pager(o.no_pager);
  for (const auto& option : catalogue.options) {
    if (!selected(option, o.run)) continue;
    std::cout << option.id << "\t" << option.group << "\t" << option.why << "\n";
  }
  std::cout << std::flush;
  return {};
}

// A drop-in of an earlier run is part of the unit now: a new run would take its settings as
// the baseline and a new file with the same name would silently drop them.
Status check_earlier_dropin(const CliOptions& o, SystemdClient& systemd) {
  auto info = systemd.load_unit(o.run.unit);
  if (!info) return {};  // the run reports an unusable unit with its own message
  for (const auto& path : info->drop_in_paths) {
    if (!path.ends_with("/50-harden-bisect.conf")) continue;
    if (o.apply) {
      return Error{o.run.unit + " already has " + path +
                       "; remove it and reload systemd before hardening again with --apply",
                   ErrorKind::kUnitUnusable};
    }
    spdlog::warn("{} already has {}; its settings count as the unit's own here", o.run.unit, path);
  }
  return {};
}

// What a trial tests, for the live line: the group under test and what it carries on top.
std::string describe_trial(const TrialStart& trial) {
  std::string what;
  if (trial.testing.empty()) {
    what = trial.on_top_of_kept == 0 ? "baseline (nothing added)" : "the kept set again";
  } else {
    what = trial.testing.front();
    if (trial.testing.size() > 1) {
      what = std::to_string(trial.testing.size()) + " options: " + what + ", +" +
             std::to_string(trial.testing.size() - 1) + " more";
    }
  }
  if (trial.on_top_of_kept > 0)
    what += " + on top of " + std::to_string(trial.on_top_of_kept) + " kept";
  return what;
}

// Trial lines on stderr; on a terminal the running trial shows as a live line, replaced by its
// result line.
class TerminalProgress final : public RunObserver {
 public:
  TerminalProgress(bool quiet, bool tty, bool color) : quiet_(quiet), tty_(tty), color_(color) {}
  void trial_started(const TrialStart& trial) override {
    if (quiet_ || !tty_) return;
    std::cerr << "\r\033[Ktrial " << trial.number << "  " << describe_trial(trial)
              << "  running… (~" << trial.estimated_trials_left << " left)" << std::flush;
  }
  void trial_finished(const TrialRecord& record) override {
    if (quiet_) return;
    if (tty_) std::cerr << "\r\033[K";
    print_trial_line(std::cerr, record, color_);
  }

 private:
  bool quiet_;
  bool tty_;    // the running trial is shown as a live line
  bool color_;  // verdicts in colour
};

// The probes as the reports show them: each --probe as given, the one after -- quoted.
std::vector<std::string> probe_lines(const CliOptions& o) {
  auto lines = o.probe_commands;
  if (!o.probe_argv.empty()) lines.push_back(quote_command(o.probe_argv));
  return lines;
}

// The drop-in, JSON and JUnit reports, each where the options say. stdout gets the drop-in, or
// with --json=pretty|short the JSON report (which carries the drop-in text).
Status write_reports(const CliOptions& o, const RunReport& report, const std::string& dropin,
                     const ExposureScoring& scoring) {
  const ReportContext context{scoring.manager_version, probe_lines(o), dropin, scoring.scored_by(),
                              scoring.note()};
  const bool json_on_stdout = o.json_mode != "off";
  const std::string dropin_path = o.output.empty() ? (json_on_stdout ? "" : "-") : o.output;
  if (auto s = write_output(dropin_path, dropin); !s) return s;
  if (json_on_stdout) {
    if (auto s = write_output("-", render_json(report, context, o.json_mode == "pretty")); !s)
      return s;
  }
  if (auto s = write_output(o.json_path, render_json(report, context)); !s) return s;
  return write_output(o.junit_path, render_junit(report));
}

// With the target's own systemd-analyze (another systemd than 252), its scores replace the
// model's; when that fails, the model's stay and `scoring` says so.
void rescore(ExposureScoring& scoring, SystemdClient& systemd, ProbeRunner& probes,
             const std::vector<std::string>& probe_commands, RunReport& report) {
  if (scoring.source != ScoringSource::kTargetAnalyze) return;
  const auto draft = render_dropin_file(report, dropin_header(probe_commands));
  auto info = systemd.load_unit(report.unit);
  Status s = info ? rescore_with_analyze(scoring, *info, draft, probes, report) : info.error();
  if (s) return;
  spdlog::warn("{}: {}", scoring.analyze, s.error().message);
  scoring.source = ScoringSource::kBuiltin252Only;
  std::cerr << "harden-bisect: " << scoring.note() << "\n";
}

// A rejected rung that passes on top of the final set means the result is not maximal.
Status check_maximal_result(const RunReport& report) {
  for (const auto& r : report.rejected) {
    if (r.maximality && r.maximality->passed()) {
      return Error{"not maximal: " + r.rung + " passes when added to the final set",
                   ErrorKind::kNotMaximal};
    }
  }
  return {};
}

// The main command: connect, run, write the reports, check maximality, --apply.
Status harden(const CliOptions& o, const Catalogue& catalogue, const CancellationToken& cancel) {
  auto connected = connect_manager(o.run.manager);
  if (!connected) return connected.error();
  // systemd may re-execute mid-run (package upgrades do): calls are repeated for up to 60 s.
  auto systemd = make_retrying(std::move(*connected), std::chrono::seconds(60));
  auto journal = open_journal(o.root);
  PosixProbeRunner probes;
  const bool tty = isatty(STDERR_FILENO);
  if (auto s = check_earlier_dropin(o, *systemd); !s) return s;

  // The systemd the scores follow: 252's model, or the target's own systemd-analyze.
  auto scoring =
      decide_exposure_scoring(*systemd, probes, systemd_analyze_candidates(o.root), o.root);
  if (!o.quiet && !scoring.note().empty()) std::cerr << "harden-bisect: " << scoring.note() << "\n";

  TerminalProgress progress(o.quiet, tty, o.color);
  auto report =
      run_hardening(o.run, catalogue, {*systemd, probes, journal.get(), &cancel, &progress});
  if (!report) return report.error();
  report->tool_version = HB_VERSION;
  rescore(scoring, *systemd, probes, probe_lines(o), *report);

  if (!o.quiet) print_summary(std::cerr, *report, o.color);
  const auto dropin = render_dropin_file(*report, dropin_header(probe_lines(o)));
  if (auto s = write_reports(o, *report, dropin, scoring); !s) return s;
  if (auto s = check_maximal_result(*report); !s) return s;
  if (!o.apply) return {};
  auto location = dropin_location(o.root, o.run.unit, o.run.manager);
  if (!location) return location.error();
  return apply_dropin({o.run.unit, o.root, dropin, probe_specs(o.run), o.run.timing, *location},
                      {*systemd, probes, &cancel});
}

// `harden-bisect verify`: the search on the unit as shipped, reported as (a), (b), (c).
Result<int> verify(const CliOptions& o, const Catalogue& catalogue,
                   const CancellationToken& cancel) {
  if (o.apply) {
    return Error{"verify never changes the unit; --apply is not for verify", ErrorKind::kUsage};
  }
  auto connected = connect_manager(o.run.manager);
  if (!connected) return connected.error();
  auto systemd = make_retrying(std::move(*connected), std::chrono::seconds(60));
  auto journal = open_journal(o.root);
  PosixProbeRunner probes;
  TerminalProgress progress(o.quiet, isatty(STDERR_FILENO), o.color);
  return run_verify(o.run, catalogue, {*systemd, probes, journal.get(), &cancel, &progress},
                    {o.json_mode, o.json_path, o.output, o.junit_path, probe_lines(o)});
}

// Parse -> validate -> dispatch; the rest is in the command. Gives the exit status.
Result<int> run_command(CliOptions& o, const CancellationToken& cancel) {
  if (o.run.unit.empty() && !o.list_options) {
    return Error{"no unit given (see --help)", ErrorKind::kUsage};
  }
  o.run.unit = with_service_suffix(o.run.unit);  // `nginx` means nginx.service, as in systemctl
  if (auto s = validate(o); !s) return s.error();
  o.run.timing.probe_timeout = seconds_to_ms(o.probe_timeout_s);
  o.run.timing.settle = seconds_to_ms(o.settle_s);
  o.run.timing.start_timeout = seconds_to_ms(o.start_timeout_s);
  o.run.timing.stop_timeout = seconds_to_ms(o.stop_timeout_s);
  auto catalogue = load_catalogue_option(o);
  if (!catalogue) return catalogue.error();
  if (auto s = check_patterns(o.run, *catalogue); !s) return s.error();
  if (o.list_options) {
    if (auto s = list_options(o, *catalogue); !s) return s.error();
    return 0;
  }
  if (o.verify) return verify(o, *catalogue, cancel);
  if (auto s = harden(o, *catalogue, cancel); !s) return s.error();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  // Subcommands with their own options (src/cli/*_command.cpp).
  if (argc > 1 && std::string_view(argv[1]) == "lint") return run_lint_command(argc - 1, argv + 1);
  if (argc > 1 && std::string_view(argv[1]) == "plan") return hb::plan_command(argc - 1, argv + 1);
  // The daemon's client (issue 14): submit, jobs, cancel.
  if (argc > 1 && std::string_view(argv[1]) == "submit")
    return hb::submit_command(argc - 1, argv + 1);
  if (argc > 1 && std::string_view(argv[1]) == "jobs") return hb::jobs_command(argc - 1, argv + 1);
  if (argc > 1 && std::string_view(argv[1]) == "cancel")
    return hb::cancel_command(argc - 1, argv + 1);
  // 1. The command line; a probe may follow "--", its words as given. `verify` takes the
  // main command's options.
  CliOptions o;
  o.verify = argc > 1 && std::string_view(argv[1]) == "verify";
  if (o.verify) {
    --argc;
    ++argv;
  }
  o.run.state_directory = default_state_directory();
  auto split = split_at_dashes(argc, argv);
  o.probe_argv = split.probe;
  CLI::App app{
      "harden-bisect: finds the strongest systemd hardening a service survives, by probing "
      "transient copies of it (group testing), and writes it as a drop-in."};
  define_options(app, o);
  add_isolation_options(app, o.run);
  if (o.verify) {
    app.name("harden-bisect verify");
    app.description(
        "harden-bisect verify: for a maintainer, (a) whether the unit as shipped passes its "
        "probe, (b) which further options pass, with the exposure each gains alone, (c) which "
        "of its own settings pass at a higher rung. Exit 0: passes, nothing to add; 12: passes, "
        "more hardening passes; 5: fails its probe as shipped.");
  }
  try {
    app.parse(split.options_count(), split.options.data());
  } catch (const CLI::ParseError& e) {
    return report_parse_error(app, e, "harden-bisect");
  }
  o.color = colors_enabled_for(STDERR_FILENO);
  // An unprivileged caller hardening its own units cannot write /var/lib/harden-bisect.
  if (o.user && geteuid() != 0 && app.count("--state-dir") == 0 && !getenv("STATE_DIRECTORY"))
    o.run.state_directory = user_state_directory();

  // 2. Logging; SIGINT/SIGTERM/SIGHUP cancel the run, which then cleans up.
  set_up_logging(o);
  CancellationToken cancel;
  cancel_on_signals(cancel);

  // 3. The command; its error's kind is the exit code.
  auto status = run_command(o, cancel);
  if (!status) return exit_with(status.error(), cancel);
  return cancel.cancelled() ? static_cast<int>(ExitCode::kInterrupted) : *status;
}
