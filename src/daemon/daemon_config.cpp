#include "daemon_config.hpp"

#include <yaml-cpp/yaml.h>

#include <fstream>
#include <sstream>

namespace hb::daemon {
namespace {

Error bad(const std::string& what) { return Error{"daemon config: " + what, ErrorKind::kBadInput}; }

}  // namespace

Result<DaemonConfig> parse_daemon_config(const std::string& text) {
  DaemonConfig config;
  try {
    const YAML::Node root = YAML::Load(text);
    if (!root || root.IsNull()) return config;
    if (!root.IsMap()) return bad("expected a mapping of settings");
    for (const auto& entry : root) {
      const auto key = entry.first.as<std::string>();
      const auto& value = entry.second;
      if (key == "max-parallel") {
        const auto n = value.as<long long>();
        if (n < 1 || n > 64) return bad("max-parallel must be between 1 and 64");
        config.max_parallel = static_cast<std::size_t>(n);
      } else if (key == "idle-timeout") {
        const auto s = value.as<long long>();
        if (s < 0 || s > 86400) return bad("idle-timeout must be between 0 and 86400 seconds");
        config.idle_timeout = std::chrono::seconds(s);
      } else if (key == "probe-user") {
        config.probe_user = value.as<std::string>();
        if (config.probe_user.empty()) return bad("probe-user must not be empty");
      } else if (key == "trace") {
        config.trace = value.as<bool>();
      } else {
        return bad("unknown setting \"" + key +
                   "\" (known: max-parallel, idle-timeout, probe-user, trace)");
      }
    }
  } catch (const YAML::Exception& e) {
    return bad(e.what());
  }
  return config;
}

Result<DaemonConfig> load_daemon_config(const std::string& path) {
  std::ifstream in(path);
  if (!in) return DaemonConfig{};
  std::stringstream text;
  text << in.rdbuf();
  auto config = parse_daemon_config(text.str());
  if (!config) return with_context(config.error(), path);
  return config;
}

}  // namespace hb::daemon
