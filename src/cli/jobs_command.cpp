// `harden-bisect jobs` and `harden-bisect cancel JOB` (see submit_command.hpp).
#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>

#include "cli_conventions.hpp"
#include "harden_bisect/daemon_api.hpp"
#include "submit_command.hpp"

namespace hb {
namespace {

int fail(const Error& e) {
  std::cerr << "harden-bisect: " << e.message << "\n";
  return static_cast<int>(exit_code_for(e.kind));
}

std::string exposure(double v) {
  if (v < 0) return "-";
  char buf[16];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

}  // namespace

int jobs_command(int argc, char** argv) {
  CLI::App app{"harden-bisect jobs: the jobs harden-bisectd knows, oldest first"};
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return report_parse_error(app, e, "harden-bisect jobs");
  }
  auto client = daemon::connect_daemon();
  if (!client) return fail(client.error());
  auto jobs = (*client)->jobs();
  if (!jobs) return fail(jobs.error());
  std::printf("%-4s %-36s %-9s %-7s %-11s %s\n", "ID", "UNIT", "STATE", "TRIALS", "EXPOSURE",
              "NOTE");
  for (const auto& j : *jobs) {
    const auto trials = std::to_string(j.trials_done) + "/" + std::to_string(j.trials_estimated);
    const auto scores = exposure(j.exposure_before) + "->" + exposure(j.exposure_after);
    const auto note = !j.current_trial.empty() ? j.current_trial : j.error;
    std::printf("%-4u %-36s %-9s %-7s %-11s %s\n", j.id, j.unit.c_str(), j.state.c_str(),
                trials.c_str(), scores.c_str(), note.c_str());
  }
  return 0;
}

int cancel_command(int argc, char** argv) {
  std::string which;
  CLI::App app{"harden-bisect cancel: stop a queued or running job of harden-bisectd"};
  app.add_option("job", which, "Job id (as `jobs` shows it) or object path")->required();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return report_parse_error(app, e, "harden-bisect cancel");
  }
  auto client = daemon::connect_daemon();
  if (!client) return fail(client.error());
  auto job = (*client)->job(which);
  if (!job) return fail(job.error());
  if (auto s = (*client)->cancel(job->path); !s) return fail(s.error());
  std::cerr << "harden-bisect: cancelling job " << job->id << " (" << job->unit << ")\n";
  return 0;
}

}  // namespace hb
