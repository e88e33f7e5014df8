// harden-bisectd's service: the manager and job objects on the system bus, the queue, the
// worker threads and the state directory. Everything on the bus happens on the thread that
// calls run(); workers only post events to it.
#pragma once

#include <memory>
#include <string>

#include "daemon_config.hpp"
#include "harden_bisect/catalogue.hpp"

namespace hb::daemon {

struct DaemonSettings {
  DaemonConfig config;
  std::string state_directory;  // $STATE_DIRECTORY: jobs/ and runs/ (lock, trial journals)
  std::string admin_group = "harden-bisect";  // members may submit, cancel and apply
};

// Owns org.hardenbisect1 until idle for config.idle_timeout, or until SIGTERM/SIGINT (running
// jobs are stopped cleanly and resume at the next start). Returns the process exit status.
int run_daemon(const DaemonSettings& settings, const Catalogue& catalogue);

}  // namespace hb::daemon
