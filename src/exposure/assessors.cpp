#include "assessors.hpp"

#include <sched.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <initializer_list>

#include "harden_bisect/text.hpp"
#include "syscall_groups.hpp"

namespace hb::exposure {
namespace {

// systemd's empty_or_root(): "", "/", "//", "/./" all mean the host root.
bool empty_or_root(std::string_view path) {
  if (path.empty()) return true;
  if (path.front() != '/') return false;
  return std::all_of(path.begin(), path.end(), [](char c) { return c == '/' || c == '.'; }) &&
         path.find("..") == std::string_view::npos;
}

bool runs_privileged(const SecurityInfo& i) {
  if (i.user == "0" || i.user == "root") return true;
  if (i.dynamic_user) return false;
  return i.user.empty();
}

Badness assess_bool(const Assessor& a, const SecurityInfo& i) {
  const bool value = i.*a.flag;
  return a.parameter ? value : !value;  // parameter 1: the option being on is the bad case
}

Badness assess_user(const Assessor&, const SecurityInfo& i) {
  const bool root = i.user == "0" || i.user == "root";
  if (i.user == "nobody") return 9;  // NOBODY_USER_NAME on Debian
  if (i.dynamic_user && !root) return 0;
  if (!i.user.empty() && !root) return 0;
  return 10;
}

Badness assess_supplementary_groups(const Assessor&, const SecurityInfo& i) {
  if (runs_privileged(i)) return std::nullopt;
  return !i.supplementary_groups.empty();
}

Badness assess_protect_home(const Assessor&, const SecurityInfo& i) {
  if (auto b = parse_boolean(i.protect_home)) return *b ? 0 : 10;
  if (i.protect_home == "read-only") return 5;
  if (i.protect_home == "tmpfs") return 1;
  return 10;
}

Badness assess_protect_system(const Assessor&, const SecurityInfo& i) {
  if (auto b = parse_boolean(i.protect_system)) return *b ? 5 : 10;
  if (i.protect_system == "full") return 3;
  if (i.protect_system == "strict") return 0;
  return 10;
}

Badness assess_root_directory(const Assessor&, const SecurityInfo& i) {
  return empty_or_root(i.root_directory) && empty_or_root(i.root_image);
}

Badness assess_capability_bounding_set(const Assessor& a, const SecurityInfo& i) {
  return (i.capability_bounding_set & a.parameter) != 0;
}

// Checks the mask bits from the most to the least harmful permission left open.
Badness assess_umask(const Assessor&, const SecurityInfo& i) {
  if (!(i.umask & 0002)) return 10;
  if (!(i.umask & 0004)) return 5;
  if (!(i.umask & 0020)) return 2;
  if (!(i.umask & 0040)) return 1;
  return 0;
}

Badness assess_keyring_mode(const Assessor&, const SecurityInfo& i) {
  return i.keyring_mode != "private";
}

Badness assess_protect_proc(const Assessor&, const SecurityInfo& i) {
  if (i.protect_proc == "noaccess") return 1;
  if (i.protect_proc == "invisible" || i.protect_proc == "ptraceable") return 0;
  return 3;
}

Badness assess_proc_subset(const Assessor&, const SecurityInfo& i) {
  return i.proc_subset != "pid";
}

Badness assess_notify_access(const Assessor&, const SecurityInfo& i) {
  return i.notify_access == "all";
}

Badness assess_remove_ipc(const Assessor&, const SecurityInfo& i) {
  if (runs_privileged(i)) return std::nullopt;
  return !i.remove_ipc;
}

Badness assess_restrict_namespaces(const Assessor& a, const SecurityInfo& i) {
  return (i.restrict_namespaces & a.parameter) != 0;
}

Badness assess_system_call_architectures(const Assessor&, const SecurityInfo& i) {
  const auto& archs = i.system_call_architectures;
  if (archs.empty()) return 10;
  if (archs.size() == 1 && archs.contains("native")) return 0;
  return 8;
}

Badness assess_system_call_filter(const Assessor& a, const SecurityInfo& i) {
  if (!i.system_call_filter_allow_list && i.system_call_filter.empty()) return 10;
  const bool bad = group_leaks_through_filter(a.syscall_group, i.system_call_filter,
                                              i.system_call_filter_allow_list);
  if (i.system_call_filter_allow_list) return bad ? 9 : 0;
  return bad ? 10 : 0;
}

Badness assess_ip_address_allow(const Assessor&, const SecurityInfo& i) {
  if (i.ip_filters_custom) return 0;
  if (!i.ip_address_deny_all) return 10;
  if (i.ip_address_allow_other) return 5;
  if (i.ip_address_allow_localhost) return 2;
  return 0;
}

Badness assess_device_allow(const Assessor&, const SecurityInfo& i) {
  if (i.device_policy == "strict" || i.device_policy == "closed")
    return i.device_allow_non_empty ? 5 : 0;
  return 10;
}

Badness assess_ambient_capabilities(const Assessor&, const SecurityInfo& i) {
  return i.ambient_capabilities != 0;
}

// Capability numbers from linux/capability.h (kernel ABI, stable).
enum Cap : int {
  kChown = 0,
  kDacOverride = 1,
  kDacReadSearch = 2,
  kFowner = 3,
  kFsetid = 4,
  kKill = 5,
  kSetgid = 6,
  kSetuid = 7,
  kSetpcap = 8,
  kLinuxImmutable = 9,
  kNetBindService = 10,
  kNetBroadcast = 11,
  kNetAdmin = 12,
  kNetRaw = 13,
  kIpcLock = 14,
  kIpcOwner = 15,
  kSysModule = 16,
  kSysRawio = 17,
  kSysChroot = 18,
  kSysPtrace = 19,
  kSysPacct = 20,
  kSysAdmin = 21,
  kSysBoot = 22,
  kSysNice = 23,
  kSysResource = 24,
  kSysTime = 25,
  kSysTtyConfig = 26,
  kMknod = 27,
  kLease = 28,
  kAuditWrite = 29,
  kAuditControl = 30,
  kSetfcap = 31,
  kMacOverride = 32,
  kMacAdmin = 33,
  kSyslog = 34,
  kWakeAlarm = 35,
  kBlockSuspend = 36,
  kAuditRead = 37,
  kBpf = 39,
};

constexpr uint64_t caps(std::initializer_list<int> list) {
  uint64_t mask = 0;
  for (int c : list) mask |= uint64_t{1} << c;
  return mask;
}

constexpr Assessor fn_row(std::string_view id, std::string_view json, uint64_t weight,
                          uint64_t range, AssessFn fn, bool default_dependencies_only = false) {
  return {id, json, weight, range, fn, nullptr, 0, {}, default_dependencies_only};
}

constexpr Assessor flag_row(std::string_view id, std::string_view json, uint64_t weight,
                            bool SecurityInfo::*flag, bool invert = false,
                            bool default_dependencies_only = false) {
  return {id, json, weight, 1, assess_bool, flag, invert ? 1u : 0u, {}, default_dependencies_only};
}

constexpr Assessor cap_row(std::string_view id, std::string_view json, uint64_t weight,
                           uint64_t mask) {
  return {id, json, weight, 1, assess_capability_bounding_set, nullptr, mask, {}, false};
}

constexpr Assessor ns_row(std::string_view id, std::string_view json, uint64_t weight,
                          uint64_t clone_flag) {
  return {id, json, weight, 1, assess_restrict_namespaces, nullptr, clone_flag, {}, false};
}

constexpr Assessor syscall_row(std::string_view id, std::string_view json, uint64_t weight) {
  return {id,   json, weight, 10, assess_system_call_filter, nullptr, 0, id.substr(id.find('@')),
          false};
}

using I = SecurityInfo;

// Same rows, weights, ranges and order as security_assessor_table[] in v252 (HAVE_SECCOMP).
// The json_field "..._BROADCAST_RAW)" keeps v252's stray parenthesis: it is what analyze emits.
const std::array<Assessor, 81> kAssessors = {{
    fn_row("User=/DynamicUser=", "UserOrDynamicUser", 2000, 10, assess_user),
    fn_row("SupplementaryGroups=", "SupplementaryGroups", 200, 1, assess_supplementary_groups),
    flag_row("PrivateDevices=", "PrivateDevices", 1000, &I::private_devices),
    flag_row("PrivateMounts=", "PrivateMounts", 1000, &I::private_mounts),
    flag_row("PrivateNetwork=", "PrivateNetwork", 2500, &I::private_network),
    flag_row("PrivateTmp=", "PrivateTmp", 1000, &I::private_tmp, false, true),
    flag_row("PrivateUsers=", "PrivateUsers", 1000, &I::private_users),
    flag_row("ProtectControlGroups=", "ProtectControlGroups", 1000, &I::protect_control_groups),
    flag_row("ProtectKernelModules=", "ProtectKernelModules", 1000, &I::protect_kernel_modules),
    flag_row("ProtectKernelTunables=", "ProtectKernelTunables", 1000, &I::protect_kernel_tunables),
    flag_row("ProtectKernelLogs=", "ProtectKernelLogs", 1000, &I::protect_kernel_logs),
    flag_row("ProtectClock=", "ProtectClock", 1000, &I::protect_clock),
    fn_row("ProtectHome=", "ProtectHome", 1000, 10, assess_protect_home, true),
    flag_row("ProtectHostname=", "ProtectHostname", 50, &I::protect_hostname),
    fn_row("ProtectSystem=", "ProtectSystem", 1000, 10, assess_protect_system, true),
    fn_row("RootDirectory=/RootImage=", "RootDirectoryOrRootImage", 200, 1, assess_root_directory,
           true),
    flag_row("LockPersonality=", "LockPersonality", 100, &I::lock_personality),
    flag_row("MemoryDenyWriteExecute=", "MemoryDenyWriteExecute", 100,
             &I::memory_deny_write_execute),
    flag_row("NoNewPrivileges=", "NoNewPrivileges", 1000, &I::no_new_privileges),
    cap_row("CapabilityBoundingSet=~CAP_SYS_ADMIN", "CapabilityBoundingSet_CAP_SYS_ADMIN", 1500,
            caps({kSysAdmin})),
    cap_row("CapabilityBoundingSet=~CAP_SET(UID|GID|PCAP)",
            "CapabilityBoundingSet_CAP_SET_UID_GID_PCAP", 1500, caps({kSetuid, kSetgid, kSetpcap})),
    cap_row("CapabilityBoundingSet=~CAP_SYS_PTRACE", "CapabilityBoundingSet_CAP_SYS_PTRACE", 1500,
            caps({kSysPtrace})),
    cap_row("CapabilityBoundingSet=~CAP_SYS_TIME", "CapabilityBoundingSet_CAP_SYS_TIME", 1000,
            caps({kSysTime})),
    cap_row("CapabilityBoundingSet=~CAP_NET_ADMIN", "CapabilityBoundingSet_CAP_NET_ADMIN", 1000,
            caps({kNetAdmin})),
    cap_row("CapabilityBoundingSet=~CAP_SYS_RAWIO", "CapabilityBoundingSet_CAP_SYS_RAWIO", 1000,
            caps({kSysRawio})),
    cap_row("CapabilityBoundingSet=~CAP_SYS_MODULE", "CapabilityBoundingSet_CAP_SYS_MODULE", 1000,
            caps({kSysModule})),
    cap_row("CapabilityBoundingSet=~CAP_AUDIT_*", "CapabilityBoundingSet_CAP_AUDIT", 500,
            caps({kAuditControl, kAuditRead, kAuditWrite})),
    cap_row("CapabilityBoundingSet=~CAP_SYSLOG", "CapabilityBoundingSet_CAP_SYSLOG", 500,
            caps({kSyslog})),
    cap_row("CapabilityBoundingSet=~CAP_SYS_(NICE|RESOURCE)",
            "CapabilityBoundingSet_CAP_SYS_NICE_RESOURCE", 500, caps({kSysNice, kSysResource})),
    cap_row("CapabilityBoundingSet=~CAP_MKNOD", "CapabilityBoundingSet_CAP_MKNOD", 500,
            caps({kMknod})),
    cap_row("CapabilityBoundingSet=~CAP_(CHOWN|FSETID|SETFCAP)",
            "CapabilityBoundingSet_CAP_CHOWN_FSETID_SETFCAP", 1000,
            caps({kChown, kFsetid, kSetfcap})),
    cap_row("CapabilityBoundingSet=~CAP_(DAC_*|FOWNER|IPC_OWNER)",
            "CapabilityBoundingSet_CAP_DAC_FOWNER_IPC_OWNER", 1000,
            caps({kDacOverride, kDacReadSearch, kFowner, kIpcOwner})),
    cap_row("CapabilityBoundingSet=~CAP_KILL", "CapabilityBoundingSet_CAP_KILL", 500,
            caps({kKill})),
    cap_row("CapabilityBoundingSet=~CAP_NET_(BIND_SERVICE|BROADCAST|RAW)",
            "CapabilityBoundingSet_CAP_NET_BIND_SERVICE_BROADCAST_RAW)", 500,
            caps({kNetBindService, kNetBroadcast, kNetRaw})),
    cap_row("CapabilityBoundingSet=~CAP_SYS_BOOT", "CapabilityBoundingSet_CAP_SYS_BOOT", 100,
            caps({kSysBoot})),
    cap_row("CapabilityBoundingSet=~CAP_MAC_*", "CapabilityBoundingSet_CAP_MAC", 100,
            caps({kMacAdmin, kMacOverride})),
    cap_row("CapabilityBoundingSet=~CAP_LINUX_IMMUTABLE",
            "CapabilityBoundingSet_CAP_LINUX_IMMUTABLE", 75, caps({kLinuxImmutable})),
    cap_row("CapabilityBoundingSet=~CAP_IPC_LOCK", "CapabilityBoundingSet_CAP_IPC_LOCK", 50,
            caps({kIpcLock})),
    cap_row("CapabilityBoundingSet=~CAP_SYS_CHROOT", "CapabilityBoundingSet_CAP_SYS_CHROOT", 50,
            caps({kSysChroot})),
    cap_row("CapabilityBoundingSet=~CAP_BLOCK_SUSPEND", "CapabilityBoundingSet_CAP_BLOCK_SUSPEND",
            25, caps({kBlockSuspend})),
    cap_row("CapabilityBoundingSet=~CAP_WAKE_ALARM", "CapabilityBoundingSet_CAP_WAKE_ALARM", 25,
            caps({kWakeAlarm})),
    cap_row("CapabilityBoundingSet=~CAP_LEASE", "CapabilityBoundingSet_CAP_LEASE", 25,
            caps({kLease})),
    cap_row("CapabilityBoundingSet=~CAP_SYS_TTY_CONFIG", "CapabilityBoundingSet_CAP_SYS_TTY_CONFIG",
            25, caps({kSysTtyConfig})),
    cap_row("CapabilityBoundingSet=~CAP_SYS_PACCT", "CapabilityBoundingSet_CAP_SYS_PACCT", 25,
            caps({kSysPacct})),
    cap_row("CapabilityBoundingSet=~CAP_BPF", "CapabilityBoundingSet_CAP_BPF", 25, caps({kBpf})),
    fn_row("UMask=", "UMask", 100, 10, assess_umask),
    fn_row("KeyringMode=", "KeyringMode", 1000, 1, assess_keyring_mode),
    fn_row("ProtectProc=", "ProtectProc", 1000, 3, assess_protect_proc),
    fn_row("ProcSubset=", "ProcSubset", 10, 1, assess_proc_subset),
    fn_row("NotifyAccess=", "NotifyAccess", 1000, 1, assess_notify_access),
    fn_row("RemoveIPC=", "RemoveIPC", 100, 1, assess_remove_ipc),
    flag_row("Delegate=", "Delegate", 100, &I::delegate, /*invert=*/true),
    flag_row("RestrictRealtime=", "RestrictRealtime", 500, &I::restrict_realtime),
    flag_row("RestrictSUIDSGID=", "RestrictSUIDSGID", 1000, &I::restrict_suid_sgid),
    ns_row("RestrictNamespaces=~user", "RestrictNamespaces_user", 1500, CLONE_NEWUSER),
    ns_row("RestrictNamespaces=~mnt", "RestrictNamespaces_mnt", 500, CLONE_NEWNS),
    ns_row("RestrictNamespaces=~ipc", "RestrictNamespaces_ipc", 500, CLONE_NEWIPC),
    ns_row("RestrictNamespaces=~pid", "RestrictNamespaces_pid", 500, CLONE_NEWPID),
    ns_row("RestrictNamespaces=~cgroup", "RestrictNamespaces_cgroup", 500, CLONE_NEWCGROUP),
    ns_row("RestrictNamespaces=~net", "RestrictNamespaces_net", 500, CLONE_NEWNET),
    ns_row("RestrictNamespaces=~uts", "RestrictNamespaces_uts", 100, CLONE_NEWUTS),
    flag_row("RestrictAddressFamilies=~AF_(INET|INET6)", "RestrictAddressFamilies_AF_INET_INET6",
             1500, &I::restrict_address_family_inet),
    flag_row("RestrictAddressFamilies=~AF_UNIX", "RestrictAddressFamilies_AF_UNIX", 25,
             &I::restrict_address_family_unix),
    flag_row("RestrictAddressFamilies=~AF_NETLINK", "RestrictAddressFamilies_AF_NETLINK", 200,
             &I::restrict_address_family_netlink),
    flag_row("RestrictAddressFamilies=~AF_PACKET", "RestrictAddressFamilies_AF_PACKET", 1000,
             &I::restrict_address_family_packet),
    flag_row("RestrictAddressFamilies=~…", "RestrictAddressFamilies_OTHER", 1250,
             &I::restrict_address_family_other),
    fn_row("SystemCallArchitectures=", "SystemCallArchitectures", 1000, 10,
           assess_system_call_architectures),
    syscall_row("SystemCallFilter=~@swap", "SystemCallFilter_swap", 1000),
    syscall_row("SystemCallFilter=~@obsolete", "SystemCallFilter_obsolete", 250),
    syscall_row("SystemCallFilter=~@clock", "SystemCallFilter_clock", 1000),
    syscall_row("SystemCallFilter=~@cpu-emulation", "SystemCallFilter_cpu_emulation", 250),
    syscall_row("SystemCallFilter=~@debug", "SystemCallFilter_debug", 1000),
    syscall_row("SystemCallFilter=~@mount", "SystemCallFilter_mount", 1000),
    syscall_row("SystemCallFilter=~@module", "SystemCallFilter_module", 1000),
    syscall_row("SystemCallFilter=~@raw-io", "SystemCallFilter_raw_io", 1000),
    syscall_row("SystemCallFilter=~@reboot", "SystemCallFilter_reboot", 1000),
    syscall_row("SystemCallFilter=~@privileged", "SystemCallFilter_privileged", 700),
    syscall_row("SystemCallFilter=~@resources", "SystemCallFilter_resources", 700),
    fn_row("IPAddressDeny=", "IPAddressDeny", 1000, 10, assess_ip_address_allow),
    fn_row("DeviceAllow=", "DeviceAllow", 1000, 10, assess_device_allow),
    fn_row("AmbientCapabilities=", "AmbientCapabilities", 500, 1, assess_ambient_capabilities),
}};

}  // namespace

std::span<const Assessor> assessors() { return kAssessors; }

}  // namespace hb::exposure
