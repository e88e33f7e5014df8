// The host sweep: which loaded services a discovered plan hardens, and its YAML text.
#include "harden_bisect/plan_discover.hpp"

#include <algorithm>
#include <sstream>
#include <string_view>

#include "harden_bisect/unit_snapshot.hpp"
#include "harden_bisect/weak_probe.hpp"

namespace hb {
namespace {

// Services a copy of which must never be started: they end the system, take a terminal, or
// belong to early boot or the rescue path. `prefix` matches the start of the unit name.
struct Unsafe {
  std::string_view prefix;
  std::string_view why;
};

constexpr Unsafe kUnsafe[] = {
    {"systemd-reboot.", "reboots the machine"},
    {"systemd-poweroff.", "powers the machine off"},
    {"systemd-halt.", "halts the machine"},
    {"systemd-kexec.", "reboots into another kernel"},
    {"systemd-soft-reboot.", "restarts userspace"},
    {"systemd-exit.", "ends the service manager"},
    {"reboot.", "reboots the machine"},
    {"poweroff.", "powers the machine off"},
    {"halt.", "halts the machine"},
    {"getty@", "a login prompt on a terminal: a copy would fight the original for it"},
    {"serial-getty@", "a login prompt on a serial line: a copy would fight the original for it"},
    {"console-getty.", "a login prompt on the console: a copy would fight the original for it"},
    {"container-getty@", "a login prompt in a container: a copy would fight the original for it"},
    {"autovt@", "a login prompt on a terminal: a copy would fight the original for it"},
    {"initrd-", "belongs to the initrd; starting it on a running system switches root"},
    {"emergency.", "the emergency shell: starting it isolates the system"},
    {"rescue.", "the rescue shell: starting it isolates the system"},
    {"systemd-fsck", "checks a file system that is mounted"},
    {"systemd-journald.", "the journal: a copy would take over its sockets"},
    {"dbus.", "the system bus: a copy would take over its socket"},
    {"dbus-broker.", "the system bus: a copy would take over its socket"},
    {"harden-bisect", "harden-bisect's own unit"},
};

bool ends_with(const std::string& text, std::string_view suffix) {
  return text.size() >= suffix.size() &&
         text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

std::optional<std::string> discover_skip_reason(const UnitInfo& unit) {
  const std::string& name = unit.id;
  if (!ends_with(name, ".service")) return "not a service";
  if (auto bad = check_unit_name(name); !bad) return bad.error().message;  // templates
  if (unit.load_state == "masked") return "masked";
  if (unit.load_state != "loaded") return "not loaded (" + unit.load_state + ")";
  for (const auto& unsafe : kUnsafe) {
    if (name.rfind(unsafe.prefix, 0) == 0) return "unsafe to start: " + std::string(unsafe.why);
  }
  if (unit.fragment_path.empty()) return "transient: no unit file to harden";
  if (unit.active_state != "active" || unit.sub_state != "running") {
    return "not running (" + unit.active_state + "/" + unit.sub_state +
           "): a copy would redo its job, and the default probe needs a running service";
  }
  return std::nullopt;
}

Result<std::string> render_discovered_plan(std::vector<UnitInfo> units,
                                           const std::string& systemd_version) {
  std::sort(units.begin(), units.end(),
            [](const UnitInfo& a, const UnitInfo& b) { return a.id < b.id; });
  std::vector<std::string> take;
  std::vector<std::pair<std::string, std::string>> left_out;
  std::size_t not_services = 0;
  for (const auto& unit : units) {
    auto why = discover_skip_reason(unit);
    if (!why) {
      take.push_back(unit.id);
    } else if (ends_with(unit.id, ".service")) {
      left_out.emplace_back(unit.id, *why);
    } else {
      ++not_services;  // devices, mounts, ...: counted, not listed one by one
    }
  }
  if (take.empty()) {
    return Error{"plan discover: no running service to harden on this host (" +
                     std::to_string(left_out.size()) + " services left out)",
                 ErrorKind::kBadInput};
  }
  std::string probe_yaml;
  std::string probe_line;
  for (const auto& word : default_discover_probe()) {
    probe_yaml += (probe_yaml.empty() ? "" : ", ") + std::string("\"") + word + "\"";
    probe_line += (probe_line.empty() ? "" : " ") + word;
  }
  std::ostringstream out;
  out << "# Plan written by `harden-bisect plan discover`"
      << (systemd_version.empty() ? "" : " on systemd " + systemd_version) << ": " << take.size()
      << " running services to harden, " << left_out.size()
      << " services left out (listed at the end), " << not_services
      << " units that are not services.\n"
      << "# Run it with `harden-bisect plan run THIS.yaml --out DIR` (format: "
         "harden-bisect-plan(5)).\n"
      << "#\n"
      << "# Every unit has the default probe `" << probe_line << "`: the copy stays active for "
      << kDiscoverSettle.count() << " s.\n"
      << "# It is WEAK, and every report says so: it proves the service starts and keeps running, "
         "not\n"
      << "# that it does its job, so options that break its work are kept. Replace it with a "
         "real probe\n"
      << "# (http-ok URL, tcp-connect HOST PORT, or your own) before installing a drop-in.\n"
      << "version: 1\n"
      << "defaults:\n"
      << "  probe-timeout: " << kDiscoverProbeTimeout.count() << "  # the default probe takes "
      << kDiscoverSettle.count() << " s\n"
      << "units:\n";
  for (const auto& name : take) {
    out << "  - unit: " << name << "\n"
        << "    probe: [" << probe_yaml << "]\n";
  }
  if (!left_out.empty()) out << "\n# Left out:\n";
  for (const auto& [name, why] : left_out) out << "#   " << name << ": " << why << "\n";
  return out.str();
}

}  // namespace hb
