// What the tool knows about the original unit: enough to start faithful transient copies and
// to score its exposure.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "harden_bisect/property.hpp"
#include "harden_bisect/result.hpp"
#include "harden_bisect/systemd_client.hpp"

namespace hb {

struct UnitSnapshot {
  UnitInfo info;
  std::string type;       // Type= of the service (simple, exec, forking, oneshot, notify, dbus)
  PropertyList copy;      // StartTransientUnit properties reproducing the unit (write form)
  PropertyList security;  // the properties systemd-analyze reads (read form), for scoring
};

// Refuses names that cannot be hardened before asking systemd: not a .service, a template
// without instance, or syntactically invalid. Error code kUnitUnusable.
Status check_unit_name(const std::string& name);

// Loads the unit and reads it. Errors name the problem: not found, masked, failed to load,
// socket-activated, or a setting the copy cannot reproduce.
Result<UnitSnapshot> snapshot_unit(SystemdClient& systemd, const std::string& name);

// Settings of the original a copy does not carry: compares the Service-interface dumps of the
// original and of a copy with nothing added (runtime fields and deliberate differences, like
// Restart=, are ignored; set-like lists compare as sets). Returns "Name" entries; empty = faithful.
std::vector<std::string> unreproduced_settings(const std::map<std::string, std::string>& original,
                                               const std::map<std::string, std::string>& copy);

// Drops from a copy's properties the entries systemd adds by itself when it loads a unit
// (ProtectClock=yes adds DeviceAllow=char-rtc r), so the copy holds each entry once.
void strip_implied_entries(PropertyList& copy);

// A property dump (sd_bus_message_dump text) in a form that compares by meaning: lists
// without order (DeviceAllow=, paths, ...) sorted and without repeated entries.
std::string canonical_dump(const std::string& name, const std::string& dump);

// The properties systemd-analyze reads, with their D-Bus signatures (Service interface).
const std::vector<PropertySpec>& security_property_specs();

}  // namespace hb
