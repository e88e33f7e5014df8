// The settings registry: one row per service setting harden-bisect handles, as systemd's
// analyze-security.c keeps everything about a setting in one row. The copy list of a transient
// copy, the properties the exposure reads, the lists compared as sets and the assignment
// model's merge table are all derived from it.
#pragma once

#include <string_view>
#include <vector>

namespace hb {

// How a transient copy of a unit gets the setting.
enum class CopyMode {
  kNever,    // not sent
  kAlways,   // read with its signature and sent as read
  kWhenSet,  // sent as read, only when it differs from what a unit that sets nothing reads
};

// How assignments of the setting merge onto a unit (the assignment model); kNone: the model
// does not write it.
enum class MergeKind {
  kNone,
  kBool,             // yes is the hardened value (PrivateTmp=)
  kBoolOff,          // no is the hardened value (Delegate=)
  kEnum,             // ordered levels, weakest first (ProtectSystem=)
  kUmask,            // octal; more bits set = stronger
  kCapabilities,     // t, bit = capability kept; "~A B" drops, "A B" keeps, "" drops all
  kNamespaces,       // t, bit = namespace allowed; "~a b" restricts, yes restricts all
  kSyscallFilter,    // (bas); names are groups or syscalls, not comparable without tables
  kAddressFamilies,  // (bas); names are comparable AF_* families
  kArchitectures,    // as; union on merge
  kIpDeny,           // a(iayu); union on merge, assessed together with kIpAllow
  kIpAllow,          // a(iayu)
  kClear,  // the empty value, which clears a list or mask (AmbientCapabilities=); a repair may
           // also grant a mask's named bits (AmbientCapabilities=CAP_NET_BIND_SERVICE)
  // Grants: access a repair adds back, deliberately and narrowly; the words join the list.
  kGrantNames,  // as; names relative to a fixed root (StateDirectory=foo)
  kGrantPaths,  // as; absolute paths, "-" prefix: ignored if missing (ReadWritePaths=)
};

struct Setting {
  std::string_view key;        // unit-file key; the Service D-Bus property has the same name
  std::string_view signature;  // D-Bus signature; "" = read as the manager has it (kWhenSet)
  CopyMode copy = CopyMode::kNever;
  bool scored = false;       // systemd-analyze security reads it
  bool set_meaning = false;  // a list whose order and repeated entries mean nothing
  MergeKind merge = MergeKind::kNone;
  std::vector<std::string_view> levels;  // kEnum: weakest first, as systemd-analyze orders them
  std::string_view default_level;        // kEnum: systemd's default (system manager)
  bool boolean_levels = false;           // kEnum: yes/no (and aliases) map to "yes"/"no"
};

// Every row, in table order (the order a copy's properties are sent in).
const std::vector<Setting>& settings();

// The row for a key, or nullptr.
const Setting* registered_setting(std::string_view key);

}  // namespace hb
