// harden-bisectd: the hardening daemon (org.hardenbisect1 on the system bus). Started by systemd
// (harden-bisectd.service, Type=notify), usually by bus activation; see daemon_service.hpp.
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>

#include "daemon_service.hpp"
#include "harden_bisect/run_journal.hpp"

int main(int argc, char** argv) {
  using namespace hb;
  std::string config_path = daemon::kDaemonConfigPath;
  daemon::DaemonSettings settings;
  settings.state_directory =
      getenv("STATE_DIRECTORY") ? getenv("STATE_DIRECTORY") : "/var/lib/harden-bisectd";
  bool debug = false;
  CLI::App app{"harden-bisectd: the harden-bisect daemon (D-Bus name org.hardenbisect1)"};
  app.set_version_flag("--version", std::string("harden-bisectd ") + HB_VERSION);
  app.add_option("--config", config_path, "Settings file")->capture_default_str();
  app.add_option("--state-dir", settings.state_directory,
                 "Jobs, results and trial journals ($STATE_DIRECTORY)")
      ->capture_default_str();
  app.add_option("--group", settings.admin_group,
                 "Members of this group may submit, cancel and apply")
      ->capture_default_str();
  app.add_flag("-v,--verbose", debug, "Debug logging");
  CLI11_PARSE(app, argc, argv);

  // stderr goes to the journal: no colours, no time stamps (the journal has its own).
  auto logger = spdlog::stderr_logger_mt("harden-bisectd");
  spdlog::set_default_logger(logger);
  spdlog::set_pattern("%l: %v");
  spdlog::set_level(debug ? spdlog::level::debug : spdlog::level::info);

  auto config = daemon::load_daemon_config(config_path);
  if (!config) {
    spdlog::error("{}", config.error().message);
    return static_cast<int>(ExitCode::kBadInput);
  }
  settings.config = *config;
  auto catalogue = load_builtin_catalogue();
  if (!catalogue) {
    spdlog::error("{}", catalogue.error().message);
    return static_cast<int>(ExitCode::kBadInput);
  }
  return daemon::run_daemon(settings, *catalogue);
}
