#include "harden_bisect/unit_snapshot.hpp"

#include <algorithm>
#include <map>

#include "harden_bisect/settings.hpp"

namespace hb {
namespace {

constexpr const char* kServiceInterface = "org.freedesktop.systemd1.Service";
constexpr const char* kUnitInterface = "org.freedesktop.systemd1.Unit";

// The registry's settings a copy gets as read (CopyMode::kAlways), with their signatures.
const std::vector<PropertySpec>& copied_property_specs() {
  static const std::vector<PropertySpec> kSpecs = [] {
    std::vector<PropertySpec> out;
    for (const auto& s : settings())
      if (s.copy == CopyMode::kAlways)
        out.push_back({std::string(s.key), std::string(s.signature)});
    return out;
  }();
  return kSpecs;
}

// A name no unit has: LoadUnit answers with a stub that holds the manager's defaults.
constexpr const char* kDefaultsReference = "harden-bisect-defaults-reference.service";

// The read-only runtime fields and defaults that say nothing about the unit's configuration.
bool carries_no_setting(const Property& p) {
  return std::visit(
      [](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::string>) {
          return v.empty();
        } else if constexpr (std::is_same_v<T, NameList>) {
          return v.names.empty() && !v.allow;
        } else if constexpr (std::is_arithmetic_v<T> || std::is_same_v<T, OpaqueValue>) {
          return false;
        } else {
          return v.empty();
        }
      },
      p.value);
}

// A disabled watchdog reads as "infinity", but writing infinity arms it (and switches
// NotifyAccess= to main), so it is left out.
bool means_disabled_but_reads_otherwise(const Property& p) {
  if (p.name != "WatchdogUSec") return false;
  auto usec = std::get<uint64_t>(p.value);
  return usec == 0 || usec == UINT64_MAX;
}

// systemd 252 reads WorkingDirectory= with "!" for "missing is fine" (every user unit: the
// user manager defaults it to "!HOME") but takes "-" for that in StartTransientUnit.
void to_written_form(Property& p) {
  if (p.name != "WorkingDirectory") return;
  auto& path = std::get<std::string>(p.value);
  if (path.starts_with('!')) path[0] = '-';
}

const PropertyValue* find(const PropertyList& list, const std::string& name) {
  for (const auto& p : list) {
    if (p.name == name) return &p.value;
  }
  return nullptr;
}

bool is_set(const PropertyList& list, const std::string& name) {
  auto* v = find(list, name);
  if (!v) return false;
  if (auto* b = std::get_if<bool>(v)) return *b;
  if (auto* s = std::get_if<std::string>(v)) return !s->empty();
  return false;
}

// The settings carried when set (CopyMode::kWhenSet) that the unit sets: those reading otherwise
// than on a unit that sets nothing.
Result<PropertyList> carried_as_is(SystemdClient& systemd, const std::string& name) {
  auto original = systemd.dump_properties(name, kServiceInterface);
  if (!original) return original.error();
  // Without the defaults nothing tells what the unit set: carry none of these, and let the
  // fidelity check name whatever the copy then lacks.
  auto defaults = systemd.dump_properties(kDefaultsReference, kServiceInterface);
  if (!defaults) return PropertyList{};
  std::vector<PropertySpec> specs;
  for (const auto& row : settings()) {
    if (row.copy != CopyMode::kWhenSet) continue;
    const std::string setting(row.key);
    auto mine = original->find(setting);
    if (mine == original->end()) continue;  // not in this systemd version
    auto blank = defaults->find(setting);
    if (blank != defaults->end() &&
        canonical_dump(setting, blank->second) == canonical_dump(setting, mine->second)) {
      continue;
    }
    specs.push_back({setting, kAnySignature});
  }
  if (specs.empty()) return PropertyList{};
  return systemd.read_properties(name, kServiceInterface, specs);
}

}  // namespace

void strip_implied_entries(PropertyList& copy) {
  // unit_patch_contexts() of systemd 252: ProtectClock= allows reading the RTC; RootImage=
  // allows the loop and device-mapper devices it needs.
  StringPairs implied;
  if (is_set(copy, "ProtectClock")) implied.emplace_back("char-rtc", "r");
  if (is_set(copy, "RootImage")) {
    for (const char* p : {"/dev/loop-control", "/dev/mapper/control"})
      implied.emplace_back(p, "rw");
    for (const char* p : {"block-loop", "block-blkext", "block-device-mapper"})
      implied.emplace_back(p, "rwm");
  }
  for (auto it = copy.begin(); it != copy.end(); ++it) {
    if (it->name != "DeviceAllow") continue;
    auto& entries = std::get<StringPairs>(it->value);
    std::erase_if(entries, [&](const auto& e) {
      return std::find(implied.begin(), implied.end(), e) != implied.end();
    });
    // An empty DeviceAllow= would reset the list, which is what the copy has anyway.
    if (entries.empty()) copy.erase(it);
    break;
  }
}

const std::vector<PropertySpec>& security_property_specs() {
  static const std::vector<PropertySpec> kSpecs = [] {
    std::vector<PropertySpec> out;
    for (const auto& s : settings())
      if (s.scored) out.push_back({std::string(s.key), std::string(s.signature)});
    return out;
  }();
  return kSpecs;
}

Status check_unit_name(const std::string& name) {
  constexpr std::string_view kSuffix = ".service";
  if (name.empty() || name.find('/') != std::string::npos) {
    return Error{"'" + name + "' is not a unit name", ErrorKind::kUnitUnusable};
  }
  if (name.size() <= kSuffix.size() ||
      name.compare(name.size() - kSuffix.size(), kSuffix.size(), kSuffix) != 0) {
    return Error{name + " is not a service unit; only .service units can be hardened",
                 ErrorKind::kUnitUnusable};
  }
  if (name.find("@.") != std::string::npos) {
    return Error{name + " is a template; name an instance, e.g. " +
                     name.substr(0, name.find("@.") + 1) + "foo.service",
                 ErrorKind::kUnitUnusable};
  }
  return {};
}

Result<UnitSnapshot> snapshot_unit(SystemdClient& systemd, const std::string& name) {
  if (auto s = check_unit_name(name); !s) return s.error();
  auto info = systemd.load_unit(name);
  if (!info) return info.error();
  const auto& state = info->load_state;
  if (state == "not-found") return Error{"unit " + name + " not found", ErrorKind::kUnitUnusable};
  if (state == "masked") return Error{"unit " + name + " is masked", ErrorKind::kUnitUnusable};
  if (state != "loaded") {
    return Error{"unit " + name + " failed to load (" + state + ")" +
                     (info->load_error.empty() ? "" : ": " + info->load_error),
                 ErrorKind::kUnitUnusable};
  }
  // A socket unit of the same name activates the service even while the socket is not
  // loaded (then TriggeredBy= is still empty).
  auto triggers = info->triggered_by;
  const auto socket = name.substr(0, name.size() - 8) + ".socket";
  if (auto s = systemd.load_unit(socket); s && s->load_state == "loaded")
    triggers.push_back(socket);
  for (const auto& trigger : triggers) {
    if (trigger.size() > 7 && trigger.substr(trigger.size() - 7) == ".socket") {
      return Error{name + " is socket-activated by " + trigger +
                       "; transient copies cannot receive its sockets (not supported yet)",
                   ErrorKind::kUnitUnusable};
    }
  }

  auto copy = systemd.read_properties(name, kServiceInterface, copied_property_specs());
  if (!copy) return copy.error();
  auto security = systemd.read_properties(name, kServiceInterface, security_property_specs());
  if (!security) return security.error();
  auto unit_level =
      systemd.read_properties(name, kUnitInterface, {{"DefaultDependencies", "b"}, {"Id", "s"}});
  if (!unit_level) return unit_level.error();

  UnitSnapshot snapshot;
  snapshot.info = std::move(*info);
  for (auto& p : *copy) {
    if (!carries_no_setting(p) && !means_disabled_but_reads_otherwise(p)) {
      to_written_form(p);
      snapshot.copy.push_back(std::move(p));
    }
  }
  strip_implied_entries(snapshot.copy);
  auto carried = carried_as_is(systemd, name);
  if (!carried) return carried.error();
  for (auto& p : *carried) snapshot.copy.push_back(std::move(p));
  snapshot.security = std::move(*security);
  for (auto& p : *unit_level) snapshot.security.push_back(std::move(p));
  if (auto* type = find(snapshot.copy, "Type")) snapshot.type = std::get<std::string>(*type);
  if (snapshot.type.empty()) snapshot.type = "simple";
  return snapshot;
}

}  // namespace hb
