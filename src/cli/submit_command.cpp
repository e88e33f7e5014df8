#include "submit_command.hpp"

#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <fstream>
#include <iostream>
#include <sstream>

#include "cli_conventions.hpp"
#include "harden_bisect/apply.hpp"
#include "harden_bisect/daemon_api.hpp"
#include "harden_bisect/interrupt.hpp"
#include "harden_bisect/probe_runner.hpp"
#include "harden_bisect/report_writers.hpp"

namespace hb {
namespace {

using daemon::JobOptions;

int fail(const Error& e) {
  std::cerr << "harden-bisect: " << e.message << "\n";
  return static_cast<int>(exit_code_for(e.kind));
}

VerdictKind verdict_kind(const std::string& name) {
  for (auto kind :
       {VerdictKind::kPass, VerdictKind::kFail, VerdictKind::kHang, VerdictKind::kStartFailed,
        VerdictKind::kUnsupported, VerdictKind::kInfeasible}) {
    if (name == to_string(kind)) return kind;
  }
  return VerdictKind::kFail;
}

// A TrialFinished signal as the trial line an in-process run prints.
TrialRecord trial_record(const daemon::TrialEvent& t) {
  TrialRecord record;
  record.number = t.number;
  record.candidates = t.options;
  record.verdict.kind = verdict_kind(t.verdict);
  record.verdict.evidence.summary = t.summary;
  record.verdict.duration = std::chrono::milliseconds(t.duration_ms);
  return record;
}

std::string score(double value) {
  if (value < 0) return "?";
  std::ostringstream out;
  out.precision(1);
  out << std::fixed << value << ' ' << exposure_level(static_cast<int>(value * 10 + 0.5));
  return out.str();
}

}  // namespace

int submit_command(int argc, char** argv) {
  std::string unit, probe, output = "-", json_path, probe_user;
  bool wait = false, quiet = false;
  double probe_timeout = 0, settle = 0, start_timeout = 0, stop_timeout = 0;
  unsigned confirm = 0, retries = 0;
  std::vector<std::string> only, skip;
  bool stop_original = false, check_maximal = false, trace = false;
  CLI::App app{
      "harden-bisect submit: queue a hardening job on harden-bisectd (D-Bus "
      "org.hardenbisect1); the daemon runs it, probes as an unprivileged user"};
  app.add_option("unit", unit, "Service unit to harden (nginx = nginx.service)")->required();
  auto* probe_option =
      app.add_option("-p,--probe", probe,
                     "Health probe: an executable owned by root and not writable by others, and "
                     "its arguments, separated by spaces")
          ->required();
  app.add_flag("--wait", wait, "Follow the job: a line per trial, then the drop-in");
  app.add_option("-o,--output", output, "With --wait: write the drop-in here ('-' = stdout)")
      ->capture_default_str();
  app.add_option("--json", json_path, "With --wait: write the JSON report here");
  app.add_flag("-q,--quiet", quiet, "No trial lines or summary");
  // The run options, sent by name only when given (the daemon has the CLI's defaults).
  auto* o_probe_user = app.add_option("--probe-user", probe_user, "Run probes as this user");
  auto* o_probe_timeout = app.add_option("--probe-timeout", probe_timeout, "Seconds per probe");
  auto* o_settle = app.add_option("--settle", settle, "Settle window in seconds");
  auto* o_start = app.add_option("--start-timeout", start_timeout, "Seconds a copy may take");
  auto* o_stop = app.add_option("--stop-timeout", stop_timeout, "Seconds a stop may take");
  auto* o_confirm = app.add_option("--confirm", confirm, "Confirmations of the final set");
  auto* o_retries = app.add_option("--retries", retries, "Re-runs of a failing trial");
  auto* o_only = app.add_option("--only", only, "Only try options with this id prefix")
                     ->allow_extra_args(false);
  auto* o_skip = app.add_option("--skip", skip, "Never try options with this id prefix")
                     ->allow_extra_args(false);
  auto* o_stop_original = app.add_flag("--stop-original", stop_original, "Stop the original");
  auto* o_check = app.add_flag("--check-maximal", check_maximal, "Prove the result maximal");
  auto* o_trace = app.add_flag("--trace,!--no-trace", trace, "Trace the baseline copy");
  // As in the main command, a probe may follow "--", its words as given.
  auto split = split_at_dashes(argc, argv);
  std::vector<std::string> argv_probe = split.probe;
  if (!argv_probe.empty()) probe_option->required(false);
  try {
    app.parse(split.options_count(), split.options.data());
  } catch (const CLI::ParseError& e) {
    return report_parse_error(app, e, "harden-bisect submit");
  }
  unit = with_service_suffix(unit);

  if (argv_probe.empty()) {
    std::istringstream words(probe);
    for (std::string w; words >> w;) argv_probe.push_back(w);
  }
  if (argv_probe.empty()) return fail({"empty --probe", ErrorKind::kUsage});
  // The daemon takes absolute paths only; a bare name may be a bundled probe.
  argv_probe[0] = resolve_probe_path(argv_probe[0]);
  char resolved[PATH_MAX];
  if (realpath(argv_probe[0].c_str(), resolved)) argv_probe[0] = resolved;

  JobOptions options;
  if (*o_probe_user) options["probe-user"] = probe_user;
  if (*o_probe_timeout) options["probe-timeout"] = probe_timeout;
  if (*o_settle) options["settle"] = settle;
  if (*o_start) options["start-timeout"] = start_timeout;
  if (*o_stop) options["stop-timeout"] = stop_timeout;
  if (*o_confirm) options["confirm"] = std::uint64_t{confirm};
  if (*o_retries) options["retries"] = std::uint64_t{retries};
  if (*o_only) options["only"] = only;
  if (*o_skip) options["skip"] = skip;
  if (*o_stop_original) options["stop-original"] = stop_original;
  if (*o_check) options["check-maximal"] = check_maximal;
  if (*o_trace) options["trace"] = trace;

  auto client = daemon::connect_daemon();
  if (!client) return fail(client.error());
  auto path = (*client)->submit(unit, argv_probe, options);
  if (!path) return fail(path.error());
  if (!wait) {
    std::cout << *path << "\n";
    return 0;
  }
  if (!quiet) std::cerr << "job " << *path << " (" << unit << ")\n";

  CancellationToken cancel;
  cancel_on_signals(cancel);  // Ctrl-C cancels the job; the daemon cleans up
  const bool tty = isatty(STDERR_FILENO);
  auto finished = (*client)->wait(
      *path,
      [&](const daemon::TrialEvent& t) {
        if (!quiet) print_trial_line(std::cerr, trial_record(t), tty);
      },
      &cancel);
  if (!finished) return fail(finished.error());
  auto job = (*client)->job(*path);
  if (!job) return fail(job.error());
  if (job->state == "done") {
    if (!quiet) {
      std::cerr << "harden-bisect " << unit << "\n  exposure  " << score(job->exposure_before)
                << " -> " << score(job->exposure_after) << "\n  trials    " << job->trials_done
                << "\n";
    }
    if (auto s = write_output(output, job->dropin); !s) return fail(s.error());
    if (auto s = write_output(json_path, job->result); !s) return fail(s.error());
  }
  if (finished->exit_code != 0) {
    std::cerr << "harden-bisect: "
              << (finished->message.empty() ? finished->state : finished->message) << "\n";
  }
  return finished->exit_code;
}

}  // namespace hb
