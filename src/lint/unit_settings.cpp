// Unit-file lines to the properties systemd 252 holds after load, setting by setting as its
// config parsers (src/core/load-fragment.c) and unit_patch_contexts() (src/core/unit.c) do. Only
// what systemd-analyze security reads is modelled. A value systemd rejects is ignored, as
// systemd ignores it (with a warning), so later valid lines and defaults stand.
#include "unit_settings.hpp"

#include <sys/socket.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <functional>
#include <map>
#include <set>

#include "../core/assignment_model.hpp"
#include "harden_bisect/capabilities.hpp"
#include "harden_bisect/lint.hpp"
#include "harden_bisect/text.hpp"
#include "syscall_sets.hpp"

namespace hb {
namespace {

namespace names = hb::assignment;

constexpr uint64_t kNamespacesInitial = UINT64_MAX;  // NAMESPACE_FLAGS_INITIAL: never set

// Capability numbers (linux/capability.h) of the load-time bounding-set drops.
constexpr int kCapSysModule = 16, kCapSysRawio = 17, kCapSysTime = 25, kCapMknod = 27,
              kCapSyslog = 34, kCapWakeAlarm = 35;
constexpr uint64_t cap_bit(int cap) { return uint64_t{1} << cap; }

// The ExecContext/CGroupContext fields analyze reads, with systemd's initial values.
struct UnitState {
  bool default_dependencies = true;
  uint64_t ambient = 0;
  uint64_t bounding = UINT64_MAX;
  std::optional<std::string> user;
  std::vector<std::string> supplementary_groups;
  std::map<std::string, bool> flags;  // plain booleans by key
  std::map<std::string, std::string> enums;
  std::vector<IpPrefix> ip_allow, ip_deny;
  std::vector<std::string> ip_ingress, ip_egress;
  bool families_set = false, families_allow = false;  // set: the list exists (non-NULL)
  std::set<std::string> families;
  uint64_t namespaces = kNamespacesInitial;
  std::string root_directory, root_image;
  bool mount_images = false;
  bool delegate = false;
  StringPairs device_allow;
  std::vector<std::string> archs;
  bool syscalls_set = false, syscalls_allow = false;
  std::map<std::string, std::string> syscalls;  // name -> ":errno" action ("" = default)
  uint32_t umask = 0022;
};

// Words of a list value; double or single quotes group words (extract_first_word(UNQUOTE)).
std::vector<std::string> words_of(std::string_view value) {
  std::vector<std::string> out;
  std::string word;
  bool in_word = false;
  char quote = 0;
  for (std::size_t i = 0; i < value.size(); ++i) {
    const char c = value[i];
    if (quote) {
      if (c == quote) {
        quote = 0;
      } else {
        word += c;
      }
    } else if (c == '"' || c == '\'') {
      quote = c;
      in_word = true;
    } else if (c == '\\' && i + 1 < value.size()) {
      word += value[++i];
      in_word = true;
    } else if (c == ' ' || c == '\t' || c == '\n') {
      if (in_word) out.push_back(std::move(word));
      word.clear();
      in_word = false;
    } else {
      word += c;
      in_word = true;
    }
  }
  if (in_word) out.push_back(std::move(word));
  return out;
}

// Unit specifiers (%n, %i, ...) as the system manager resolves them for `id`; nullopt for an
// unknown specifier, which makes systemd ignore the line.
std::optional<std::string> expand_specifiers(std::string_view value, const std::string& id) {
  const std::string name = id.substr(0, id.rfind('.'));
  const auto at = name.find('@');
  const std::string prefix = name.substr(0, at);
  const std::string instance = at == std::string::npos ? "" : name.substr(at + 1);
  std::string out;
  for (std::size_t i = 0; i < value.size(); ++i) {
    if (value[i] != '%') {
      out += value[i];
      continue;
    }
    if (++i == value.size()) return std::nullopt;
    switch (value[i]) {
      case '%':
        out += '%';
        break;
      case 'n':
        out += id;
        break;
      case 'N':
        out += name;
        break;
      case 'p':
      case 'P':
        out += prefix;
        break;
      case 'i':
      case 'I':
        out += instance;
        break;
      case 'j':
      case 'J':
        out += prefix.substr(prefix.rfind('-') + 1);
        break;
      case 'u':
      case 'g':
        out += "root";
        break;
      case 'U':
      case 'G':
        out += "0";
        break;
      case 'h':
        out += "/root";
        break;
      case 's':
        out += "/bin/sh";
        break;
      case 'f':
        out += "/" + (instance.empty() ? prefix : instance);
        break;
      case 'E':
        out += "/etc";
        break;
      case 'S':
        out += "/var/lib";
        break;
      case 'C':
        out += "/var/cache";
        break;
      case 'L':
        out += "/var/log";
        break;
      case 't':
        out += "/run";
        break;
      case 'T':
        out += "/tmp";
        break;
      case 'V':
        out += "/var/tmp";
        break;
      case 'y':
      case 'Y':
        out += "/";
        break;
      case 'a':
      case 'A':
      case 'b':
      case 'B':
      case 'H':
      case 'l':
      case 'm':
      case 'M':
      case 'o':
      case 'q':
      case 'v':
      case 'w':
      case 'W':
      case 'd':
        out += "x";  // host facts: their value does not change any score
        break;
      default:
        return std::nullopt;
    }
  }
  return out;
}

// valid_user_group_name() in its relaxed form, which systemd uses for unit files.
bool valid_user_name(std::string_view u) {
  if (u.empty() || u == "." || u == ".." || u.front() == '-' || u.size() > 256) return false;
  return std::none_of(u.begin(), u.end(), [](char c) {
    return c == ':' || c == '/' || c == ' ' || c == '\t' || c == '\n' ||
           static_cast<unsigned char>(c) < 0x20;
  });
}

bool absolute_path(std::string_view p) { return !p.empty() && p.front() == '/'; }

// capability_set_from_string(): unknown names are skipped; numbers are capabilities too.
uint64_t capability_bits(std::string_view value) {
  uint64_t sum = 0;
  for (const auto& w : words_of(value)) {
    int number = -1;
    auto [end, ec] = std::from_chars(w.data(), w.data() + w.size(), number);
    if (ec == std::errc() && end == w.data() + w.size() && number >= 0 && number < 64) {
      sum |= cap_bit(number);
    } else if (auto n = hb::capability_number(w)) {
      sum |= cap_bit(*n);
    } else {
      std::string upper = w;
      for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      if (auto n = hb::capability_number(upper)) sum |= cap_bit(*n);
    }
  }
  return sum;
}

// config_parse_capability_set(): "" or the first list replaces, later lists merge.
void parse_capabilities(uint64_t& set, uint64_t initial, std::string_view value) {
  const bool invert = !value.empty() && value.front() == '~';
  if (invert) value.remove_prefix(1);
  const uint64_t sum = capability_bits(value);
  if (sum == 0 || set == initial) {
    set = invert ? ~sum : sum;
  } else if (invert) {
    set &= ~sum;
  } else {
    set |= sum;
  }
}

// config_parse_restrict_namespaces().
void parse_namespaces(uint64_t& ns, std::string_view value) {
  if (value.empty()) {
    ns = kNamespacesInitial;
    return;
  }
  if (auto b = parse_boolean(value)) {
    ns = *b ? 0 : names::all_namespaces();
    return;
  }
  const bool invert = value.front() == '~';
  if (invert) value.remove_prefix(1);
  uint64_t flags = 0;
  for (const auto& w : words_of(value)) {
    auto f = names::namespace_flag(w);
    if (!f) return;  // one unknown type fails the whole line
    flags |= *f;
  }
  if (ns == kNamespacesInitial) {
    ns = invert ? ~flags & names::all_namespaces() : flags;
  } else if (invert) {
    ns &= ~flags;
  } else {
    ns |= flags;
  }
}

// config_parse_address_families().
void parse_families(UnitState& s, std::string_view value) {
  if (value.empty()) {
    s.families_set = false;
    s.families_allow = false;
    s.families.clear();
    return;
  }
  if (value == "none") {  // frees the set: the next list starts a new one, in its own mode
    s.families_set = false;
    s.families_allow = true;
    s.families.clear();
    return;
  }
  const bool invert = value.front() == '~';
  if (invert) value.remove_prefix(1);
  if (!s.families_set) {
    s.families_set = true;
    s.families_allow = !invert;
    s.families.clear();
  }
  for (const auto& w : words_of(value)) {
    auto family = names::canonical_family(w);
    if (!family) continue;
    if (!invert == s.families_allow) {
      s.families.insert(*family);
    } else {
      s.families.erase(*family);
    }
  }
}

// seccomp_parse_syscall_filter(): groups recurse; an allow entry on a deny list (or the
// reverse) removes the name.
void add_syscall(UnitState& s, std::string_view name, const std::string& action, bool invert) {
  if (!name.empty() && name.front() == '@') {
    for (const auto& set : lint::syscall_sets_252()) {
      if (set.name != name) continue;
      for (auto member : set.members) add_syscall(s, member, action, invert);
      return;
    }
    return;  // "Unknown system call group, ignoring"
  }
  if (!names::is_syscall_name(name)) return;
  if (invert != s.syscalls_allow) {
    s.syscalls[std::string(name)] = action;
  } else {
    s.syscalls.erase(std::string(name));
  }
}

// config_parse_syscall_filter().
void parse_syscall_filter(UnitState& s, std::string_view value) {
  if (value.empty()) {
    s.syscalls_set = false;
    s.syscalls_allow = false;
    s.syscalls.clear();
    return;
  }
  const bool invert = value.front() == '~';
  if (invert) value.remove_prefix(1);
  if (!s.syscalls_set) {
    s.syscalls_set = true;
    s.syscalls.clear();
    s.syscalls_allow = !invert;
    if (s.syscalls_allow) add_syscall(s, "@default", "", false);
  }
  for (const auto& w : words_of(value)) {
    const auto colon = w.find(':');
    const std::string name = w.substr(0, colon);
    const std::string action = colon == std::string::npos ? "" : w.substr(colon);
    if (!invert && !action.empty()) continue;  // an allowed syscall cannot take an errno
    add_syscall(s, name, action, invert);
  }
}

void parse_ip(std::vector<IpPrefix>& list, std::string_view value) {
  if (value.empty()) {
    list.clear();
    return;
  }
  for (const auto& w : words_of(value)) {
    std::string token = w;
    if (token == "localhost." || token == "localhost.localdomain" ||
        token.ends_with(".localhost") || token.ends_with(".localhost.") ||
        token.ends_with(".localhost.localdomain"))
      token = "localhost";
    if (auto prefixes = names::parse_ip_token(token))
      list.insert(list.end(), prefixes->begin(), prefixes->end());
  }
}

// A path list with specifiers (IPIngressFilterPath=): empty resets.
void parse_path_list(std::vector<std::string>& list, std::string_view value,
                     const std::string& id) {
  if (value.empty()) {
    list.clear();
    return;
  }
  auto path = expand_specifiers(value, id);
  if (path && absolute_path(*path)) list.push_back(*path);
}

// config_parse_device_allow().
void parse_device_allow(StringPairs& list, std::string_view value, const std::string& id) {
  if (value.empty()) {
    list.clear();
    return;
  }
  auto words = words_of(value);
  if (words.empty()) return;
  auto path = expand_specifiers(words[0], id);
  if (!path) return;
  if (!path->starts_with("block-") && !path->starts_with("char-") && !path->starts_with("/dev/") &&
      !path->starts_with("/run/systemd/inaccessible/"))
    return;  // "Invalid device node path, ignoring"
  const std::string rights = words.size() > 1 ? words[1] : "";
  if (!std::all_of(rights.begin(), rights.end(),
                   [](char c) { return c == 'r' || c == 'w' || c == 'm'; }))
    return;
  list.emplace_back(*path, rights.empty() ? "rwm" : rights);
}

std::optional<uint32_t> parse_mode(std::string_view v) {
  unsigned mode = 0;
  auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), mode, 8);
  if (v.empty() || ec != std::errc() || end != v.data() + v.size() || mode > 07777)
    return std::nullopt;
  return mode;
}

// Keys whose value is a plain boolean, by section.
const std::set<std::string>& boolean_keys() {
  static const std::set<std::string> keys = {"DynamicUser",
                                             "LockPersonality",
                                             "MemoryDenyWriteExecute",
                                             "NoNewPrivileges",
                                             "ProtectHostname",
                                             "PrivateDevices",
                                             "PrivateMounts",
                                             "PrivateNetwork",
                                             "PrivateTmp",
                                             "PrivateUsers",
                                             "ProtectControlGroups",
                                             "ProtectKernelModules",
                                             "ProtectKernelTunables",
                                             "ProtectKernelLogs",
                                             "ProtectClock",
                                             "RemoveIPC",
                                             "RestrictRealtime",
                                             "RestrictSUIDSGID",
                                             "RemainAfterExit"};
  return keys;
}

// Keys whose value is one of a few words; yes/no map onto "yes"/"no" where systemd accepts them.
struct EnumKey {
  std::vector<std::string_view> values;
  bool booleans = false;
};
const std::map<std::string, EnumKey, std::less<>>& enum_keys() {
  static const std::map<std::string, EnumKey, std::less<>> keys = {
      {"ProtectSystem", {{"full", "strict"}, true}},
      {"ProtectHome", {{"read-only", "tmpfs"}, true}},
      {"KeyringMode", {{"inherit", "private", "shared"}}},
      {"ProtectProc", {{"default", "noaccess", "invisible", "ptraceable"}}},
      {"ProcSubset", {{"all", "pid"}}},
      {"NotifyAccess", {{"none", "main", "exec", "all"}}},
      {"DevicePolicy", {{"auto", "closed", "strict"}}},
      {"Type", {{"simple", "exec", "forking", "oneshot", "dbus", "notify", "idle"}}},
      {"Restart",
       {{"no", "on-success", "on-failure", "on-abnormal", "on-watchdog", "on-abort", "always"}}},
      {"KillMode", {{"control-group", "process", "mixed", "none"}}},
  };
  return keys;
}

// Commands and other facts service_verify() looks at.
struct ServiceFacts {
  int exec_start = 0;
  bool exec_stop = false;
  bool success_action = false;
  bool bus_name = false;
  bool pam = false;
};

void apply_line(UnitState& s, ServiceFacts& f, const UnitLine& l, const std::string& id) {
  const std::string_view v = l.value;
  if (l.section == "Unit") {
    if (l.key == "DefaultDependencies") {
      if (auto b = parse_boolean(v)) s.default_dependencies = *b;
    } else if (l.key == "SuccessAction") {
      f.success_action = !v.empty() && v != "none";
    }
    return;
  }
  if (l.section != "Service") return;
  const std::string& k = l.key;
  if (boolean_keys().contains(k)) {
    if (auto b = parse_boolean(v)) s.flags[k] = *b;
  } else if (auto e = enum_keys().find(k); e != enum_keys().end()) {
    std::string value(v);
    if (e->second.booleans) {
      if (auto b = parse_boolean(v)) value = *b ? "yes" : "no";
    }
    const auto& allowed = e->second.values;
    const bool boolean_word = e->second.booleans && (value == "yes" || value == "no");
    if (boolean_word || std::find(allowed.begin(), allowed.end(), value) != allowed.end())
      s.enums[k] = value;
  } else if (k == "CapabilityBoundingSet") {
    parse_capabilities(s.bounding, UINT64_MAX, v);
  } else if (k == "AmbientCapabilities") {
    parse_capabilities(s.ambient, 0, v);
  } else if (k == "User") {
    if (v.empty()) {
      s.user.reset();
    } else if (auto u = expand_specifiers(v, id); u && valid_user_name(*u)) {
      s.user = *u;
    }
  } else if (k == "SupplementaryGroups") {
    if (v.empty()) s.supplementary_groups.clear();
    for (const auto& w : words_of(v)) {
      if (auto g = expand_specifiers(w, id); g && valid_user_name(*g))
        s.supplementary_groups.push_back(*g);
    }
  } else if (k == "IPAddressAllow") {
    parse_ip(s.ip_allow, v);
  } else if (k == "IPAddressDeny") {
    parse_ip(s.ip_deny, v);
  } else if (k == "IPIngressFilterPath") {
    parse_path_list(s.ip_ingress, v, id);
  } else if (k == "IPEgressFilterPath") {
    parse_path_list(s.ip_egress, v, id);
  } else if (k == "RestrictAddressFamilies") {
    parse_families(s, v);
  } else if (k == "RestrictNamespaces") {
    parse_namespaces(s.namespaces, v);
  } else if (k == "RootDirectory" || k == "RootImage") {
    std::string& target = k == "RootDirectory" ? s.root_directory : s.root_image;
    if (v.empty()) {
      target.clear();
    } else if (auto p = expand_specifiers(v, id); p && absolute_path(*p)) {
      target = *p;
    }
  } else if (k == "MountImages") {
    s.mount_images = !v.empty();
  } else if (k == "Delegate") {
    auto b = parse_boolean(v);
    s.delegate = b ? *b : true;  // empty or a controller list delegates
  } else if (k == "DeviceAllow") {
    parse_device_allow(s.device_allow, v, id);
  } else if (k == "SystemCallArchitectures") {
    if (v.empty()) s.archs.clear();
    for (const auto& w : words_of(v)) {
      if (names::is_architecture(w) &&
          std::find(s.archs.begin(), s.archs.end(), w) == s.archs.end())
        s.archs.push_back(w);
    }
  } else if (k == "SystemCallFilter") {
    parse_syscall_filter(s, v);
  } else if (k == "UMask") {
    if (auto m = parse_mode(v)) s.umask = *m;
  } else if (k == "ExecStart") {
    f.exec_start = v.empty() ? 0 : f.exec_start + 1;
  } else if (k == "ExecStop") {
    f.exec_stop = !v.empty();
  } else if (k == "BusName") {
    f.bus_name = !v.empty();
  } else if (k == "PAMName") {
    f.pam = !v.empty();
  }
}

struct Loaded {
  UnitState state;
  ServiceFacts facts;
};

Loaded load(const std::vector<UnitLine>& lines, const std::string& id) {
  Loaded l;
  for (const auto& line : lines) apply_line(l.state, l.facts, line, id);
  return l;
}

bool flag(const UnitState& s, const std::string& key) {
  auto it = s.flags.find(key);
  return it != s.flags.end() && it->second;
}

std::string enum_value(const UnitState& s, const std::string& key, const std::string& fallback) {
  auto it = s.enums.find(key);
  return it == s.enums.end() ? fallback : it->second;
}

// The service type after service_add_extras(): unset means dbus with BusName=, simple with
// ExecStart=, oneshot otherwise.
std::string service_type(const Loaded& l) {
  auto it = l.state.enums.find("Type");
  if (it != l.state.enums.end()) return it->second;
  if (l.facts.bus_name) return "dbus";
  return l.facts.exec_start > 0 ? "simple" : "oneshot";
}

// user_from_unit_name(): the unit's prefix if it is a valid user name, else a hashed name.
std::string dynamic_user_name(const std::string& id) {
  const std::string prefix = id.substr(0, std::min(id.find('@'), id.rfind('.')));
  const bool valid = !prefix.empty() && prefix.size() <= 31 &&
                     (std::isalpha(static_cast<unsigned char>(prefix[0])) || prefix[0] == '_') &&
                     std::all_of(prefix.begin(), prefix.end(), [](char c) {
                       return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
                     });
  return valid ? prefix : "_du" + std::to_string(std::hash<std::string>{}(prefix) % 100000000);
}

}  // namespace

std::optional<std::string> refused_by_systemd(const LoadedUnit& unit) {
  const Loaded l = load(unit.lines, unit.id);
  const auto& f = l.facts;
  const std::string type = service_type(l);
  const std::string restart = enum_value(l.state, "Restart", "no");
  const std::string prefix = unit.id + ": ";
  if (f.exec_start == 0 && !f.exec_stop && !f.success_action)
    return prefix + "Service has no ExecStart=, ExecStop=, or SuccessAction=. Refusing.";
  if (type != "oneshot" && f.exec_start == 0)
    return prefix +
           "Service has no ExecStart= setting, which is only allowed for Type=oneshot services. "
           "Refusing.";
  if (!flag(l.state, "RemainAfterExit") && f.exec_start == 0 && !f.success_action)
    return prefix +
           "Service has no ExecStart= and no SuccessAction= settings and does not have "
           "RemainAfterExit=yes set. Refusing.";
  if (type != "oneshot" && f.exec_start > 1)
    return prefix +
           "Service has more than one ExecStart= setting, which is only allowed for "
           "Type=oneshot services. Refusing.";
  if (type == "oneshot" && (restart == "always" || restart == "on-success"))
    return prefix +
           "Service has Restart= set to either always or on-success, which isn't allowed for "
           "Type=oneshot services. Refusing.";
  if (type == "dbus" && !f.bus_name)
    return prefix +
           "Service is of type D-Bus but no D-Bus service name has been specified. Refusing.";
  const std::string kill_mode = enum_value(l.state, "KillMode", "control-group");
  if (f.pam && kill_mode != "control-group" && kill_mode != "mixed")
    return prefix +
           "Service has PAM enabled. Kill mode must be set to 'control-group' or 'mixed'. "
           "Refusing.";
  return std::nullopt;
}

PropertyList unit_security_properties(const std::vector<UnitLine>& lines, const std::string& id,
                                      bool user_manager) {
  UnitState s = load(lines, id).state;

  // unit_patch_contexts(): what loading the unit implies.
  if (flag(s, "PrivateDevices")) s.bounding &= ~(cap_bit(kCapMknod) | cap_bit(kCapSysRawio));
  if (flag(s, "ProtectKernelModules")) s.bounding &= ~cap_bit(kCapSysModule);
  if (flag(s, "ProtectKernelLogs")) s.bounding &= ~cap_bit(kCapSyslog);
  if (flag(s, "ProtectClock")) s.bounding &= ~(cap_bit(kCapSysTime) | cap_bit(kCapWakeAlarm));
  if (flag(s, "DynamicUser")) {
    if (!s.user) s.user = dynamic_user_name(id);
    for (const char* k : {"PrivateTmp", "RemoveIPC", "NoNewPrivileges", "RestrictSUIDSGID"})
      s.flags[k] = true;
    s.enums["ProtectSystem"] = "strict";
    if (enum_value(s, "ProtectHome", "no") == "no") s.enums["ProtectHome"] = "read-only";
  }
  std::string device_policy = enum_value(s, "DevicePolicy", "auto");
  if (flag(s, "PrivateDevices") && device_policy == "auto") device_policy = "closed";
  if ((!s.root_image.empty() || s.mount_images) &&
      (device_policy != "auto" || !s.device_allow.empty())) {
    for (const char* p : {"/dev/loop-control", "/dev/mapper/control"})
      s.device_allow.emplace_back(p, "rw");
    for (const char* p : {"block-loop", "block-blkext", "block-device-mapper"})
      s.device_allow.emplace_back(p, "rwm");
  }
  if (flag(s, "ProtectClock")) s.device_allow.emplace_back("char-rtc", "r");

  PropertyList p;
  p.push_back({"DefaultDependencies", s.default_dependencies});
  p.push_back({"AmbientCapabilities", s.ambient});
  p.push_back({"CapabilityBoundingSet", s.bounding});
  p.push_back({"User", s.user.value_or("")});
  p.push_back({"SupplementaryGroups", s.supplementary_groups});
  for (const auto& key : boolean_keys()) p.push_back({key, flag(s, key)});
  p.push_back({"IPAddressAllow", s.ip_allow});
  p.push_back({"IPAddressDeny", s.ip_deny});
  p.push_back({"IPIngressFilterPath", s.ip_ingress});
  p.push_back({"IPEgressFilterPath", s.ip_egress});
  p.push_back({"KeyringMode", enum_value(s, "KeyringMode", user_manager ? "inherit" : "private")});
  p.push_back({"ProtectProc", enum_value(s, "ProtectProc", "default")});
  p.push_back({"ProcSubset", enum_value(s, "ProcSubset", "all")});
  p.push_back({"NotifyAccess", enum_value(s, "NotifyAccess", "none")});
  p.push_back({"ProtectHome", enum_value(s, "ProtectHome", "no")});
  p.push_back({"ProtectSystem", enum_value(s, "ProtectSystem", "no")});
  if (s.families_set || s.families_allow) {
    p.push_back({"RestrictAddressFamilies",
                 NameList{s.families_allow, {s.families.begin(), s.families.end()}}});
  }
  p.push_back({"RestrictNamespaces", s.namespaces});
  p.push_back({"RootDirectory", s.root_directory});
  p.push_back({"RootImage", s.root_image});
  p.push_back({"Delegate", s.delegate});
  p.push_back({"DevicePolicy", device_policy});
  p.push_back({"DeviceAllow", s.device_allow});
  p.push_back({"SystemCallArchitectures", s.archs});
  if (s.syscalls_set) {
    NameList filter{s.syscalls_allow, {}};
    for (const auto& [name, action] : s.syscalls) filter.names.push_back(name + action);
    p.push_back({"SystemCallFilter", filter});
  }
  p.push_back({"UMask", s.umask});
  return p;
}

}  // namespace hb
