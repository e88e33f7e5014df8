// Which service manager a run talks to, chosen as systemctl chooses it: --system/--user, and
// -M/--machine or -H/--host for where it runs.
#pragma once

#include <string>

#include "harden_bisect/result.hpp"

namespace hb {

enum class ManagerScope {
  kSystem,  // PID 1 (the default)
  kUser,    // a per-user manager (user@UID.service): unprivileged, see the catalogue's
            // user_manager column
};

enum class BusTransport {
  kLocal,    // this machine's bus
  kMachine,  // -M: a container's manager, or USER@.host / USER@CONTAINER with --user
  kRemote,   // -H: [USER@]HOST over ssh (system manager only, as in systemd 252)
};

struct ManagerTarget {
  ManagerScope scope = ManagerScope::kSystem;
  BusTransport transport = BusTransport::kLocal;
  std::string where;  // -M's MACHINE or USER@MACHINE, -H's [USER@]HOST; "" when local

  bool user() const { return scope == ManagerScope::kUser; }
  bool operator==(const ManagerTarget&) const = default;
};

// The target from --user, -M and -H ("" = not given). Errors (kUsage): -M and -H together,
// --user with -H (systemd 252 reaches no remote user manager), -M USER@... without --user
// (systemctl's spelling for another user's manager is `--user -M USER@.host`), an empty '@'
// side.
Result<ManagerTarget> make_manager_target(bool user, const std::string& machine,
                                          const std::string& host);

// The user whose manager `-M USER@MACHINE` names ("" when none is named: the caller's).
std::string machine_user(const ManagerTarget& target);

// For messages: "the system manager", "the user manager of alice@.host", "the system manager
// of host example.org", ...
std::string describe(const ManagerTarget& target);

}  // namespace hb
