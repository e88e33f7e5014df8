// Parsing and validating one unit-file assignment, one function per kind.
#include <algorithm>
#include <cctype>
#include <charconv>

#include "assignment_model.hpp"
#include "harden_bisect/text.hpp"

namespace hb::assignment {
namespace {

// The assignment as one printable line, for error messages.
std::string text_of(const Assignment& a) {
  std::string text = a.key + "=" + a.value;
  for (auto& c : text) {
    if (std::iscntrl(static_cast<unsigned char>(c))) c = ' ';
  }
  return text;
}

Error bad(const Assignment& a, const std::string& why) {
  return Error{"invalid " + text_of(a) + ": " + why, ErrorKind::kBadInput};
}

std::string joined(const std::vector<std::string_view>& items) {
  std::string out;
  for (auto item : items) out += (out.empty() ? "" : ", ") + std::string(item);
  return out;
}

// Splits "~a b" into the inversion flag and its words; an empty list is an error.
Result<std::vector<std::string>> list_words(const Assignment& a, bool& inverted) {
  std::string_view value = a.value;
  inverted = !value.empty() && value.front() == '~';
  if (inverted) value.remove_prefix(1);
  auto words = split_words(value);
  if (words.empty()) return bad(a, "empty list (it would reset the setting, not harden it)");
  return words;
}

Status parse_bool(const Assignment& a, Parsed& p) {
  auto b = parse_boolean(a.value);
  if (!b) return bad(a, "expected a boolean (yes or no)");
  p.flag = *b;
  return {};
}

Status parse_enum(const Assignment& a, Parsed& p) {
  const auto& levels = p.row->levels;
  std::string value = a.value;
  if (p.row->boolean_levels) {
    if (auto b = parse_boolean(value)) value = *b ? "yes" : "no";
  }
  auto it = std::find(levels.begin(), levels.end(), value);
  if (it == levels.end()) return bad(a, "expected one of: " + joined(levels));
  p.level = static_cast<std::size_t>(it - levels.begin());
  return {};
}

Status parse_umask(const Assignment& a, Parsed& p) {
  const auto& v = a.value;
  unsigned mode = 0;
  auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), mode, 8);
  if (v.empty() || v.size() > 4 || ec != std::errc() || end != v.data() + v.size() || mode > 0777) {
    return bad(a, "expected an octal mode from 0000 to 0777");
  }
  p.umask = mode;
  return {};
}

Status parse_capabilities(const Assignment& a, Parsed& p) {
  if (a.value.empty()) {  // drops every capability
    p.form = Parsed::Form::kNone;
    return {};
  }
  bool inverted = false;
  auto words = list_words(a, inverted);
  if (!words) return words.error();
  for (const auto& w : *words) {
    auto number = capability_number(w);
    if (!number) return bad(a, "unknown capability " + w);
    p.bits |= uint64_t{1} << *number;
  }
  p.form = inverted ? Parsed::Form::kDrop : Parsed::Form::kKeep;
  return {};
}

Status parse_namespaces(const Assignment& a, Parsed& p) {
  if (auto b = parse_boolean(a.value)) {  // yes restricts every namespace type
    p.form = *b ? Parsed::Form::kNone : Parsed::Form::kAll;
    return {};
  }
  bool inverted = false;
  auto words = list_words(a, inverted);
  if (!words) return words.error();
  for (const auto& w : *words) {
    auto flag = namespace_flag(w);
    if (!flag)
      return bad(a, "unknown namespace type " + w + " (cgroup ipc net mnt pid user uts time)");
    p.bits |= *flag;
  }
  p.form = inverted ? Parsed::Form::kDrop : Parsed::Form::kKeep;
  return {};
}

// "name" or, in a deny list, "name:EPERM" / "name:13" / "name:kill".
bool valid_errno_action(std::string_view action) {
  if (action == "kill") return true;
  if (action.size() > 1 && action[0] == 'E') {
    return std::all_of(action.begin() + 1, action.end(), [](char c) {
      return std::isupper(static_cast<unsigned char>(c)) ||
             std::isdigit(static_cast<unsigned char>(c));
    });
  }
  unsigned number = 0;
  auto [end, ec] = std::from_chars(action.data(), action.data() + action.size(), number);
  return !action.empty() && ec == std::errc() && end == action.data() + action.size() &&
         number <= 4095;
}

Status parse_syscall_filter(const Assignment& a, Parsed& p) {
  bool inverted = false;
  auto words = list_words(a, inverted);
  if (!words) return words.error();
  for (const auto& w : *words) {
    const auto colon = w.find(':');
    const std::string_view name = std::string_view(w).substr(0, colon);
    if (colon != std::string::npos) {
      if (!inverted) return bad(a, "an errno (" + w + ") is only allowed in a ~deny list");
      if (!valid_errno_action(std::string_view(w).substr(colon + 1))) {
        return bad(a, "invalid errno in " + w);
      }
    }
    if (!name.empty() && name[0] == '@') {
      if (!is_syscall_group(name)) return bad(a, "unknown syscall group " + std::string(name));
    } else if (!is_syscall_name(name)) {
      return bad(a, "invalid syscall name " + std::string(name));
    }
  }
  p.allow = !inverted;
  p.names = std::move(*words);
  return {};
}

Status parse_address_families(const Assignment& a, Parsed& p) {
  if (a.value == "none") {
    // "none" clears the set, so a later "~" line starts a fresh deny list: it does not merge.
    return bad(a, "'none' is not supported; list the families to allow instead");
  }
  bool inverted = false;
  auto words = list_words(a, inverted);
  if (!words) return words.error();
  for (const auto& w : *words) {
    if (!canonical_family(w)) return bad(a, "unknown address family " + w);
  }
  p.allow = !inverted;
  p.names = std::move(*words);
  return {};
}

Status parse_architectures(const Assignment& a, Parsed& p) {
  auto words = split_words(a.value);
  if (words.empty()) return bad(a, "empty list (it would reset the setting, not harden it)");
  for (const auto& w : words) {
    if (!is_architecture(w)) return bad(a, "unknown architecture " + w);
  }
  p.names = std::move(words);
  return {};
}

Status parse_ip(const Assignment& a, Parsed& p) {
  auto words = split_words(a.value);
  if (words.empty()) return bad(a, "empty list (it would reset the setting, not harden it)");
  for (const auto& w : words) {
    auto prefixes = parse_ip_token(w);
    if (!prefixes) return bad(a, "invalid address or prefix " + w);
    p.prefixes.insert(p.prefixes.end(), prefixes->begin(), prefixes->end());
  }
  return {};
}

Status parse_clear(const Assignment& a, Parsed& p) {
  if (a.value.empty()) return {};
  // A repair grants named capabilities (AmbientCapabilities=CAP_NET_BIND_SERVICE); nothing else
  // but clearing is supported, since "~CAP_X" on an empty set would grant all but X.
  if (p.row->signature != "t" || a.value.front() == '~') {
    return bad(a, "only the empty value (which clears it) or, on a mask, named bits to grant");
  }
  if (auto s = parse_capabilities(a, p); !s) return s;
  p.grant = true;
  return {};
}

// StateDirectory=foo bar/baz: relative, no "." or ".." components (systemd's path_is_normalized).
Status parse_grant_names(const Assignment& a, Parsed& p) {
  p.names = split_words(a.value);
  if (p.names.empty()) return bad(a, "empty list (it would reset the setting)");
  for (const auto& n : p.names) {
    const bool dots = ("/" + n + "/").find("/./") != std::string::npos ||
                      ("/" + n + "/").find("/../") != std::string::npos;
    if (n.front() == '/' || n.back() == '/' || dots || n.find("//") != std::string::npos) {
      return bad(a, "expected relative directory names, got " + n);
    }
  }
  p.grant = true;
  return {};
}

// ReadWritePaths=/srv/x -/var/lib/y: absolute, optionally prefixed with "-" (ignored if missing).
Status parse_grant_paths(const Assignment& a, Parsed& p) {
  p.names = split_words(a.value);
  if (p.names.empty()) return bad(a, "empty list (it would reset the setting)");
  for (const auto& n : p.names) {
    const std::string_view path = std::string_view(n).substr(n.front() == '-' ? 1 : 0);
    if (path.empty() || path.front() != '/' ||
        ("/" + std::string(path) + "/").find("/../") != std::string::npos) {
      return bad(a, "expected absolute paths, got " + n);
    }
  }
  p.grant = true;
  return {};
}

Status parse_value(const Assignment& a, Parsed& p) {
  switch (p.row->merge) {
    case Kind::kBool:
    case Kind::kBoolOff:
      return parse_bool(a, p);
    case Kind::kEnum:
      return parse_enum(a, p);
    case Kind::kUmask:
      return parse_umask(a, p);
    case Kind::kCapabilities:
      return parse_capabilities(a, p);
    case Kind::kNamespaces:
      return parse_namespaces(a, p);
    case Kind::kSyscallFilter:
      return parse_syscall_filter(a, p);
    case Kind::kAddressFamilies:
      return parse_address_families(a, p);
    case Kind::kArchitectures:
      return parse_architectures(a, p);
    case Kind::kIpDeny:
    case Kind::kIpAllow:
      return parse_ip(a, p);
    case Kind::kClear:
      return parse_clear(a, p);
    case Kind::kGrantNames:
      return parse_grant_names(a, p);
    case Kind::kGrantPaths:
      return parse_grant_paths(a, p);

    case Kind::kNone:  // find_row() never returns such a row
      break;
  }
  return bad(a, "unsupported kind");
}

}  // namespace

std::vector<std::string> split_words(std::string_view value) {
  std::vector<std::string> words;
  std::size_t i = 0;
  while (i < value.size()) {
    while (i < value.size() && std::isspace(static_cast<unsigned char>(value[i]))) ++i;
    std::size_t start = i;
    while (i < value.size() && !std::isspace(static_cast<unsigned char>(value[i]))) ++i;
    if (i > start) words.emplace_back(value.substr(start, i - start));
  }
  return words;
}

Result<Parsed> parse(const Assignment& assignment) {
  Parsed p;
  p.row = find_row(assignment.key);
  if (!p.row) return Error{"unknown setting " + assignment.key, ErrorKind::kBadInput};
  p.source = assignment;
  if (auto s = parse_value(assignment, p); !s) return s.error();
  return p;
}

PropertyValue standalone_value(const Parsed& p) {
  using Form = Parsed::Form;
  switch (p.row->merge) {
    case Kind::kBool:
    case Kind::kBoolOff:
      return p.flag;
    case Kind::kEnum:
      return std::string(p.row->levels[p.level]);
    case Kind::kUmask:
      return p.umask;
    case Kind::kCapabilities:
      if (p.form == Form::kNone) return uint64_t{0};
      return p.form == Form::kDrop ? kAllBits & ~p.bits : p.bits;
    case Kind::kNamespaces:
      if (p.form == Form::kNone) return uint64_t{0};
      if (p.form == Form::kAll) return all_namespaces();
      return p.form == Form::kDrop ? all_namespaces() & ~p.bits : p.bits;
    case Kind::kSyscallFilter:
    case Kind::kAddressFamilies:
      return NameList{p.allow, p.names};
    case Kind::kArchitectures:
      return p.names;
    case Kind::kIpDeny:
    case Kind::kIpAllow:
      return p.prefixes;
    case Kind::kClear:
      if (p.row->signature == "t") return p.grant ? p.bits : uint64_t{0};
      return std::vector<std::string>{};
    case Kind::kGrantNames:
    case Kind::kGrantPaths:
      return p.names;

    case Kind::kNone:  // find_row() never returns such a row
      break;
  }
  return false;
}

}  // namespace hb::assignment

namespace hb {

Result<Property> parse_assignment(const Assignment& assignment) {
  auto parsed = assignment::parse(assignment);
  if (!parsed) return parsed.error();
  return Property{assignment.key, assignment::standalone_value(*parsed)};
}

}  // namespace hb
