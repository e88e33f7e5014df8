#include "harden_bisect/manager_target.hpp"

namespace hb {

Result<ManagerTarget> make_manager_target(bool user, const std::string& machine,
                                          const std::string& host) {
  ManagerTarget target;
  target.scope = user ? ManagerScope::kUser : ManagerScope::kSystem;
  if (!machine.empty() && !host.empty()) {
    return Error{"-M/--machine and -H/--host cannot be combined", ErrorKind::kUsage};
  }
  if (!host.empty()) {
    if (user) {
      return Error{
          "--user cannot be combined with -H/--host (systemd 252 cannot reach a remote "
          "user manager); use -M USER@.host on that host instead",
          ErrorKind::kUsage};
    }
    if (host.front() == '@' || host.back() == '@') {
      return Error{"-H " + host + ": expected [USER@]HOST", ErrorKind::kUsage};
    }
    target.transport = BusTransport::kRemote;
    target.where = host;
  } else if (!machine.empty()) {
    const auto at = machine.find('@');
    if (at != std::string::npos && !user) {
      return Error{"-M " + machine + ": another user's manager is `--user -M " + machine +
                       "` (as in systemctl)",
                   ErrorKind::kUsage};
    }
    if (at == 0 || machine.back() == '@') {
      return Error{"-M " + machine + ": expected MACHINE or USER@MACHINE (e.g. alice@.host)",
                   ErrorKind::kUsage};
    }
    target.transport = BusTransport::kMachine;
    target.where = machine;
  }
  return target;
}

std::string machine_user(const ManagerTarget& target) {
  if (target.transport != BusTransport::kMachine) return "";
  const auto at = target.where.find('@');
  return at == std::string::npos ? "" : target.where.substr(0, at);
}

std::string describe(const ManagerTarget& target) {
  std::string out = target.user() ? "the user manager" : "the system manager";
  switch (target.transport) {
    case BusTransport::kLocal:
      return out + (target.user() ? " of the caller" : "");
    case BusTransport::kMachine:
      return out + " of " + target.where;
    case BusTransport::kRemote:
      return out + " of host " + target.where;
  }
  return out;
}

}  // namespace hb
