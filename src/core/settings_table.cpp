// The one table of settings (include/harden_bisect/settings.hpp). Copied and carried settings
// are those StartTransientUnit of systemd 252 accepts on a service (src/core/dbus-execute.c,
// dbus-cgroup.c, dbus-service.c, dbus-kill.c). Restart= is deliberately absent: copies never
// restart. Sandboxing a unit already has is copied too, so the baseline is never weakened.
#include <algorithm>

#include "harden_bisect/settings.hpp"

namespace hb {
namespace {

// A row under construction: copied("PrivateTmp", "b").scored().merges(MergeKind::kBool).
struct Row {
  Setting s;
  Row scored() const {
    return with([](Setting& x) { x.scored = true; });
  }
  Row as_set() const {
    return with([](Setting& x) { x.set_meaning = true; });
  }
  Row merges(MergeKind kind) const {
    return with([&](Setting& x) { x.merge = kind; });
  }
  // Ordered levels, weakest first, with systemd's default; boolean_levels: yes/no are levels.
  Row ladder(std::vector<std::string_view> weakest_first, std::string_view default_level,
             bool boolean_levels = false) const {
    return with([&](Setting& x) {
      x.merge = MergeKind::kEnum;
      x.levels = weakest_first;
      x.default_level = default_level;
      x.boolean_levels = boolean_levels;
    });
  }
  template <class F>
  Row with(F change) const {
    Row copy = *this;
    change(copy.s);
    return copy;
  }
  operator Setting() const { return s; }  // NOLINT: rows read as table lines
};

Row copied(std::string_view key, std::string_view signature) {
  Setting s;
  s.key = key;
  s.signature = signature;
  s.copy = CopyMode::kAlways;
  return {s};
}
Row carried(std::string_view key, std::string_view signature = "") {
  Setting s;
  s.key = key;
  s.signature = signature;
  s.copy = CopyMode::kWhenSet;
  return {s};
}

const std::vector<Setting> kSettings = {
    // Copied to every transient copy, verbatim (read and written with the same signature,
    // except Exec*Ex whose runtime fields the reader drops).
    // How the service runs.
    copied("Type", "s").scored(),
    copied("PIDFile", "s"),
    copied("RemainAfterExit", "b"),
    copied("GuessMainPID", "b"),
    copied("NotifyAccess", "s").scored().ladder({"all", "exec", "main", "none"}, "none"),
    copied("BusName", "s"),
    copied("ExecConditionEx", "a(sasasttttuii)"),
    copied("ExecStartPreEx", "a(sasasttttuii)"),
    copied("ExecStartEx", "a(sasasttttuii)"),
    copied("ExecStartPostEx", "a(sasasttttuii)"),
    copied("ExecReloadEx", "a(sasasttttuii)"),
    copied("ExecStopEx", "a(sasasttttuii)"),
    copied("ExecStopPostEx", "a(sasasttttuii)"),
    copied("TimeoutStartUSec", "t"),
    copied("TimeoutStopUSec", "t"),
    copied("TimeoutAbortUSec", "t"),
    copied("RuntimeMaxUSec", "t"),
    copied("WatchdogUSec", "t"),
    copied("KillMode", "s"),
    copied("KillSignal", "i"),
    copied("RestartKillSignal", "i"),
    copied("FinalKillSignal", "i"),
    copied("SendSIGKILL", "b"),
    copied("SendSIGHUP", "b"),
    copied("WatchdogSignal", "i"),
    // Identity and environment.
    copied("User", "s").scored(),
    copied("Group", "s"),
    copied("DynamicUser", "b").scored().merges(MergeKind::kBool),
    copied("SupplementaryGroups", "as").scored().as_set().merges(MergeKind::kClear),
    copied("PAMName", "s"),
    copied("Environment", "as"),
    copied("EnvironmentFiles", "a(sb)"),
    copied("UnsetEnvironment", "as").as_set(),
    copied("PassEnvironment", "as").as_set(),
    copied("WorkingDirectory", "s"),
    copied("RootDirectory", "s").scored(),
    copied("UMask", "u").scored().merges(MergeKind::kUmask),
    copied("Nice", "i"),
    copied("OOMScoreAdjust", "i"),
    copied("SyslogIdentifier", "s"),
    copied("StandardInput", "s"),
    copied("StandardOutput", "s"),
    copied("StandardError", "s"),
    copied("TTYPath", "s"),
    // Resource limits (hard, then soft).
    copied("LimitCPU", "t"),
    copied("LimitCPUSoft", "t"),
    copied("LimitFSIZE", "t"),
    copied("LimitFSIZESoft", "t"),
    copied("LimitDATA", "t"),
    copied("LimitDATASoft", "t"),
    copied("LimitSTACK", "t"),
    copied("LimitSTACKSoft", "t"),
    copied("LimitCORE", "t"),
    copied("LimitCORESoft", "t"),
    copied("LimitRSS", "t"),
    copied("LimitRSSSoft", "t"),
    copied("LimitNOFILE", "t"),
    copied("LimitNOFILESoft", "t"),
    copied("LimitAS", "t"),
    copied("LimitASSoft", "t"),
    copied("LimitNPROC", "t"),
    copied("LimitNPROCSoft", "t"),
    copied("LimitMEMLOCK", "t"),
    copied("LimitMEMLOCKSoft", "t"),
    copied("LimitLOCKS", "t"),
    copied("LimitLOCKSSoft", "t"),
    copied("LimitSIGPENDING", "t"),
    copied("LimitSIGPENDINGSoft", "t"),
    copied("LimitMSGQUEUE", "t"),
    copied("LimitMSGQUEUESoft", "t"),
    copied("LimitNICE", "t"),
    copied("LimitNICESoft", "t"),
    copied("LimitRTPRIO", "t"),
    copied("LimitRTPRIOSoft", "t"),
    copied("LimitRTTIME", "t"),
    copied("LimitRTTIMESoft", "t"),
    // Managed directories.
    copied("RuntimeDirectory", "as").as_set().merges(MergeKind::kGrantNames),
    copied("RuntimeDirectoryMode", "u"),
    copied("RuntimeDirectoryPreserve", "s"),
    copied("StateDirectory", "as").as_set().merges(MergeKind::kGrantNames),
    copied("StateDirectoryMode", "u"),
    copied("CacheDirectory", "as").as_set().merges(MergeKind::kGrantNames),
    copied("CacheDirectoryMode", "u"),
    copied("LogsDirectory", "as").as_set().merges(MergeKind::kGrantNames),
    copied("LogsDirectoryMode", "u"),
    copied("ConfigurationDirectory", "as").as_set(),
    copied("ConfigurationDirectoryMode", "u"),
    // Existing sandboxing (the baseline).
    copied("ReadWritePaths", "as").as_set().merges(MergeKind::kGrantPaths),
    copied("ReadOnlyPaths", "as").as_set(),
    copied("InaccessiblePaths", "as").as_set(),
    copied("ExecPaths", "as").as_set(),
    copied("NoExecPaths", "as").as_set(),
    copied("BindPaths", "a(ssbt)").as_set(),
    copied("BindReadOnlyPaths", "a(ssbt)").as_set(),
    copied("TemporaryFileSystem", "a(ss)").as_set(),
    copied("NoNewPrivileges", "b").scored().merges(MergeKind::kBool),
    copied("CapabilityBoundingSet", "t").scored().merges(MergeKind::kCapabilities),
    // Only clearing merges safely: "AmbientCapabilities=~CAP_X" on an empty set grants all but X.
    copied("AmbientCapabilities", "t").scored().merges(MergeKind::kClear),
    copied("SecureBits", "i"),
    copied("ProtectSystem", "s").scored().ladder({"no", "yes", "full", "strict"}, "no", true),
    copied("ProtectHome", "s").scored().ladder({"no", "read-only", "tmpfs", "yes"}, "no", true),
    copied("PrivateTmp", "b").scored().merges(MergeKind::kBool),
    copied("PrivateDevices", "b").scored().merges(MergeKind::kBool),
    copied("PrivateNetwork", "b").scored().merges(MergeKind::kBool),
    copied("PrivateUsers", "b").scored().merges(MergeKind::kBool),
    copied("PrivateMounts", "b").scored().merges(MergeKind::kBool),
    copied("PrivateIPC", "b").merges(MergeKind::kBool),
    copied("ProtectKernelTunables", "b").scored().merges(MergeKind::kBool),
    copied("ProtectKernelModules", "b").scored().merges(MergeKind::kBool),
    copied("ProtectKernelLogs", "b").scored().merges(MergeKind::kBool),
    copied("ProtectClock", "b").scored().merges(MergeKind::kBool),
    copied("ProtectControlGroups", "b").scored().merges(MergeKind::kBool),
    copied("ProtectHostname", "b").scored().merges(MergeKind::kBool),
    copied("ProtectProc", "s")
        .scored()
        .ladder({"default", "noaccess", "ptraceable", "invisible"}, "default"),
    copied("ProcSubset", "s").scored().ladder({"all", "pid"}, "all"),
    // KeyringMode: the system manager's default; units read over D-Bus carry the real value.
    copied("KeyringMode", "s").scored().ladder({"inherit", "shared", "private"}, "private"),
    copied("LockPersonality", "b").scored().merges(MergeKind::kBool),
    copied("MemoryDenyWriteExecute", "b").scored().merges(MergeKind::kBool),
    copied("RestrictRealtime", "b").scored().merges(MergeKind::kBool),
    copied("RestrictSUIDSGID", "b").scored().merges(MergeKind::kBool),
    copied("RemoveIPC", "b").scored().merges(MergeKind::kBool),
    copied("RestrictNamespaces", "t").scored().merges(MergeKind::kNamespaces),
    copied("RestrictAddressFamilies", "(bas)")
        .scored()
        .as_set()
        .merges(MergeKind::kAddressFamilies),
    copied("SystemCallFilter", "(bas)").scored().as_set().merges(MergeKind::kSyscallFilter),
    copied("SystemCallArchitectures", "as").scored().as_set().merges(MergeKind::kArchitectures),
    copied("DevicePolicy", "s").scored().ladder({"auto", "closed", "strict"}, "auto"),
    copied("DeviceAllow", "a(ss)").scored().as_set(),
    copied("IPAddressAllow", "a(iayu)").scored().as_set().merges(MergeKind::kIpAllow),
    copied("IPAddressDeny", "a(iayu)").scored().as_set().merges(MergeKind::kIpDeny),
    copied("Delegate", "b").scored().merges(MergeKind::kBoolOff),
    // Resources (cgroup settings).
    copied("Slice", "s"),
    copied("CPUWeight", "t"),
    copied("StartupCPUWeight", "t"),
    copied("CPUQuotaPerSecUSec", "t"),
    copied("CPUQuotaPeriodUSec", "t"),
    copied("IOWeight", "t"),
    copied("StartupIOWeight", "t"),
    copied("MemoryMin", "t"),
    copied("MemoryLow", "t"),
    copied("MemoryHigh", "t"),
    copied("MemoryMax", "t"),
    copied("MemorySwapMax", "t"),
    copied("TasksMax", "t"),
    copied("OOMPolicy", "s"),
    // Carried as they are, and only when the unit sets them: when their value differs from the
    // one a unit that sets nothing reads (StartTransientUnit of 252 takes them; read and write
    // forms agree).
    // Logging.
    carried("SyslogLevel"),
    carried("SyslogFacility"),
    carried("SyslogLevelPrefix"),
    carried("LogLevelMax"),
    carried("LogRateLimitIntervalUSec"),
    carried("LogRateLimitBurst"),
    carried("LogExtraFields"),
    carried("LogNamespace"),
    // Terminal and login records.
    carried("TTYReset"),
    carried("TTYVHangup"),
    carried("TTYVTDisallocate"),
    carried("TTYRows"),
    carried("TTYColumns"),
    carried("UtmpIdentifier"),
    carried("UtmpMode"),
    carried("IgnoreSIGPIPE"),
    // Scheduling and memory placement.
    carried("CPUSchedulingPolicy"),
    carried("CPUSchedulingPriority"),
    carried("CPUSchedulingResetOnFork"),
    carried("IOSchedulingClass"),
    carried("IOSchedulingPriority"),
    carried("CPUAffinity"),
    carried("CPUAffinityFromNUMA"),
    carried("NUMAPolicy"),
    carried("NUMAMask"),
    carried("TimerSlackNSec"),
    carried("CoredumpFilter"),
    carried("Personality"),
    // Credentials and input.
    carried("LoadCredential").as_set(),
    carried("LoadCredentialEncrypted").as_set(),
    carried("SetCredential").as_set(),
    carried("SetCredentialEncrypted").as_set(),
    carried("StandardInputData"),
    // Mounts, images, namespaces, MAC labels.
    carried("MountAPIVFS"),
    carried("MountFlags"),
    carried("RootImage", "s").scored(),
    carried("RootImageOptions"),
    carried("RootHash"),
    carried("RootHashPath"),
    carried("RootHashSignature"),
    carried("RootHashSignaturePath"),
    carried("RootVerity"),
    carried("MountImages"),
    carried("ExtensionImages"),
    carried("ExtensionDirectories").as_set(),
    carried("NetworkNamespacePath"),
    carried("IPCNamespacePath"),
    carried("SELinuxContext"),
    carried("AppArmorProfile"),
    carried("SmackProcessLabel"),
    // Further sandboxing.
    carried("RestrictFileSystems").as_set(),
    carried("SystemCallErrorNumber"),
    carried("SystemCallLog").as_set(),
    carried("SocketBindAllow").as_set(),
    carried("SocketBindDeny").as_set(),
    carried("RestrictNetworkInterfaces").as_set(),
    carried("IPIngressFilterPath", "as").scored().as_set(),
    carried("IPEgressFilterPath", "as").scored().as_set(),
    carried("BPFProgram"),
    // Resource control.
    carried("CPUAccounting"),
    carried("MemoryAccounting"),
    carried("TasksAccounting"),
    carried("IOAccounting"),
    carried("IPAccounting"),
    carried("BlockIOAccounting"),
    carried("AllowedCPUs"),
    carried("StartupAllowedCPUs"),
    carried("AllowedMemoryNodes"),
    carried("StartupAllowedMemoryNodes"),
    carried("IODeviceWeight"),
    carried("IOReadBandwidthMax"),
    carried("IOWriteBandwidthMax"),
    carried("IOReadIOPSMax"),
    carried("IOWriteIOPSMax"),
    carried("IODeviceLatencyTargetUSec"),
    carried("DelegateControllers").as_set(),
    carried("DisableControllers").as_set(),
    carried("ManagedOOMSwap"),
    carried("ManagedOOMMemoryPressure"),
    carried("ManagedOOMMemoryPressureLimit"),
    carried("ManagedOOMPreference"),
    carried("DefaultMemoryLow"),
    carried("DefaultMemoryMin"),
    carried("StartupMemoryLow"),
    carried("StartupMemoryHigh"),
    carried("StartupMemoryMax"),
    carried("StartupMemorySwapMax"),
    carried("CPUShares"),
    carried("StartupCPUShares"),
    carried("MemoryLimit"),
    carried("BlockIOWeight"),
    carried("StartupBlockIOWeight"),
    // Service life cycle.
    carried("SuccessExitStatus").as_set(),
    carried("ExitType"),
    carried("TimeoutStartFailureMode"),
    carried("TimeoutStopFailureMode"),
    carried("RuntimeRandomizedExtraUSec"),
    carried("FileDescriptorStoreMax"),
    carried("RootDirectoryStartOnly"),
    carried("USBFunctionDescriptors"),
    carried("USBFunctionStrings"),
};

}  // namespace

const std::vector<Setting>& settings() { return kSettings; }

const Setting* registered_setting(std::string_view key) {
  auto it = std::find_if(kSettings.begin(), kSettings.end(),
                         [&](const Setting& s) { return s.key == key; });
  return it == kSettings.end() ? nullptr : &*it;
}

}  // namespace hb
