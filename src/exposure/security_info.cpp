#include "security_info.hpp"

#include <sys/socket.h>

#include <optional>
#include <type_traits>

namespace hb::exposure {
namespace {

// Capability numbers (linux/capability.h) of the implied bounding-set drops.
constexpr int kCapMknod = 27, kCapSysRawio = 17, kCapSysModule = 16, kCapSyslog = 34,
              kCapSysTime = 25, kCapWakeAlarm = 35;

constexpr uint64_t bit(int cap) { return uint64_t{1} << cap; }

template <class T>
const T* get(const SecurityState& state, const char* name) {
  const PropertyValue* v = state.find(name);
  return v ? std::get_if<T>(v) : nullptr;
}

// Any integer signature is accepted, so a caller using "t" where D-Bus says "u" is not ignored.
std::optional<uint64_t> get_uint(const SecurityState& state, const char* name) {
  const PropertyValue* v = state.find(name);
  if (v == nullptr) return std::nullopt;
  return std::visit(
      [](const auto& x) -> std::optional<uint64_t> {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
          return static_cast<uint64_t>(x);
        } else {
          return std::nullopt;
        }
      },
      *v);
}

void read_bool(const SecurityState& state, const char* name, bool& out) {
  if (const bool* b = get<bool>(state, name)) out = *b;
}

// ProtectHome/ProtectSystem also accept a bool, rendered as systemd renders it.
void read_string(const SecurityState& state, const char* name, std::string& out) {
  if (const std::string* s = get<std::string>(state, name)) {
    out = *s;
  } else if (const bool* b = get<bool>(state, name)) {
    out = *b ? "yes" : "no";
  }
}

// Offline analyze uses in_addr_is_localhost(): 127.0.0.0/8 or ::1, whatever the prefix length.
// For other families that call returns -EAFNOSUPPORT, which analyze takes as "localhost".
bool is_localhost(const IpPrefix& p) {
  if (p.family == AF_INET) return !p.address.empty() && p.address[0] == 127;
  if (p.family == AF_INET6) {
    if (p.address.size() != 16) return false;
    for (std::size_t i = 0; i < 15; ++i)
      if (p.address[i] != 0) return false;
    return p.address[15] == 1;
  }
  return true;
}

void read_ip_access(const SecurityState& state, SecurityInfo& info) {
  if (const auto* deny = get<std::vector<IpPrefix>>(state, "IPAddressDeny")) {
    bool v4 = false, v6 = false;
    for (const IpPrefix& p : *deny) {
      if (p.family == AF_INET && p.prefix_length == 0) v4 = true;
      if (p.family == AF_INET6 && p.prefix_length == 0) v6 = true;
    }
    info.ip_address_deny_all = v4 && v6;
  }
  if (const auto* allow = get<std::vector<IpPrefix>>(state, "IPAddressAllow")) {
    for (const IpPrefix& p : *allow) {
      (is_localhost(p) ? info.ip_address_allow_localhost : info.ip_address_allow_other) = true;
    }
  }
  for (const char* name : {"IPIngressFilterPath", "IPEgressFilterPath"}) {
    if (const auto* paths = get<std::vector<std::string>>(state, name))
      info.ip_filters_custom = info.ip_filters_custom || !paths->empty();
  }
}

// Every flag starts at the list mode; each listed family flips its group (as analyze does).
void read_address_families(const SecurityState& state, SecurityInfo& info) {
  const auto* list = get<NameList>(state, "RestrictAddressFamilies");
  if (list == nullptr) return;  // default: empty deny-list, nothing restricted
  const bool allow = list->allow;
  info.restrict_address_family_inet = info.restrict_address_family_unix =
      info.restrict_address_family_netlink = info.restrict_address_family_packet =
          info.restrict_address_family_other = allow;
  for (const std::string& name : list->names) {
    if (name == "AF_INET" || name == "AF_INET6") {
      info.restrict_address_family_inet = !allow;
    } else if (name == "AF_UNIX") {
      info.restrict_address_family_unix = !allow;
    } else if (name == "AF_NETLINK") {
      info.restrict_address_family_netlink = !allow;
    } else if (name == "AF_PACKET") {
      info.restrict_address_family_packet = !allow;
    } else {
      info.restrict_address_family_other = !allow;
    }
  }
}

void read_syscall_filter(const SecurityState& state, SecurityInfo& info) {
  if (const auto* archs = get<std::vector<std::string>>(state, "SystemCallArchitectures"))
    info.system_call_architectures.insert(archs->begin(), archs->end());
  const auto* filter = get<NameList>(state, "SystemCallFilter");
  if (filter == nullptr) return;  // default: empty deny-list, i.e. no filter
  info.system_call_filter_allow_list = filter->allow;
  for (const std::string& name : filter->names) {
    info.system_call_filter.insert(name.substr(0, name.find(':')));  // drop ":errno"/action
  }
}

}  // namespace

SecurityInfo read_security_info(const SecurityState& state, bool user_manager) {
  SecurityInfo info;
  // service_init(): KeyringMode defaults to private for system services, inherit for user ones.
  if (user_manager) info.keyring_mode = "inherit";

  read_bool(state, "DefaultDependencies", info.default_dependencies);
  if (auto v = get_uint(state, "AmbientCapabilities")) info.ambient_capabilities = *v;
  if (auto v = get_uint(state, "CapabilityBoundingSet")) info.capability_bounding_set = *v;

  read_string(state, "User", info.user);
  if (const auto* groups = get<std::vector<std::string>>(state, "SupplementaryGroups"))
    info.supplementary_groups = *groups;
  read_bool(state, "DynamicUser", info.dynamic_user);

  read_ip_access(state, info);

  read_string(state, "KeyringMode", info.keyring_mode);
  read_string(state, "ProtectProc", info.protect_proc);
  read_string(state, "ProcSubset", info.proc_subset);
  read_string(state, "NotifyAccess", info.notify_access);
  read_bool(state, "LockPersonality", info.lock_personality);
  read_bool(state, "MemoryDenyWriteExecute", info.memory_deny_write_execute);
  read_bool(state, "NoNewPrivileges", info.no_new_privileges);
  read_bool(state, "ProtectHostname", info.protect_hostname);

  read_bool(state, "PrivateDevices", info.private_devices);
  read_bool(state, "PrivateMounts", info.private_mounts);
  read_bool(state, "PrivateNetwork", info.private_network);
  read_bool(state, "PrivateTmp", info.private_tmp);
  read_bool(state, "PrivateUsers", info.private_users);

  read_bool(state, "ProtectControlGroups", info.protect_control_groups);
  read_bool(state, "ProtectKernelModules", info.protect_kernel_modules);
  read_bool(state, "ProtectKernelTunables", info.protect_kernel_tunables);
  read_bool(state, "ProtectKernelLogs", info.protect_kernel_logs);
  read_bool(state, "ProtectClock", info.protect_clock);

  read_string(state, "ProtectHome", info.protect_home);
  read_string(state, "ProtectSystem", info.protect_system);

  read_bool(state, "RemoveIPC", info.remove_ipc);

  read_address_families(state, info);

  if (auto v = get_uint(state, "RestrictNamespaces")) info.restrict_namespaces = *v;
  read_bool(state, "RestrictRealtime", info.restrict_realtime);
  read_bool(state, "RestrictSUIDSGID", info.restrict_suid_sgid);

  read_string(state, "RootDirectory", info.root_directory);
  read_string(state, "RootImage", info.root_image);

  read_bool(state, "Delegate", info.delegate);
  read_string(state, "DevicePolicy", info.device_policy);
  if (const auto* allow = get<StringPairs>(state, "DeviceAllow"))
    info.device_allow_non_empty = !allow->empty();

  read_syscall_filter(state, info);

  if (auto v = get_uint(state, "UMask")) info.umask = static_cast<uint32_t>(*v);

  // Online analyze (acquire_security_info) drops these itself; systemd already did so at load
  // (unit_patch_contexts), so for a state read from D-Bus this changes nothing, and a hand-built
  // state scores as the loaded unit would. Its PrivateMounts implication is online-only and is
  // deliberately not applied: we match `--offline`.
  if (info.protect_kernel_modules) info.capability_bounding_set &= ~bit(kCapSysModule);
  if (info.protect_kernel_logs) info.capability_bounding_set &= ~bit(kCapSyslog);
  if (info.protect_clock) info.capability_bounding_set &= ~(bit(kCapSysTime) | bit(kCapWakeAlarm));
  if (info.private_devices) info.capability_bounding_set &= ~(bit(kCapMknod) | bit(kCapSysRawio));
  return info;
}

}  // namespace hb::exposure
