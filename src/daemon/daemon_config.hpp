// /etc/harden-bisect/daemon.yaml: the daemon's few settings. Every one has a default, so the file
// is optional:
//   max-parallel: 2        # jobs on different units that may run side by side
//   idle-timeout: 60       # seconds without jobs and calls before the daemon exits (0 = never)
//   probe-user: nobody     # who runs probes unless a root caller asks otherwise
//   trace: false           # trace baselines (tracefs) unless a job says otherwise
#pragma once

#include <chrono>
#include <cstddef>
#include <string>

#include "harden_bisect/result.hpp"

namespace hb::daemon {

struct DaemonConfig {
  std::size_t max_parallel = 2;
  std::chrono::seconds idle_timeout{60};
  std::string probe_user = "nobody";
  bool trace = false;
};

inline constexpr const char* kDaemonConfigPath = "/etc/harden-bisect/daemon.yaml";

// Parses the YAML text; unknown keys and bad values are errors (kBadInput) that name the key.
Result<DaemonConfig> parse_daemon_config(const std::string& text);

// Reads `path`; a missing file gives the defaults.
Result<DaemonConfig> load_daemon_config(const std::string& path);

}  // namespace hb::daemon
