#include "harden_bisect/unit_snapshot.hpp"

#include <algorithm>
#include <map>

namespace hb {
namespace {

constexpr const char* kServiceInterface = "org.freedesktop.systemd1.Service";
constexpr const char* kUnitInterface = "org.freedesktop.systemd1.Unit";

// Service settings a copy reproduces verbatim (read and written with the same signature,
// except Exec*Ex whose runtime fields the reader drops). Restart= is deliberately absent:
// copies never restart. Sandboxing already present is copied too, so the baseline is never
// weakened.
const std::vector<PropertySpec> kCopiedProperties = {
    // How the service runs.
    {"Type", "s"},
    {"PIDFile", "s"},
    {"RemainAfterExit", "b"},
    {"GuessMainPID", "b"},
    {"NotifyAccess", "s"},
    {"BusName", "s"},
    {"ExecConditionEx", "a(sasasttttuii)"},
    {"ExecStartPreEx", "a(sasasttttuii)"},
    {"ExecStartEx", "a(sasasttttuii)"},
    {"ExecStartPostEx", "a(sasasttttuii)"},
    {"ExecReloadEx", "a(sasasttttuii)"},
    {"ExecStopEx", "a(sasasttttuii)"},
    {"ExecStopPostEx", "a(sasasttttuii)"},
    {"TimeoutStartUSec", "t"},
    {"TimeoutStopUSec", "t"},
    {"TimeoutAbortUSec", "t"},
    {"RuntimeMaxUSec", "t"},
    {"WatchdogUSec", "t"},
    {"KillMode", "s"},
    {"KillSignal", "i"},
    {"RestartKillSignal", "i"},
    {"FinalKillSignal", "i"},
    {"SendSIGKILL", "b"},
    {"SendSIGHUP", "b"},
    {"WatchdogSignal", "i"},
    // Identity and environment.
    {"User", "s"},
    {"Group", "s"},
    {"DynamicUser", "b"},
    {"SupplementaryGroups", "as"},
    {"PAMName", "s"},
    {"Environment", "as"},
    {"EnvironmentFiles", "a(sb)"},
    {"UnsetEnvironment", "as"},
    {"PassEnvironment", "as"},
    {"WorkingDirectory", "s"},
    {"RootDirectory", "s"},
    {"UMask", "u"},
    {"Nice", "i"},
    {"OOMScoreAdjust", "i"},
    {"SyslogIdentifier", "s"},
    {"StandardInput", "s"},
    {"StandardOutput", "s"},
    {"StandardError", "s"},
    {"TTYPath", "s"},
    // Resource limits (hard, then soft).
    {"LimitCPU", "t"},
    {"LimitCPUSoft", "t"},
    {"LimitFSIZE", "t"},
    {"LimitFSIZESoft", "t"},
    {"LimitDATA", "t"},
    {"LimitDATASoft", "t"},
    {"LimitSTACK", "t"},
    {"LimitSTACKSoft", "t"},
    {"LimitCORE", "t"},
    {"LimitCORESoft", "t"},
    {"LimitRSS", "t"},
    {"LimitRSSSoft", "t"},
    {"LimitNOFILE", "t"},
    {"LimitNOFILESoft", "t"},
    {"LimitAS", "t"},
    {"LimitASSoft", "t"},
    {"LimitNPROC", "t"},
    {"LimitNPROCSoft", "t"},
    {"LimitMEMLOCK", "t"},
    {"LimitMEMLOCKSoft", "t"},
    {"LimitLOCKS", "t"},
    {"LimitLOCKSSoft", "t"},
    {"LimitSIGPENDING", "t"},
    {"LimitSIGPENDINGSoft", "t"},
    {"LimitMSGQUEUE", "t"},
    {"LimitMSGQUEUESoft", "t"},
    {"LimitNICE", "t"},
    {"LimitNICESoft", "t"},
    {"LimitRTPRIO", "t"},
    {"LimitRTPRIOSoft", "t"},
    {"LimitRTTIME", "t"},
    {"LimitRTTIMESoft", "t"},
    // Managed directories.
    {"RuntimeDirectory", "as"},
    {"RuntimeDirectoryMode", "u"},
    {"RuntimeDirectoryPreserve", "s"},
    {"StateDirectory", "as"},
    {"StateDirectoryMode", "u"},
    {"CacheDirectory", "as"},
    {"CacheDirectoryMode", "u"},
    {"LogsDirectory", "as"},
    {"LogsDirectoryMode", "u"},
    {"ConfigurationDirectory", "as"},
    {"ConfigurationDirectoryMode", "u"},
    // Existing sandboxing (the baseline).
    {"ReadWritePaths", "as"},
    {"ReadOnlyPaths", "as"},
    {"InaccessiblePaths", "as"},
    {"ExecPaths", "as"},
    {"NoExecPaths", "as"},
    {"BindPaths", "a(ssbt)"},
    {"BindReadOnlyPaths", "a(ssbt)"},
    {"TemporaryFileSystem", "a(ss)"},
    {"NoNewPrivileges", "b"},
    {"CapabilityBoundingSet", "t"},
    {"AmbientCapabilities", "t"},
    {"SecureBits", "i"},
    {"ProtectSystem", "s"},
    {"ProtectHome", "s"},
    {"PrivateTmp", "b"},
    {"PrivateDevices", "b"},
    {"PrivateNetwork", "b"},
    {"PrivateUsers", "b"},
    {"PrivateMounts", "b"},
    {"PrivateIPC", "b"},
    {"ProtectKernelTunables", "b"},
    {"ProtectKernelModules", "b"},
    {"ProtectKernelLogs", "b"},
    {"ProtectClock", "b"},
    {"ProtectControlGroups", "b"},
    {"ProtectHostname", "b"},
    {"ProtectProc", "s"},
    {"ProcSubset", "s"},
    {"KeyringMode", "s"},
    {"LockPersonality", "b"},
    {"MemoryDenyWriteExecute", "b"},
    {"RestrictRealtime", "b"},
    {"RestrictSUIDSGID", "b"},
    {"RemoveIPC", "b"},
    {"RestrictNamespaces", "t"},
    {"RestrictAddressFamilies", "(bas)"},
    {"SystemCallFilter", "(bas)"},
    {"SystemCallArchitectures", "as"},
    {"DevicePolicy", "s"},
    {"DeviceAllow", "a(ss)"},
    {"IPAddressAllow", "a(iayu)"},
    {"IPAddressDeny", "a(iayu)"},
    {"Delegate", "b"},
    // Resources (cgroup settings).
    {"Slice", "s"},
    {"CPUWeight", "t"},
    {"StartupCPUWeight", "t"},
    {"CPUQuotaPerSecUSec", "t"},
    {"CPUQuotaPeriodUSec", "t"},
    {"IOWeight", "t"},
    {"StartupIOWeight", "t"},
    {"MemoryMin", "t"},
    {"MemoryLow", "t"},
    {"MemoryHigh", "t"},
    {"MemoryMax", "t"},
    {"MemorySwapMax", "t"},
    {"TasksMax", "t"},
    {"OOMPolicy", "s"},
};

// Service properties that are runtime state, or differ from the original on purpose.
bool ignored_in_fidelity_check(const std::string& name) {
  static const std::vector<std::string> kExact = {"MainPID",
                                                  "ControlPID",
                                                  "StatusText",
                                                  "StatusErrno",
                                                  "Result",
                                                  "ReloadResult",
                                                  "CleanResult",
                                                  "NRestarts",
                                                  "ControlGroup",
                                                  "ControlGroupId",
                                                  "MemoryCurrent",
                                                  "MemoryAvailable",
                                                  "CPUUsageNSec",
                                                  "EffectiveCPUs",
                                                  "EffectiveMemoryNodes",
                                                  "TasksCurrent",
                                                  "UID",
                                                  "GID",
                                                  "NFileDescriptorStore",
                                                  "Restart",
                                                  "RestartUSec",
                                                  "RestartPreventExitStatus",
                                                  "RestartForceExitStatus",
                                                  "GuessMainPID"};
  static const std::vector<std::string> kPrefixes = {
      "ExecMain", "IPIngress", "IPEgress", "IORead", "IOWrite", "WatchdogTimestamp",
      // Exec* lists carry run-time fields; they are copied from the parsed form instead.
      "ExecCondition", "ExecStartPre", "ExecStart", "ExecStartPost", "ExecReload", "ExecStop"};
  if (std::find(kExact.begin(), kExact.end(), name) != kExact.end()) return true;
  return std::any_of(kPrefixes.begin(), kPrefixes.end(),
                     [&](const std::string& p) { return name.rfind(p, 0) == 0; });
}

// The read-only runtime fields and defaults that say nothing about the unit's configuration.
bool carries_no_setting(const Property& p) {
  return std::visit(
      [](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::string>) {
          return v.empty();
        } else if constexpr (std::is_same_v<T, NameList>) {
          return v.names.empty() && !v.allow;
        } else if constexpr (std::is_arithmetic_v<T>) {
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

const PropertyValue* find(const PropertyList& list, const std::string& name) {
  for (const auto& p : list) {
    if (p.name == name) return &p.value;
  }
  return nullptr;
}

}  // namespace

const std::vector<PropertySpec>& security_property_specs() {
  static const std::vector<PropertySpec> kSpecs = {
      {"AmbientCapabilities", "t"},
      {"CapabilityBoundingSet", "t"},
      {"Delegate", "b"},
      {"DeviceAllow", "a(ss)"},
      {"DevicePolicy", "s"},
      {"DynamicUser", "b"},
      {"IPAddressAllow", "a(iayu)"},
      {"IPAddressDeny", "a(iayu)"},
      {"IPIngressFilterPath", "as"},
      {"IPEgressFilterPath", "as"},
      {"KeyringMode", "s"},
      {"ProtectProc", "s"},
      {"ProcSubset", "s"},
      {"LockPersonality", "b"},
      {"MemoryDenyWriteExecute", "b"},
      {"NoNewPrivileges", "b"},
      {"NotifyAccess", "s"},
      {"PrivateDevices", "b"},
      {"PrivateMounts", "b"},
      {"PrivateNetwork", "b"},
      {"PrivateTmp", "b"},
      {"PrivateUsers", "b"},
      {"ProtectControlGroups", "b"},
      {"ProtectHome", "s"},
      {"ProtectHostname", "b"},
      {"ProtectKernelModules", "b"},
      {"ProtectKernelTunables", "b"},
      {"ProtectKernelLogs", "b"},
      {"ProtectClock", "b"},
      {"ProtectSystem", "s"},
      {"RemoveIPC", "b"},
      {"RestrictAddressFamilies", "(bas)"},
      {"RestrictNamespaces", "t"},
      {"RestrictRealtime", "b"},
      {"RestrictSUIDSGID", "b"},
      {"RootDirectory", "s"},
      {"RootImage", "s"},
      {"SupplementaryGroups", "as"},
      {"SystemCallArchitectures", "as"},
      {"SystemCallFilter", "(bas)"},
      {"Type", "s"},
      {"UMask", "u"},
      {"User", "s"},
  };
  return kSpecs;
}

// sd_bus_message_dump text as one short line: the value without the name, spaces collapsed.
std::string compact_dump(const std::string& dump) {
  auto start = dump.find("VARIANT");
  std::string out;
  for (char c : dump.substr(start == std::string::npos ? 0 : start)) {
    if (c == '\n' || c == '\t') c = ' ';
    if (c == ' ' && !out.empty() && out.back() == ' ') continue;
    out += c;
  }
  return out.size() > 60 ? out.substr(0, 59) + "…" : out;
}

// Values that read differently but mean the same: a disabled watchdog is 0 or infinity.
bool same_meaning(const std::string& name, const std::string& a, const std::string& b) {
  if (name != "WatchdogUSec") return false;
  auto disabled = [](const std::string& dump) {
    return dump.find("UINT64 0;") != std::string::npos ||
           dump.find("UINT64 18446744073709551615;") != std::string::npos;
  };
  return disabled(a) && disabled(b);
}

std::vector<std::string> unreproduced_settings(const std::map<std::string, std::string>& original,
                                               const std::map<std::string, std::string>& copy) {
  std::vector<std::string> missing;
  for (const auto& [name, value] : original) {
    if (ignored_in_fidelity_check(name)) continue;
    auto it = copy.find(name);
    if (it == copy.end()) {
      missing.push_back(name);
    } else if (it->second != value && !same_meaning(name, value, it->second)) {
      missing.push_back(name + " (" + compact_dump(value) + " vs copy " + compact_dump(it->second) +
                        ")");
    }
  }
  return missing;
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

  auto copy = systemd.read_properties(name, kServiceInterface, kCopiedProperties);
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
      snapshot.copy.push_back(std::move(p));
    }
  }
  snapshot.security = std::move(*security);
  for (auto& p : *unit_level) snapshot.security.push_back(std::move(p));
  if (auto* type = find(snapshot.copy, "Type")) snapshot.type = std::get<std::string>(*type);
  if (snapshot.type.empty()) snapshot.type = "simple";
  return snapshot;
}

}  // namespace hb
