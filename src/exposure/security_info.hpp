// What systemd-analyze 252 knows about a unit (its SecurityInfo), decoded from D-Bus properties.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "harden_bisect/exposure.hpp"

namespace hb::exposure {

// Field for field analyze-security.c's SecurityInfo. Initialisers are the values systemd 252
// reports for a service that does not set the option (exec_context_init(), service_init()), used
// when a property is missing from the state. (analyze's own fallbacks for a property the bus did
// not send differ for UMask, 0002, and KeyringMode, unset = bad; D-Bus always sends both.)
struct SecurityInfo {
  bool default_dependencies = true;
  uint64_t ambient_capabilities = 0;
  uint64_t capability_bounding_set = UINT64_MAX;  // CAP_ALL: every capability kept

  std::string user;  // "" = unset, i.e. root
  std::vector<std::string> supplementary_groups;
  bool dynamic_user = false;

  bool ip_address_deny_all = false;
  bool ip_address_allow_localhost = false;
  bool ip_address_allow_other = false;
  bool ip_filters_custom = false;  // IPIngressFilterPath= or IPEgressFilterPath= set

  std::string keyring_mode = "private";  // service_init(): "inherit" under a user manager
  std::string protect_proc = "default";
  std::string proc_subset = "all";
  std::string notify_access = "none";
  bool lock_personality = false;
  bool memory_deny_write_execute = false;
  bool no_new_privileges = false;
  bool protect_hostname = false;

  bool private_devices = false;
  bool private_mounts = false;
  bool private_network = false;
  bool private_tmp = false;
  bool private_users = false;

  bool protect_control_groups = false;
  bool protect_kernel_modules = false;
  bool protect_kernel_tunables = false;
  bool protect_kernel_logs = false;
  bool protect_clock = false;

  std::string protect_home = "no";
  std::string protect_system = "no";

  bool remove_ipc = false;

  // true = the service can NOT open sockets of the family group (restricted, good). Default:
  // RestrictAddressFamilies unset = empty deny-list, nothing restricted.
  bool restrict_address_family_inet = false;
  bool restrict_address_family_unix = false;
  bool restrict_address_family_netlink = false;
  bool restrict_address_family_packet = false;
  bool restrict_address_family_other = false;

  uint64_t restrict_namespaces = UINT64_MAX;  // NAMESPACE_FLAGS_INITIAL; bit = type allowed
  bool restrict_realtime = false;
  bool restrict_suid_sgid = false;

  std::string root_directory;
  std::string root_image;

  bool delegate = false;
  std::string device_policy = "auto";
  bool device_allow_non_empty = false;

  std::set<std::string> system_call_architectures;  // empty: all ABIs
  bool system_call_filter_allow_list = false;       // with an empty set: no filter at all
  // Syscall names as systemd reports them (groups already expanded), ":errno" suffix removed.
  // A literal "@group" entry is kept as is and matches nothing, as in analyze.
  std::set<std::string> system_call_filter;

  // exec_context_init(); a user manager passes on its own umask (usually 0022 too). analyze
  // falls back to 0002 only when the property is absent, which D-Bus never does.
  uint32_t umask = 0022;
};

// Decodes the properties analyze reads; a missing or mistyped property keeps its default.
SecurityInfo read_security_info(const SecurityState& state, bool user_manager);

}  // namespace hb::exposure
