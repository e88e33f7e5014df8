// Run options of a submitted job, by the CLI's names ("probe-timeout", "only", ...), as they come
// over the bus (an a{sv}) and as the daemon keeps them. Pure: no bus, no systemd.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "harden_bisect/daemon_api.hpp"
#include "harden_bisect/run_driver.hpp"

namespace hb::daemon {

// Who asks, for the probe identity: a root caller may choose any probe user, others only
// themselves or the daemon's default.
struct Caller {
  std::uint32_t uid = 0;
};

// Where the probes of a job run: a user's uid and gid.
struct ProbeIdentity {
  std::uint32_t uid = 0;
  std::uint32_t gid = 0;
};

// Looks up a user by name; nullopt when unknown. A seam for tests.
using UserLookup = std::optional<ProbeIdentity> (*)(const std::string& name);
std::optional<ProbeIdentity> lookup_user(const std::string& name);

// Every option name Submit understands (the CLI's run options), sorted.
const std::vector<std::string>& known_option_names();

// Applies `options` on top of `base` (the daemon's defaults). Unknown names, wrong types and
// values out of range are kErrBadOption; a probe-user the caller may not choose is
// kErrAccessDenied. The probe identity is `default_user` unless probe-user says otherwise.
struct JobConfigInput {
  const JobOptions& options;
  Caller caller;
  std::string default_user;  // e.g. "nobody"
  UserLookup users = &lookup_user;
};
std::variant<RunConfig, ApiError> run_config_from_options(const JobConfigInput& input,
                                                          RunConfig base);

}  // namespace hb::daemon
