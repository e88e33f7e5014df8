// harden-bisect: find, with few trials, the strongest hardening a service survives.
// main() reads like a table of contents: parse -> validate -> connect -> run -> write -> apply.
#include <pwd.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <ctime>
#include <fstream>
#include <iostream>
#include <sstream>

#include "harden_bisect/apply.hpp"
#include "harden_bisect/catalogue.hpp"
#include "harden_bisect/interrupt.hpp"
#include "harden_bisect/report_writers.hpp"
#include "harden_bisect/retrying_systemd_client.hpp"
#include "harden_bisect/run_driver.hpp"
#include "harden_bisect/run_journal.hpp"
#include "harden_bisect/sdbus_systemd_client.hpp"
#include "plan_command.hpp"

namespace {

using namespace hb;
using std::chrono::milliseconds;

struct CliOptions {
  RunConfig run;
  std::vector<std::string> probe_commands;
  std::string catalogue_path;
  std::string output = "-";
  std::string json_path;
  std::string junit_path;
  std::string root;
  std::string probe_user;
  bool apply = false;
  bool list_options = false;
  int verbose = 0;
  bool quiet = false;
  double probe_timeout_s = 5, settle_s = 5, start_timeout_s = 30, stop_timeout_s = 15;
};

int exit_with(const Error& error) {
  // A signal can surface as any error (an interrupted bus call); cleanup has run either way.
  if (interrupted() && error.code != ExitCode::kInterrupted) {
    std::cerr << "harden-bisect: interrupted (" << error.message << ")\n";
    return static_cast<int>(ExitCode::kInterrupted);
  }
  std::cerr << "harden-bisect: " << error.message << "\n";
  return static_cast<int>(error.code);
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
  std::vector<std::string> problems;
  if (o.probe_commands.empty() && !o.list_options) problems.push_back("--probe is required");
  for (const auto& command : o.probe_commands) {
    auto argv = split_words(command);
    if (argv.empty()) {
      problems.push_back("empty --probe");
      continue;
    }
    argv[0] = resolve_probe_path(argv[0]);  // a bare name may be a bundled probe
    if (auto problem = probe_path_problem(argv[0])) problems.push_back(*problem);
    char resolved[PATH_MAX];
    if (realpath(argv[0].c_str(), resolved)) argv[0] = resolved;  // survives chdir and HOME
    o.run.probes.push_back(argv);
  }
  if (!o.probe_user.empty()) {
    const passwd* pw = getpwnam(o.probe_user.c_str());
    if (!pw) {
      problems.push_back("--probe-user " + o.probe_user + ": no such user");
    } else {
      o.run.probe_uid = pw->pw_uid;
      o.run.probe_gid = pw->pw_gid;
    }
  } else if (const char* sudo_uid = getenv("SUDO_UID"); sudo_uid && geteuid() == 0) {
    // Probes run as the invoking user, not as root, unless --probe-user says otherwise.
    if (const passwd* pw = getpwuid(static_cast<uid_t>(std::stoul(sudo_uid)))) {
      o.run.probe_uid = pw->pw_uid;
      o.run.probe_gid = pw->pw_gid;
    }
  }
  if (!o.list_options) {
    if (auto s = check_unit_name(o.run.unit); !s) problems.push_back(s.error().message);
  }
  if (problems.empty()) return {};
  std::string message = problems.front();
  if (problems.size() > 1) message += " (and " + std::to_string(problems.size() - 1) + " more)";
  for (std::size_t i = 1; i < problems.size(); ++i) spdlog::error("{}", problems[i]);
  ExitCode code = problems.front().rfind("probe", 0) == 0 ? ExitCode::kBadInput : ExitCode::kUsage;
  if (problems.front().find("service") != std::string::npos ||
      problems.front().find("template") != std::string::npos) {
    code = ExitCode::kUnitUnusable;
  }
  return Error{message, code};
}

Status write_output(const std::string& path, const std::string& content) {
  if (path.empty()) return {};
  if (path == "-") {
    std::cout << content << std::flush;
    return {};
  }
  // Devices and pipes (/dev/null, /dev/stdout, a FIFO) are written in place: renaming a temp
  // file over them would replace the device node itself.
  struct stat st {};
  if (stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode)) {
    std::ofstream out(path, std::ios::binary);
    out << content;
    out.flush();
    if (!out) return Error{"cannot write " + path, ExitCode::kFailure};
    return {};
  }
  return write_file_atomically(path, content);
}

std::string today() {
  char buf[32];
  std::time_t now = std::time(nullptr);
  std::strftime(buf, sizeof buf, "%Y-%m-%d", std::localtime(&now));
  return buf;
}

// Installs the drop-in on the real unit, restarts it if it runs, probes once, rolls back on
// failure.
Status apply_dropin(const CliOptions& o, SystemdClient& systemd, ProbeRunner& probes,
                    const std::string& content) {
  const auto path = dropin_path(o.root, o.run.unit);
  auto previous = read_file(path);
  if (auto s = write_file_atomically(path, content); !s) return s;
  spdlog::info("wrote {}", path);
  auto restore = [&]() {
    if (previous) {
      (void)write_file_atomically(path, *previous);
    } else {
      unlink(path.c_str());
    }
    (void)systemd.reload();
  };
  if (auto s = systemd.reload(); !s) {
    restore();
    return s;
  }
  auto info = systemd.load_unit(o.run.unit);
  if (!info) return info.error();
  if (info->active_state != "active") {
    spdlog::info("{} is not running; the drop-in takes effect at its next start", o.run.unit);
    return {};
  }
  auto restarted = systemd.start(o.run.unit, true, o.run.timing.start_timeout);
  bool healthy = restarted && *restarted == "done";
  for (std::size_t i = 0; healthy && i < o.run.probes.size(); ++i) {
    ProbeSpec spec;
    spec.argv = o.run.probes[i];
    spec.timeout = o.run.timing.probe_timeout;
    spec.env = {{"HB_UNIT", o.run.unit}, {"HB_COPY", o.run.unit}, {"HB_TRIAL", "apply"}};
    spec.run_as_uid = o.run.probe_uid;
    spec.run_as_gid = o.run.probe_gid;
    // The restarted unit may need a moment; retry within the settle window like a trial does.
    auto deadline = std::chrono::steady_clock::now() + o.run.timing.settle;
    for (;;) {
      healthy = probes.run(spec).healthy();
      if (healthy || std::chrono::steady_clock::now() >= deadline) break;
      usleep(200'000);
    }
  }
  if (healthy) return {};
  spdlog::error("{} failed its probe with the drop-in; rolling back", o.run.unit);
  restore();
  (void)systemd.start(o.run.unit, true, o.run.timing.start_timeout);
  return Error{"the hardened " + o.run.unit + " failed its probe after --apply; rolled back",
               ExitCode::kApplyFailed};
}

}  // namespace

int main(int argc, char** argv) {
  // `harden-bisect plan ...` is its own command (src/cli/plan_command.cpp).
  if (argc > 1 && std::string_view(argv[1]) == "plan") return hb::plan_command(argc - 1, argv + 1);
  CliOptions o;
  CLI::App app{
      "harden-bisect: finds the strongest systemd hardening a service survives, by probing "
      "transient copies of it (group testing), and writes it as a drop-in.\n"};
  app.set_version_flag("--version", std::string("harden-bisect ") + HB_VERSION);
  app.add_option("unit", o.run.unit, "Service unit to harden, e.g. nginx.service");
  app.add_option("-p,--probe", o.probe_commands,
                 "Health probe: an executable (exit 0 = healthy) and its arguments, separated "
                 "by spaces; no shell is involved. Repeatable: all probes must pass. Gets "
                 "HB_UNIT, HB_COPY, HB_MAINPID, HB_TRIAL in its environment")
      ->allow_extra_args(false);
  app.add_option(
      "--probe-user", o.probe_user,
      "Run probes as this user (default: the invoking user under sudo, else the caller)");
  app.add_option("--probe-timeout", o.probe_timeout_s,
                 "Seconds one probe run may take; hitting it is a hang")
      ->capture_default_str();
  app.add_option("--settle", o.settle_s,
                 "Seconds after start in which failing probes are retried before the verdict")
      ->capture_default_str();
  app.add_option("--start-timeout", o.start_timeout_s, "Seconds a copy may take to start")
      ->capture_default_str();
  app.add_option("--stop-timeout", o.stop_timeout_s,
                 "Seconds a copy may take to stop before it is SIGKILLed")
      ->capture_default_str();
  app.add_option("--confirm", o.run.search.confirmations, "Times the final set must pass in a row")
      ->capture_default_str();
  app.add_option("--retries", o.run.search.retries,
                 "Re-runs of a failing trial before it is believed (flaky probes)")
      ->capture_default_str();
  app.add_option("--catalogue", o.catalogue_path,
                 "Option catalogue YAML (replaces the builtin one; `extends: builtin` in the "
                 "file extends it instead)");
  app.add_option("--only", o.run.only, "Only try options whose id starts with this (repeatable)")
      ->allow_extra_args(false);
  app.add_option("--skip", o.run.skip, "Never try options whose id starts with this (repeatable)")
      ->allow_extra_args(false);
  app.add_flag("--stop-original", o.run.stop_original,
               "Stop the running original during the run (copies would fight over its ports "
               "and files); it is started again on every exit path");
  app.add_flag("--check-maximal", o.run.check_maximal,
               "After the search, prove the result is maximal: run the final set plus each "
               "rejected rung alone (one extra trial each); exit 1 if any of them passes");
  app.add_option("-o,--output", o.output, "Write the drop-in here ('-' = stdout)")
      ->capture_default_str();
  app.add_option("--json", o.json_path, "Write the JSON report here (see docs/report-json.md)");
  app.add_option("--junit", o.junit_path, "Write a JUnit XML report here");
  app.add_flag("--apply", o.apply,
               "Install the drop-in as /etc/systemd/system/UNIT.d/50-harden-bisect.conf, reload, "
               "restart the unit if it runs, probe it, and roll back if the probe fails");
  app.add_option("--root", o.root,
                 "File system root of the target system (for --apply and the journal), e.g. a "
                 "container's root seen from the host");
  o.run.state_directory = default_state_directory();
  app.add_option("--state-dir", o.run.state_directory,
                 "Where the per-unit lock and trial journal live ($STATE_DIRECTORY or "
                 "/var/lib/harden-bisect)")
      ->capture_default_str();
  app.add_flag("--resume", o.run.resume,
               "Continue an interrupted run of the same unit with the same options: recorded "
               "verdicts are reused, no trial is repeated");
  app.add_flag("--list-options", o.list_options, "Print the option catalogue and exit");
  app.add_flag("-v,--verbose", o.verbose, "Debug logging; twice: also every property sent");
  app.add_flag("-q,--quiet", o.quiet, "Only errors on stderr");
  app.footer(
      "Exit codes: 0 ok, 1 internal error, 2 usage, 3 bad input (probe, catalogue), 4 unit "
      "unusable, 5 service fails unhardened, 6 systemd/bus error, 7 locked, 8 --apply rolled "
      "back, 130 interrupted.");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : static_cast<int>(ExitCode::kUsage);
  }

  // 1. Logging and signals.
  auto logger = spdlog::stderr_color_mt("harden-bisect");
  spdlog::set_default_logger(logger);
  spdlog::set_pattern("%^%l%$: %v");
  spdlog::set_level(o.quiet ? spdlog::level::err
                            : (o.verbose > 1    ? spdlog::level::trace
                               : o.verbose == 1 ? spdlog::level::debug
                                                : spdlog::level::info));
  install_interrupt_handlers();

  // 2. Input that needs no systemd.
  if (o.run.unit.empty() && !o.list_options)
    return exit_with({"no unit given (see --help)", ExitCode::kUsage});
  if (auto s = validate(o); !s) return exit_with(s.error());
  o.run.timing.probe_timeout = seconds_to_ms(o.probe_timeout_s);
  o.run.timing.settle = seconds_to_ms(o.settle_s);
  o.run.timing.start_timeout = seconds_to_ms(o.start_timeout_s);
  o.run.timing.stop_timeout = seconds_to_ms(o.stop_timeout_s);
  auto builtin = load_builtin_catalogue();
  if (!builtin) return exit_with(builtin.error());
  Catalogue catalogue = *builtin;
  if (!o.catalogue_path.empty()) {
    auto loaded = load_catalogue(o.catalogue_path, &*builtin);
    if (!loaded) return exit_with(loaded.error());
    catalogue = std::move(*loaded);
  }
  if (o.list_options) {
    for (const auto& option : catalogue.options) {
      std::cout << option.id << "\t" << option.group << "\t" << option.why << "\n";
    }
    return 0;
  }

  // 3. systemd.
  auto connected = connect_system_manager();
  if (!connected) return exit_with(connected.error());
  // systemd may re-execute mid-run (package upgrades do): calls are repeated for up to 60 s.
  auto systemd = make_retrying(std::move(*connected), std::chrono::seconds(60));
  auto journal = open_journal(o.root);
  PosixProbeRunner probes;
  const bool tty = isatty(STDERR_FILENO);

  // A drop-in of an earlier run is part of the unit now: a new run would take its settings
  // as the baseline and a new file with the same name would silently drop them.
  if (auto info = systemd->load_unit(o.run.unit); info) {
    for (const auto& path : info->drop_in_paths) {
      if (path.size() >= 22 && path.substr(path.size() - 22) == "/50-harden-bisect.conf") {
        if (o.apply) {
          return exit_with({o.run.unit + " already has " + path +
                                "; remove it and reload "
                                "systemd before hardening again with --apply",
                            ExitCode::kUnitUnusable});
        }
        spdlog::warn("{} already has {}; its settings count as the unit's own here", o.run.unit,
                     path);
      }
    }
  }

  // 4. The run.
  // On a terminal the running trial shows as a live line, replaced by its result line.
  RunPorts ports{*systemd, probes, journal.get(),
                 [&](const TrialRecord& record) {
                   if (o.quiet) return;
                   if (tty) std::cerr << "\r\033[K";
                   print_trial_line(std::cerr, record, tty);
                 },
                 [&](std::size_t number, const std::vector<std::string>& candidates) {
                   if (o.quiet || !tty) return;
                   std::string what = candidates.empty() ? "(none)" : candidates.front();
                   if (candidates.size() > 1)
                     what += ", +" + std::to_string(candidates.size() - 1) + " more";
                   std::cerr << "\r\033[Ktrial " << number << "  " << candidates.size()
                             << " options  " << what << "  running…" << std::flush;
                 }};
  auto report = run_hardening(o.run, catalogue, ports);
  if (!report) return exit_with(report.error());
  report->tool_version = HB_VERSION;

  // 5. Reports.
  if (!o.quiet) print_summary(std::cerr, *report, tty);
  DropinHeader header;
  header.date = today();
  header.probes = o.probe_commands;
  const auto dropin = render_dropin_file(*report, header);
  if (auto s = write_output(o.output, dropin); !s) return exit_with(s.error());
  const auto json = render_json(*report, {"", o.probe_commands, dropin});
  if (auto s = write_output(o.json_path, json); !s) return exit_with(s.error());
  if (auto s = write_output(o.junit_path, render_junit(*report)); !s) return exit_with(s.error());

  // A rejected rung that passes on top of the final set means the result is not maximal.
  for (const auto& r : report->rejected) {
    if (r.maximality && r.maximality->passed()) {
      return exit_with(
          {"not maximal: " + r.rung + " passes when added to the final set", ExitCode::kFailure});
    }
  }

  // 6. --apply.
  if (o.apply) {
    if (auto s = apply_dropin(o, *systemd, probes, dropin); !s) return exit_with(s.error());
  }
  return interrupted() ? static_cast<int>(ExitCode::kInterrupted) : 0;
}
