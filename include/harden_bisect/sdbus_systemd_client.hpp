// Factories for the real systemd adapters. The types behind them live in src/systemd only.
#pragma once

#include <memory>
#include <string>

#include "harden_bisect/manager_target.hpp"
#include "harden_bisect/result.hpp"
#include "harden_bisect/systemd_client.hpp"

namespace hb {

// Connects to the system manager (honours $DBUS_SYSTEM_BUS_ADDRESS) and subscribes to job
// signals. Errors: no bus, no permission.
Result<std::unique_ptr<SystemdClient>> connect_system_manager();

// Connects to `target`'s manager (systemctl's --user, -M, -H; see ManagerTarget) and subscribes
// to job signals. Errors (kSystemd): no bus, no user manager, no permission, ssh failed.
Result<std::unique_ptr<SystemdClient>> connect_manager(const ManagerTarget& target);

// Opens the journal: the local system journal, or the journal files under `root`/var/log/journal
// when `root` is not empty (a container's file system seen from the host).
std::unique_ptr<JournalReader> open_journal(const std::string& root);

}  // namespace hb
