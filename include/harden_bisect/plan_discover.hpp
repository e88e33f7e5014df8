// `harden-bisect plan discover`: a version-1 plan for every service loaded on a host, with the
// default (weak) probe, and every service left out named in a comment saying why. Pure: the CLI
// lists the units; this decides and renders.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "harden_bisect/systemd_client.hpp"

namespace hb {

// Why `unit` is left out of a discovered plan, in one line (written as a YAML comment);
// nullopt when the plan hardens it. Decided by a table: templates, non-services, units not
// loaded (masked, not-found, bad-setting), transient units, units unsafe to start a copy of
// (reboot, poweroff, getty, initrd, emergency, rescue, ...), harden-bisect's own units, and
// services not running (a copy would redo a one-time job, e.g. a package upgrade).
std::optional<std::string> discover_skip_reason(const UnitInfo& unit);

// The plan text: a header saying what the default probe checks and that it is weak, `units:`
// with every service to harden (sorted by name, probe = default_discover_probe()), then the
// services left out with their reasons. `systemd_version` may be empty.
// Error (kind kBadInput) when no service is left to harden: a plan needs at least one unit.
Result<std::string> render_discovered_plan(std::vector<UnitInfo> units,
                                           const std::string& systemd_version);

}  // namespace hb
