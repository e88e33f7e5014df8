// Internals of the assignment model: the settings table, parsed assignments and the generic
// per-kind merge. Like systemd's analyze-security.c, a setting is one table row; the code works
// per kind, never per key.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "harden_bisect/assignment.hpp"
#include "harden_bisect/capabilities.hpp"
#include "harden_bisect/settings.hpp"

namespace hb::assignment {

// The assignment model's view of a registry row: the settings with a merge kind.
using Kind = MergeKind;
using SettingRow = Setting;

// The row for a unit-file key the model merges, or nullptr.
const SettingRow* find_row(std::string_view key);

// Masks and special values systemd uses.
inline constexpr uint64_t kAllBits = UINT64_MAX;  // unset bounding set / namespaces
uint64_t all_namespaces();                        // every namespace flag systemd 252 knows

// One validated assignment.
struct Parsed {
  // Bit-mask forms: "~A B" drops, "A B" keeps, "" (or yes) allows nothing, no allows all.
  enum class Form { kDrop, kKeep, kNone, kAll };

  const SettingRow* row = nullptr;
  Assignment source;
  bool flag = false;               // kBool, kBoolOff
  std::size_t level = 0;           // kEnum: index into row->levels
  uint32_t umask = 0;              // kUmask
  Form form = Form::kKeep;         // kCapabilities, kNamespaces
  uint64_t bits = 0;               // kCapabilities, kNamespaces: the named bits
  bool allow = false;              // (bas): allow-list entry
  std::vector<std::string> names;  // (bas) and kArchitectures tokens, "~" stripped
  std::vector<IpPrefix> prefixes;  // kIpDeny, kIpAllow
  bool grant = false;              // adds access back (kGrant*, or kClear with named bits)
};

// Parses and validates one assignment.
Result<Parsed> parse(const Assignment& assignment);

// The value of `p` on a unit that has no other assignment of its key.
PropertyValue standalone_value(const Parsed& p);

// Tokens of a list value, split on whitespace.
std::vector<std::string> split_words(std::string_view value);

// --- per-kind merge ----------------------------------------------------------------------

// The current state of one setting while assignments are merged onto a baseline.
struct FilterState {
  bool set = false;    // false: no filter at all
  bool allow = false;  // allow-list (true) or deny-list
  std::set<std::string> names;
  bool operator==(const FilterState&) const = default;
};

struct State {
  PropertyValue value;                // replace-type kinds
  FilterState filter;                 // kSyscallFilter, kAddressFamilies
  std::vector<IpPrefix> deny, allow;  // kIpDeny and kIpAllow, always together
};

// What merging did compared to the state before.
struct Effect {
  bool covered = false;  // the state already was at least as strong as the assignment asks
  bool widens = false;   // merging allows something that was not allowed
  bool narrows = false;  // merging forbids something that was allowed
  bool grants = false;   // a repair's grant added access back; applied like a strengthening
};

// Classifies one merge step.
Applicability classify(const Effect& e);

// The state of `row` in `baseline` (missing = systemd's default), or nullopt when a baseline
// property has the wrong type. IP rows read both IPAddressDeny and IPAddressAllow.
std::optional<State> read_state(const PropertyList& baseline, const SettingRow& row);

// Merges `unit` (one assignment, or all IP assignments) into `state` as a drop-in line would.
Effect merge(State& state, const std::vector<const Parsed*>& unit);

// --- ordering and line merging (assignment_render.cpp) -----------------------------------

// `assignments` reordered the way they are merged: per SystemCallFilter/RestrictAddressFamilies
// key, allow-list entries move before deny entries (the first entry fixes the mode); all other
// assignments keep their places.
std::vector<Assignment> in_merge_order(std::vector<Assignment> assignments);

// Same-key lines merged where one line means the same as several: "~" lists joined, allow
// lists joined, IP and architecture lists joined; a replace-type key keeps one line with its
// last value. Expects merge order. Unparseable assignments stay as they are.
std::vector<Assignment> coalesce(const std::vector<Assignment>& assignments);

// --- name tables (assignment_names.cpp) ---------------------------------------------------

// CLONE_NEW* flag of a RestrictNamespaces= name ("user"), or nullopt.
std::optional<uint64_t> namespace_flag(std::string_view name);

// Canonical address-family name (AF_LOCAL -> AF_UNIX), or nullopt if unknown.
std::optional<std::string> canonical_family(std::string_view name);

// True for the syscall groups of systemd 252 ("@system-service").
bool is_syscall_group(std::string_view name);

// True for a well-formed syscall name ("io_uring_setup"); the kernel's list is not checked.
bool is_syscall_name(std::string_view name);

// True for a seccomp architecture name systemd 252 accepts ("native", "x86-64").
bool is_architecture(std::string_view name);

// Architecture name with "native" resolved to this build's architecture.
std::string canonical_arch(std::string_view name);

// Prefixes of one IPAddressAllow/Deny token: any, localhost, link-local, multicast, an IPv4 or
// IPv6 address with optional /length (host bits cleared); nullopt if invalid.
std::optional<std::vector<IpPrefix>> parse_ip_token(std::string_view token);

// True if `inner` lies inside `outer` (same family, shorter or equal prefix, same leading bits).
bool prefix_contains(const IpPrefix& outer, const IpPrefix& inner);

}  // namespace hb::assignment
