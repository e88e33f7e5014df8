#include "dropin_plan.hpp"

#include <sys/capability.h>

#include <algorithm>
#include <map>
#include <set>

#include "harden_bisect/assignment.hpp"
#include "harden_bisect/capabilities.hpp"
#include "syscall_sets.hpp"

namespace hb::report {
namespace {

constexpr uint64_t kAllBits = UINT64_MAX;  // an unset bounding set or namespace mask

struct Entry {
  Assignment setting;
  const KeptOption* from = nullptr;
};

bool is_deny(const Assignment& a) { return a.value.starts_with('~'); }

std::vector<std::string> words(std::string_view value) {
  if (value.starts_with('~')) value.remove_prefix(1);
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < value.size()) {
    while (i < value.size() && value[i] == ' ') ++i;
    std::size_t j = value.find(' ', i);
    if (j == value.npos) j = value.size();
    if (j > i) out.emplace_back(value.substr(i, j - i));
    i = j;
  }
  return out;
}

std::string join(const std::vector<std::string>& items, std::string_view sep = " ") {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : std::string(sep)) + item;
  return out;
}

void add_unique(std::vector<std::string>& list, const std::string& item) {
  if (std::find(list.begin(), list.end(), item) == list.end()) list.push_back(item);
}

void add_unique(std::vector<const KeptOption*>& list, const KeptOption* item) {
  if (std::find(list.begin(), list.end(), item) == list.end()) list.push_back(item);
}

std::vector<const KeptOption*> sources(const std::vector<Entry>& entries) {
  std::vector<const KeptOption*> out;
  for (const auto& e : entries) add_unique(out, e.from);
  return out;
}

const Property* last_named(const PropertyList& list, std::string_view name) {
  const Property* found = nullptr;
  for (const auto& p : list)
    if (p.name == name) found = &p;
  return found;
}

uint64_t mask_of(const PropertyList& list, std::string_view name) {
  const auto* p = last_named(list, name);
  const auto* v = p ? std::get_if<uint64_t>(&p->value) : nullptr;
  return v ? *v : kAllBits;
}

bool flag_of(const PropertyList& list, std::string_view name) {
  const auto* p = last_named(list, name);
  const auto* v = p ? std::get_if<bool>(&p->value) : nullptr;
  return v && *v;
}

// The value systemd would hold for this assignment alone, as a bit mask (0 when invalid).
uint64_t standalone_mask(const std::string& key, const std::string& value) {
  auto p = parse_assignment({key, value});
  const auto* v = p ? std::get_if<uint64_t>(&p->value) : nullptr;
  return v ? *v : 0;
}

// SystemCallFilter= and RestrictAddressFamilies= as systemd holds them after a series of
// entries: the first entry fixes the mode (an allow list starts from @default), later entries
// add in the same mode and remove in the other, an empty entry resets.
struct Filter {
  bool set = false;
  bool allow = false;
  std::set<std::string> names;
  bool operator==(const Filter&) const = default;
};

std::string canonical_family(const std::string& name) {
  return name == "AF_LOCAL" || name == "AF_FILE" ? "AF_UNIX" : name;
}

// The names one filter word stands for; nullopt for an unknown syscall group.
std::optional<std::set<std::string>> filter_names(bool syscalls, const std::string& word) {
  if (syscalls) return expand_syscall_name(word);
  return std::set<std::string>{canonical_family(word)};
}

Status replay(Filter& f, bool syscalls, const NameList& entry) {
  if (entry.names.empty()) {
    f = {};
    if (!syscalls && entry.allow) f = {true, true, {}};  // RestrictAddressFamilies=none
    return {};
  }
  if (!f.set) {
    f = {true, entry.allow, {}};
    if (syscalls && entry.allow) f.names = *expand_syscall_name("@default");
  }
  for (const auto& word : entry.names) {
    auto names = filter_names(syscalls, word);
    if (!names) return Error{"unknown system call group " + word};
    for (const auto& n : *names) {
      if (entry.allow == f.allow) {
        f.names.insert(n);
      } else {
        f.names.erase(n);
      }
    }
  }
  return {};
}

Result<Filter> filter_of(const PropertyList& list, std::string_view name) {
  Filter f;
  for (const auto& p : list) {
    if (p.name != name) continue;
    const auto* entry = std::get_if<NameList>(&p.value);
    if (!entry) return Error{std::string(name) + " is not a (bas) list"};
    if (auto s = replay(f, name == "SystemCallFilter", *entry); !s) return s.error();
  }
  return f;
}

NameList entry_of(const Assignment& a) {
  auto list = words(a.value);
  return {!is_deny(a), list};
}

// --- rewriting, one function per kind of setting ---------------------------------------

// Same-key lines merged as render_dropin() merges them. A line keeps the sources whose words it
// holds in the same mode ("~" or not); a line that matches none keeps them all.
void plain(const std::vector<Entry>& entries, DropinPlan& plan) {
  std::vector<Assignment> settings;
  for (const auto& e : entries) settings.push_back(e.setting);
  const auto rendered = render_dropin(settings);
  for (const auto& text : rendered) {
    const auto eq = text.find('=');
    Assignment line{text.substr(0, eq), text.substr(eq + 1)};
    std::vector<Entry> mine;
    const auto line_words = words(line.value);
    for (const auto& e : entries) {
      const auto w = words(e.setting.value);
      const bool held = std::all_of(w.begin(), w.end(), [&](const std::string& x) {
        return std::find(line_words.begin(), line_words.end(), x) != line_words.end();
      });
      if (rendered.size() == 1 || (is_deny(e.setting) == is_deny(line) && held)) mine.push_back(e);
    }
    plan.lines.push_back({line, sources(mine.empty() ? entries : mine)});
  }
}

// CapabilityBoundingSet=~A B ...: one line; empty when nothing is left, the allow list when the
// unit's bounding set was full and the allow list is shorter.
void capabilities(const PropertyList& unit, const std::vector<Entry>& entries, DropinPlan& plan) {
  std::vector<std::string> dropped;
  for (const auto& e : entries)
    for (const auto& w : words(e.setting.value)) add_unique(dropped, w);
  const uint64_t before = mask_of(unit, "CapabilityBoundingSet");
  const uint64_t line = standalone_mask("CapabilityBoundingSet", "~" + join(dropped));
  const uint64_t after = before == kAllBits ? line : before & line;
  std::string value = "~" + join(dropped);
  if ((after & kernel_capability_mask()) == 0) {
    value.clear();
  } else if (before == kAllBits) {
    std::vector<std::string> kept;
    const auto& caps = kernel_capabilities();
    for (std::size_t i = 0; i < caps.size(); ++i)
      if (after & (uint64_t{1} << i)) kept.push_back(caps[i]);
    if (kept.size() < dropped.size()) value = join(kept);
  }
  plan.lines.push_back({{"CapabilityBoundingSet", value}, sources(entries)});
}

// RestrictNamespaces=~a b ...: "yes" when no namespace is left.
void namespaces(const PropertyList& unit, const std::vector<Entry>& entries, DropinPlan& plan) {
  std::vector<std::string> denied;
  for (const auto& e : entries)
    for (const auto& w : words(e.setting.value)) add_unique(denied, w);
  const uint64_t before = mask_of(unit, "RestrictNamespaces");
  const uint64_t line = standalone_mask("RestrictNamespaces", "~" + join(denied));
  const uint64_t after = before == kAllBits ? line : before & line;
  plan.lines.push_back(
      {{"RestrictNamespaces", after == 0 ? "yes" : "~" + join(denied)}, sources(entries)});
}

// RestrictAddressFamilies=: on a unit without a filter of its own, the allow list with every
// later denial taken out, as one line.
void families(const PropertyList& unit, const std::vector<Entry>& entries, DropinPlan& plan) {
  auto own = filter_of(unit, "RestrictAddressFamilies");
  const bool any_allow = std::any_of(entries.begin(), entries.end(),
                                     [](const Entry& e) { return !is_deny(e.setting); });
  if (!own || own->set || !any_allow) return plain(entries, plan);
  std::vector<std::string> allowed;
  for (const auto& e : entries)
    if (!is_deny(e.setting))
      for (const auto& w : words(e.setting.value)) add_unique(allowed, canonical_family(w));
  for (const auto& e : entries)
    if (is_deny(e.setting))
      for (const auto& w : words(e.setting.value)) std::erase(allowed, canonical_family(w));
  if (allowed.empty()) return plain(entries, plan);  // "none" is not in the assignment model
  plan.lines.push_back({{"RestrictAddressFamilies", join(allowed)}, sources(entries)});
}

// SystemCallFilter=: deny entries that remove nothing (no syscall in common with the allow
// list, or all already denied) are left out.
void syscalls(const PropertyList& unit, const std::vector<Entry>& entries, DropinPlan& plan) {
  auto own = filter_of(unit, "SystemCallFilter");
  if (!own) return plain(entries, plan);
  Filter state = *own;
  std::vector<Entry> ordered;  // merge order: allow entries first
  for (const auto& e : entries)
    if (!is_deny(e.setting)) ordered.push_back(e);
  std::vector<std::string> allow_words;
  for (const auto& e : ordered)
    for (const auto& w : words(e.setting.value)) add_unique(allow_words, w);
  for (const auto& e : entries)
    if (is_deny(e.setting)) ordered.push_back(e);
  const std::string allow_label = allow_words.empty() ? "the unit's own SystemCallFilter="
                                                      : "SystemCallFilter=" + join(allow_words);

  std::vector<Entry> written;
  for (const auto& e : ordered) {
    const NameList entry = entry_of(e.setting);
    Filter next = state;
    if (auto s = replay(next, true, entry); !s) return plain(entries, plan);
    if (is_deny(e.setting) && next == state && state.set) {
      const std::string because =
          state.allow ? "they change nothing after " + allow_label +
                            ", which allows none of their system calls"
                      : "they change nothing: the unit already forbids all of their system calls";
      plan.omitted.push_back({e.setting, e.from, because});
      continue;
    }
    state = std::move(next);
    written.push_back(e);
  }
  plain(written, plan);
}

// Settings systemd 252 derives at load time (unit_patch_contexts()): a line for them changes
// nothing when the setting that implies them is in effect.
void omit_implied(const PropertyList& unit, DropinPlan& plan) {
  auto yes = [](const Assignment& a) {
    auto p = parse_assignment(a);
    const auto* b = p ? std::get_if<bool>(&p->value) : nullptr;
    return b && *b;
  };
  auto in_effect = [&](std::string_view key) {
    for (const auto& l : plan.lines)
      if (l.setting.key == key) return yes(l.setting);
    return flag_of(unit, key);
  };
  const bool dynamic_user = in_effect("DynamicUser");
  const bool private_devices = in_effect("PrivateDevices");
  const auto* policy = last_named(unit, "DevicePolicy");
  const auto* policy_value = policy ? std::get_if<std::string>(&policy->value) : nullptr;
  const bool policy_auto = !policy_value || *policy_value == "auto";
  static const std::set<std::string> kByDynamicUser = {"PrivateTmp", "RemoveIPC", "NoNewPrivileges",
                                                       "RestrictSUIDSGID"};
  std::vector<DropinLine> kept_lines;
  for (auto& l : plan.lines) {
    std::string because;
    const auto& key = l.setting.key;
    if (dynamic_user &&
        (key == "ProtectSystem" || (kByDynamicUser.contains(key) && yes(l.setting)))) {
      because = "DynamicUser=yes implies them";
    } else if (private_devices && policy_auto && key == "DevicePolicy" &&
               l.setting.value == "closed") {
      because = "PrivateDevices=yes implies them";
    }
    if (because.empty()) {
      kept_lines.push_back(std::move(l));
      continue;
    }
    for (const auto* from : l.from) plan.omitted.push_back({l.setting, from, because});
  }
  plan.lines = std::move(kept_lines);
}

std::vector<Assignment> settings_of(const std::vector<DropinLine>& lines) {
  std::vector<Assignment> out;
  for (const auto& l : lines) out.push_back(l.setting);
  return out;
}

DropinPlan rewrite(const PropertyList& unit, const std::vector<Entry>& known) {
  std::vector<std::string> keys;
  for (const auto& e : known) add_unique(keys, e.setting.key);
  DropinPlan plan;
  for (const auto& key : keys) {
    std::vector<Entry> entries;
    for (const auto& e : known)
      if (e.setting.key == key) entries.push_back(e);
    const bool all_deny = std::all_of(entries.begin(), entries.end(),
                                      [](const Entry& e) { return is_deny(e.setting); });
    if (key == "CapabilityBoundingSet" && all_deny) {
      capabilities(unit, entries, plan);
    } else if (key == "RestrictNamespaces" && all_deny) {
      namespaces(unit, entries, plan);
    } else if (key == "RestrictAddressFamilies") {
      families(unit, entries, plan);
    } else if (key == "SystemCallFilter") {
      syscalls(unit, entries, plan);
    } else {
      plain(entries, plan);
    }
  }
  omit_implied(unit, plan);
  return plan;
}

// True when the written lines provably mean what the kept assignments mean, and systemd takes
// every one of them (none would be skipped as not strengthening the unit).
bool same_meaning(const PropertyList& unit, const std::vector<Entry>& known,
                  const DropinPlan& plan) {
  std::vector<Assignment> raw;
  for (const auto& e : known) raw.push_back(e.setting);
  const auto written = settings_of(plan.lines);
  auto a = dropin_meaning(unit, raw), b = dropin_meaning(unit, written);
  return a && b && *a == *b && effective_assignments(unit, written).size() == written.size();
}

}  // namespace

DropinPlan plan_dropin(const PropertyList& unit_settings, const std::vector<KeptOption>& kept) {
  std::vector<Entry> known, unknown;  // settings the assignment model knows, and the rest
  for (const auto& k : kept)
    for (const auto& a : k.assignments) (find_setting(a.key) ? known : unknown).push_back({a, &k});

  DropinPlan plan = rewrite(unit_settings, known);
  plan.rewritten = same_meaning(unit_settings, known, plan);
  if (!plan.rewritten) {
    plan = {};
    std::vector<std::string> keys;
    for (const auto& e : known) add_unique(keys, e.setting.key);
    for (const auto& key : keys) {
      std::vector<Entry> entries;
      for (const auto& e : known)
        if (e.setting.key == key) entries.push_back(e);
      plain(entries, plan);
    }
  }
  for (const auto& e : unknown) plan.lines.push_back({e.setting, {e.from}});
  // Lines in the order of the kept options they express (a key's lines stay together).
  std::stable_sort(plan.lines.begin(), plan.lines.end(),
                   [&](const DropinLine& x, const DropinLine& y) { return x.from[0] < y.from[0]; });
  return plan;
}

Result<PropertyList> dropin_meaning(const PropertyList& unit_settings,
                                    const std::vector<Assignment>& lines) {
  auto applied = apply_assignments(unit_settings, lines);
  if (!applied) return applied.error();
  std::map<std::string, PropertyValue> out;
  for (const auto& p : *applied) {
    if (p.name != "SystemCallFilter" && p.name != "RestrictAddressFamilies") out[p.name] = p.value;
  }
  for (const char* name : {"SystemCallFilter", "RestrictAddressFamilies"}) {
    auto f = filter_of(*applied, name);
    if (!f) return f.error();
    if (f->set) out[name] = NameList{f->allow, {f->names.begin(), f->names.end()}};
  }
  auto flag = [&](const char* name) {
    auto it = out.find(name);
    return it != out.end() && std::holds_alternative<bool>(it->second) &&
           std::get<bool>(it->second);
  };
  auto text = [&](const char* name, const char* unset) {
    auto it = out.find(name);
    return it != out.end() && std::holds_alternative<std::string>(it->second)
               ? std::get<std::string>(it->second)
               : std::string(unset);
  };
  if (flag("DynamicUser")) {
    for (const char* name : {"PrivateTmp", "RemoveIPC", "NoNewPrivileges", "RestrictSUIDSGID"})
      out[name] = true;
    out["ProtectSystem"] = std::string("strict");
    if (text("ProtectHome", "no") == "no") out["ProtectHome"] = std::string("read-only");
  }
  uint64_t caps = std::holds_alternative<uint64_t>(out["CapabilityBoundingSet"])
                      ? std::get<uint64_t>(out["CapabilityBoundingSet"])
                      : kAllBits;
  auto drop = [&](std::initializer_list<int> numbers) {
    for (int n : numbers) caps &= ~(uint64_t{1} << n);
  };
  if (flag("PrivateDevices")) {
    drop({CAP_MKNOD, CAP_SYS_RAWIO});
    if (text("DevicePolicy", "auto") == "auto") out["DevicePolicy"] = std::string("closed");
  }
  if (flag("ProtectKernelModules")) drop({CAP_SYS_MODULE});
  if (flag("ProtectKernelLogs")) drop({CAP_SYSLOG});
  if (flag("ProtectClock")) drop({CAP_SYS_TIME, CAP_WAKE_ALARM});
  out["CapabilityBoundingSet"] = caps & kernel_capability_mask();

  PropertyList list;
  for (auto& [name, value] : out) list.push_back({name, std::move(value)});
  return list;
}

}  // namespace hb::report
