// Merging assignments onto a unit's state exactly as systemd merges drop-in lines (and the
// equivalent transient properties), one generic function per kind. Each merge reports whether
// the unit was already as strong, and whether the result allows more or less than before.
#include <algorithm>

#include "assignment_model.hpp"

namespace hb::assignment {
namespace {

constexpr uint32_t kDefaultUmask = 0022;

const Property* last_named(const PropertyList& list, std::string_view name) {
  const Property* found = nullptr;
  for (const auto& p : list) {
    if (p.name == name) found = &p;
  }
  return found;
}

PropertyValue default_value(const SettingRow& row) {
  switch (row.merge) {
    case Kind::kBool:
    case Kind::kBoolOff:
      return false;
    case Kind::kEnum:
      return std::string(row.default_level);
    case Kind::kUmask:
      return kDefaultUmask;
    case Kind::kCapabilities:
    case Kind::kNamespaces:  // systemd reports "unrestricted" as all 64 bits
      return kAllBits;
    case Kind::kClear:
      if (row.signature == "t") return uint64_t{0};
      return std::vector<std::string>{};
    default:
      return std::vector<std::string>{};
  }
}

// One (bas) entry applied as systemd applies a transient entry or drop-in line: an empty list
// resets (except RestrictAddressFamilies' allow-nothing), the first entry fixes the mode, later
// ones add in the same mode and remove in the other.
void replay(FilterState& state, Kind kind, bool allow, const std::vector<std::string>& names) {
  if (names.empty()) {
    state = FilterState{};
    if (kind == Kind::kAddressFamilies && allow) state = FilterState{true, true, {}};
    return;
  }
  if (!state.set) state = FilterState{true, allow, {}};
  for (const auto& raw : names) {
    std::string name = raw;
    if (kind == Kind::kAddressFamilies) {
      name = canonical_family(raw).value_or(raw);
    } else {
      name = raw.substr(0, raw.find(':'));  // "name:EPERM" denies "name"
    }
    if (allow == state.allow) {
      state.names.insert(name);
    } else {
      state.names.erase(name);
    }
  }
}

bool includes(const std::set<std::string>& big, const std::set<std::string>& small) {
  return std::includes(big.begin(), big.end(), small.begin(), small.end());
}

bool intersects(const std::set<std::string>& a, const std::set<std::string>& b) {
  return std::any_of(a.begin(), a.end(), [&](const std::string& x) { return b.count(x) > 0; });
}

// Does filter `a` allow some family that `b` forbids? (Universe of families is open-ended.)
bool allows_beyond(const FilterState& a, const FilterState& b) {
  if (!b.set) return false;
  if (!a.set) return true;
  if (a.allow && b.allow) return !includes(b.names, a.names);
  if (a.allow) return intersects(a.names, b.names);
  if (b.allow) return true;
  return !includes(a.names, b.names);
}

// Level of a bool or enum value, stronger = higher; nullopt for a value the table lacks.
std::optional<std::size_t> rank(const SettingRow& row, const PropertyValue& v) {
  if (row.merge == Kind::kBool) return std::get<bool>(v) ? 1 : 0;
  if (row.merge == Kind::kBoolOff) return std::get<bool>(v) ? 0 : 1;
  auto it = std::find(row.levels.begin(), row.levels.end(), std::get<std::string>(v));
  if (it == row.levels.end()) return std::nullopt;
  return static_cast<std::size_t>(it - row.levels.begin());
}

Effect merge_level(PropertyValue& current, const Parsed& a) {
  const auto value = standalone_value(a);
  const auto have = rank(*a.row, current), want = rank(*a.row, value);
  if (!have) return {false, true, false};  // unknown level: never touch it
  if (*want <= *have) return {true, false, false};
  current = value;
  return {false, false, true};
}

Effect merge_umask(PropertyValue& current, const Parsed& a) {
  const uint32_t have = std::get<uint32_t>(current), want = a.umask;
  if ((have & want) == want) return {true, false, false};
  current = want;  // a UMask= line replaces the mode
  return {false, (have & ~want) != 0, (want & ~have) != 0};
}

// config_parse_capability_set() and config_parse_restrict_namespaces() of systemd 252.
uint64_t replay_mask(Kind kind, uint64_t have, const Parsed& a) {
  using Form = Parsed::Form;
  if (a.form == Form::kNone) return 0;
  if (a.form == Form::kAll) return all_namespaces();
  if (have == kAllBits) {  // still the initial value: the line replaces it
    const uint64_t all = kind == Kind::kNamespaces ? all_namespaces() : kAllBits;
    return a.form == Form::kDrop ? all & ~a.bits : a.bits;
  }
  return a.form == Form::kDrop ? have & ~a.bits : have | a.bits;
}

Effect merge_mask(PropertyValue& current, const Parsed& a) {
  // Only bits systemd acts on count: namespaces beyond the known flags mean nothing.
  const uint64_t meaningful = a.row->merge == Kind::kNamespaces ? all_namespaces() : kAllBits;
  const uint64_t have = std::get<uint64_t>(current);
  const uint64_t intent = std::get<uint64_t>(standalone_value(a)) & meaningful;
  const uint64_t merged = replay_mask(a.row->merge, have, a);
  if ((have & meaningful & ~intent) == 0) return {true, false, false};
  current = merged;
  return {false, (merged & ~have & meaningful) != 0, (have & ~merged & meaningful) != 0};
}

Effect merge_filter(FilterState& state, const Parsed& a) {
  const FilterState before = state;
  if (a.row->merge == Kind::kSyscallFilter) {
    // Groups and expanded syscall names cannot be compared without seccomp's tables: a deny
    // entry only ever forbids more; an allow entry is safe only where there is no filter yet.
    replay(state, a.row->merge, a.allow, a.names);
    if (a.allow && before.set) return {false, true, false};
    return {false, false, true};
  }
  FilterState intent;
  replay(intent, a.row->merge, a.allow, a.names);
  if (!allows_beyond(before, intent)) return {true, false, false};
  replay(state, a.row->merge, a.allow, a.names);
  return {false, allows_beyond(state, before), allows_beyond(before, state)};
}

Effect merge_architectures(PropertyValue& current, const Parsed& a) {
  auto& have = std::get<std::vector<std::string>>(current);
  std::set<std::string> before, want;
  for (const auto& n : have) before.insert(canonical_arch(n));
  for (const auto& n : a.names) want.insert(canonical_arch(n));
  if (!before.empty() && includes(want, before)) return {true, false, false};
  for (const auto& n : a.names) {  // lines add to the set
    if (std::find(have.begin(), have.end(), n) == have.end()) have.push_back(n);
  }
  return {false, !before.empty(), before.empty()};
}

// A repair's grant: the named bits or words join what the unit has.
Effect merge_grant(PropertyValue& current, const Parsed& a) {
  if (auto* mask = std::get_if<uint64_t>(&current)) {
    if ((*mask & a.bits) == a.bits) return {true, false, false};
    *mask |= a.bits;
    return {false, false, false, true};
  }
  auto& have = std::get<std::vector<std::string>>(current);
  bool added = false;
  for (const auto& n : a.names) {
    if (std::find(have.begin(), have.end(), n) != have.end()) continue;
    have.push_back(n);
    added = true;
  }
  return {!added, false, false, added};
}

Effect merge_clear(PropertyValue& current, const Parsed& a) {
  if (a.grant) return merge_grant(current, a);
  const bool empty = std::visit(
      [](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, uint64_t>) return v == 0;
        if constexpr (std::is_same_v<T, std::vector<std::string>>) return v.empty();
        return false;
      },
      current);
  if (empty) return {true, false, false};
  current = standalone_value(a);
  return {false, false, true};
}

bool inside_any(const IpPrefix& p, const std::vector<IpPrefix>& list) {
  return std::any_of(list.begin(), list.end(),
                     [&](const IpPrefix& q) { return prefix_contains(q, p); });
}

bool overlaps_any(const IpPrefix& p, const std::vector<IpPrefix>& list) {
  return std::any_of(list.begin(), list.end(), [&](const IpPrefix& q) {
    return prefix_contains(q, p) || prefix_contains(p, q);
  });
}

// systemd's IP firewall: an address is allowed if it matches IPAddressAllow=, else denied if it
// matches IPAddressDeny=. Lines only add prefixes. The tests below work on single prefixes, so
// they may miss a coverage by several prefixes together: that errs towards "not covered" and
// "widens", never towards weakening the unit.
Effect merge_ip(State& state, const std::vector<const Parsed*>& unit) {
  std::vector<IpPrefix> deny, allow;
  for (const auto* a : unit) {
    auto& list = a->row->merge == Kind::kIpDeny ? deny : allow;
    list.insert(list.end(), a->prefixes.begin(), a->prefixes.end());
  }
  // Covered: everything the unit allows now, the assignments' own policy allows too.
  const bool denied_already = std::all_of(deny.begin(), deny.end(), [&](const IpPrefix& p) {
    return inside_any(p, state.deny) || inside_any(p, allow);
  });
  const bool allowed_kept = std::all_of(
      state.allow.begin(), state.allow.end(),
      [&](const IpPrefix& a) { return inside_any(a, allow) || !overlaps_any(a, deny); });
  if (denied_already && allowed_kept) return {true, false, false};
  const bool widens = std::any_of(allow.begin(), allow.end(), [&](const IpPrefix& q) {
    return overlaps_any(q, state.deny) && !inside_any(q, state.allow);
  });
  std::vector<IpPrefix> merged_allow = state.allow;
  merged_allow.insert(merged_allow.end(), allow.begin(), allow.end());
  const bool narrows = std::any_of(deny.begin(), deny.end(), [&](const IpPrefix& p) {
    return !inside_any(p, state.deny) && !inside_any(p, merged_allow);
  });
  for (const auto& p : deny) {
    if (std::find(state.deny.begin(), state.deny.end(), p) == state.deny.end())
      state.deny.push_back(p);
  }
  for (const auto& p : allow) {
    if (std::find(state.allow.begin(), state.allow.end(), p) == state.allow.end())
      state.allow.push_back(p);
  }
  return {false, widens, narrows};
}

}  // namespace

Applicability classify(const Effect& e) {
  if (e.covered) return Applicability::kAlreadySatisfied;
  if (e.grants) return Applicability::kStrengthens;  // deliberate: a repair rung's grant
  if (e.widens || !e.narrows) return Applicability::kWouldWeaken;
  return Applicability::kStrengthens;
}

std::optional<State> read_state(const PropertyList& baseline, const SettingRow& row) {
  State state;
  switch (row.merge) {
    case Kind::kSyscallFilter:
    case Kind::kAddressFamilies:
      for (const auto& p : baseline) {
        if (p.name != row.key) continue;
        const auto* entry = std::get_if<NameList>(&p.value);
        if (!entry) return std::nullopt;
        replay(state.filter, row.merge, entry->allow, entry->names);
      }
      return state;
    case Kind::kIpDeny:
    case Kind::kIpAllow:
      for (const auto& p : baseline) {
        if (p.name != "IPAddressDeny" && p.name != "IPAddressAllow") continue;
        const auto* prefixes = std::get_if<std::vector<IpPrefix>>(&p.value);
        if (!prefixes) return std::nullopt;
        auto& list = p.name == "IPAddressDeny" ? state.deny : state.allow;
        if (prefixes->empty()) list.clear();  // an empty assignment resets the list
        list.insert(list.end(), prefixes->begin(), prefixes->end());
      }
      return state;
    default:
      break;
  }
  const Property* p = last_named(baseline, row.key);
  state.value = p ? p->value : default_value(row);
  if (std::string_view(signature_of(state.value)) != row.signature) return std::nullopt;
  return state;
}

Effect merge(State& state, const std::vector<const Parsed*>& unit) {
  const Parsed& a = *unit.front();
  switch (a.row->merge) {
    case Kind::kBool:
    case Kind::kBoolOff:
    case Kind::kEnum:
      return merge_level(state.value, a);
    case Kind::kUmask:
      return merge_umask(state.value, a);
    case Kind::kCapabilities:
    case Kind::kNamespaces:
      return merge_mask(state.value, a);
    case Kind::kSyscallFilter:
    case Kind::kAddressFamilies:
      return merge_filter(state.filter, a);
    case Kind::kArchitectures:
      return merge_architectures(state.value, a);
    case Kind::kIpDeny:
    case Kind::kIpAllow:
      return merge_ip(state, unit);
    case Kind::kClear:
      return merge_clear(state.value, a);
    case Kind::kGrantNames:
    case Kind::kGrantPaths:
      return merge_grant(state.value, a);

    case Kind::kNone:  // find_row() never returns such a row
      break;
  }
  return {false, true, false};
}

}  // namespace hb::assignment
