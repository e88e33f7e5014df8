#include "syscall_groups.hpp"

#include <algorithm>
#include <array>
#include <initializer_list>

namespace hb::exposure {
namespace {

struct SyscallGroup {
  std::string_view name;
  std::initializer_list<std::string_view> members;  // syscalls or nested "@group"s
};

// Member lists exactly as systemd 252 (src/shared/seccomp-util.c, syscall_filter_sets[]) and
// `systemd-analyze syscall-filter @G` print them; only the scored groups and what they nest.
const std::array<SyscallGroup, 12> kGroups = {{
    {"@chown", {"chown", "chown32", "fchown", "fchown32", "fchownat", "lchown", "lchown32"}},
    {"@clock",
     {"adjtimex", "clock_adjtime", "clock_adjtime64", "clock_settime", "clock_settime64",
      "settimeofday"}},
    {"@cpu-emulation", {"modify_ldt", "subpage_prot", "switch_endian", "vm86", "vm86old"}},
    {"@debug",
     {"lookup_dcookie", "perf_event_open", "pidfd_getfd", "ptrace", "rtas", "s390_runtime_instr",
      "sys_debug_setcontext"}},
    {"@module", {"delete_module", "finit_module", "init_module"}},
    {"@mount",
     {"chroot", "fsconfig", "fsmount", "fsopen", "fspick", "mount", "mount_setattr", "move_mount",
      "open_tree", "pivot_root", "umount", "umount2"}},
    {"@obsolete", {"_sysctl",
                   "afs_syscall",
                   "bdflush",
                   "break",
                   "create_module",
                   "ftime",
                   "get_kernel_syms",
                   "getpmsg",
                   "gtty",
                   "idle",
                   "lock",
                   "mpx",
                   "prof",
                   "profil",
                   "putpmsg",
                   "query_module",
                   "security",
                   "sgetmask",
                   "ssetmask",
                   "stime",
                   "stty",
                   "sysfs",
                   "tuxcall",
                   "ulimit",
                   "uselib",
                   "ustat",
                   "vserver"}},
    {"@privileged",
     {"@chown",      "@clock",        "@module",       "@raw-io",       "@reboot",
      "@swap",       "_sysctl",       "acct",          "bpf",           "capset",
      "chroot",      "fanotify_init", "fanotify_mark", "nfsservctl",    "open_by_handle_at",
      "pivot_root",  "quotactl",      "quotactl_fd",   "setdomainname", "setfsuid",
      "setfsuid32",  "setgroups",     "setgroups32",   "sethostname",   "setresuid",
      "setresuid32", "setreuid",      "setreuid32",    "setuid",        "setuid32",
      "vhangup"}},
    {"@raw-io",
     {"ioperm", "iopl", "pciconfig_iobase", "pciconfig_read", "pciconfig_write",
      "s390_pci_mmio_read", "s390_pci_mmio_write"}},
    {"@reboot", {"kexec_file_load", "kexec_load", "reboot"}},
    {"@resources",
     {"ioprio_set", "mbind", "migrate_pages", "move_pages", "nice", "sched_setaffinity",
      "sched_setattr", "sched_setparam", "sched_setscheduler", "set_mempolicy",
      "set_mempolicy_home_node", "setpriority", "setrlimit"}},
    {"@swap", {"swapoff", "swapon"}},
}};

// Members of the groups above that libseccomp (2.5.4) does not resolve on x86_64; analyze skips
// them ("see if the system call actually exists on this platform"), and systemd never reports
// them in the SystemCallFilter property. Generated with seccomp_syscall_resolve_name() < 0.
constexpr std::array<std::string_view, 38> kAbsentOnX86_64 = {"bdflush",
                                                              "break",
                                                              "chown32",
                                                              "clock_adjtime64",
                                                              "clock_settime64",
                                                              "fchown32",
                                                              "ftime",
                                                              "gtty",
                                                              "idle",
                                                              "lchown32",
                                                              "lock",
                                                              "mpx",
                                                              "nice",
                                                              "pciconfig_iobase",
                                                              "pciconfig_read",
                                                              "pciconfig_write",
                                                              "prof",
                                                              "profil",
                                                              "rtas",
                                                              "s390_pci_mmio_read",
                                                              "s390_pci_mmio_write",
                                                              "s390_runtime_instr",
                                                              "setfsuid32",
                                                              "setgroups32",
                                                              "setresuid32",
                                                              "setreuid32",
                                                              "setuid32",
                                                              "sgetmask",
                                                              "ssetmask",
                                                              "stime",
                                                              "stty",
                                                              "subpage_prot",
                                                              "switch_endian",
                                                              "sys_debug_setcontext",
                                                              "ulimit",
                                                              "umount",
                                                              "vm86",
                                                              "vm86old"};

const SyscallGroup* find_group(std::string_view name) {
  auto it = std::find_if(kGroups.begin(), kGroups.end(),
                         [&](const SyscallGroup& g) { return g.name == name; });
  return it == kGroups.end() ? nullptr : &*it;
}

// Other architectures would need libseccomp at run time; there every listed name counts.
bool exists_on_native_arch(std::string_view syscall) {
#if defined(__x86_64__)
  return std::find(kAbsentOnX86_64.begin(), kAbsentOnX86_64.end(), syscall) ==
         kAbsentOnX86_64.end();
#else
  (void)syscall;
  return true;
#endif
}

}  // namespace

bool is_known_syscall_group(std::string_view group) { return find_group(group) != nullptr; }

bool group_leaks_through_filter(std::string_view group, const std::set<std::string>& filter,
                                bool allow_list) {
  const SyscallGroup* g = find_group(group);
  if (g == nullptr) return false;
  for (std::string_view member : g->members) {
    if (member.starts_with('@')) {
      if (group_leaks_through_filter(member, filter, allow_list)) return true;
      continue;
    }
    if (!exists_on_native_arch(member)) continue;
    // Allow-list: listed means allowed (bad). Deny-list: unlisted means allowed (bad).
    if (filter.contains(std::string(member)) == allow_list) return true;
  }
  return false;
}

}  // namespace hb::exposure
