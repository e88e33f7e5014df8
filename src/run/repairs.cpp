#include "repairs.hpp"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <string_view>

#include "../report/syscall_sets.hpp"

namespace hb::repairs {
namespace {

// Directories systemd manages for a service, by the root they live under.
struct ManagedRoot {
  std::string_view root;  // with a trailing slash
  std::string_view setting;
};
constexpr ManagedRoot kManagedRoots[] = {
    {"/var/lib/", "StateDirectory"},
    {"/var/log/", "LogsDirectory"},
    {"/var/cache/", "CacheDirectory"},
    {"/run/", "RuntimeDirectory"},
};

// Trees other options govern (API file systems, temporary and home directories): a write there
// is never repaired by opening the tree up.
constexpr std::string_view kNotRepaired[] = {"/proc",    "/sys",  "/dev",  "/tmp",
                                             "/var/tmp", "/home", "/root", "/run/user"};

bool under(std::string_view path, std::string_view tree) {
  return path == tree || (path.starts_with(tree) && path[tree.size()] == '/');
}

// Characters of a path token in a message; anything else ends it.
bool path_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) ||
         std::string_view("._-+@%=/,:~").find(c) != std::string_view::npos;
}

// Absolute paths on one line: tokens starting with '/' after a space, a quote, '(' or '=' (so
// "http://host/" is no path), without trailing punctuation.
void paths_on_line(std::string_view line, std::vector<std::string>& out) {
  for (std::size_t i = 0; i < line.size(); ++i) {
    if (line[i] != '/') continue;
    if (i > 0 && std::string_view(" '\"(=`").find(line[i - 1]) == std::string_view::npos) continue;
    std::size_t end = i;
    while (end < line.size() && path_char(line[end])) ++end;
    std::string_view path = line.substr(i, end - i);
    while (path.size() > 1 && std::string_view(".,:;/").find(path.back()) != std::string_view::npos)
      path.remove_suffix(1);
    i = end;
    if (path.size() < 2 || path.find("/../") != std::string_view::npos) continue;
    if (std::find(out.begin(), out.end(), path) == out.end()) out.emplace_back(path);
  }
}

bool reports_erofs(std::string_view line) {
  return line.find("Read-only file system") != std::string_view::npos ||
         line.find("EROFS") != std::string_view::npos;
}

void add_word(std::vector<Assignment>& grants, std::string_view key, const std::string& word) {
  auto it =
      std::find_if(grants.begin(), grants.end(), [&](const Assignment& a) { return a.key == key; });
  if (it == grants.end()) {
    grants.push_back({std::string(key), word});
    return;
  }
  std::string padded = " " + it->value + " ";
  if (padded.find(" " + word + " ") == std::string::npos) it->value += " " + word;
}

std::vector<Assignment> writable_path_grants(const std::vector<std::string>& paths) {
  std::vector<Assignment> grants;
  for (const auto& path : paths) {
    if (std::any_of(std::begin(kNotRepaired), std::end(kNotRepaired),
                    [&](std::string_view tree) { return under(path, tree); })) {
      continue;
    }
    auto managed = std::find_if(std::begin(kManagedRoots), std::end(kManagedRoots),
                                [&](const ManagedRoot& m) { return path.starts_with(m.root); });
    if (managed != std::end(kManagedRoots)) {
      // The service's own directory: its first component (a file right in /var/lib is taken
      // for a directory too; the repair must pass the probe like any rung).
      const std::string rest = path.substr(managed->root.size());
      add_word(grants, managed->setting, rest.substr(0, rest.find('/')));
    } else {
      add_word(grants, "ReadWritePaths", "-" + path);
    }
  }
  return grants;
}

// The smallest systemd 252 group (not @system-service, @default or @known) that holds `call`.
std::string group_of(const std::string& call) {
  std::string best = call;  // in no group: allowed by name
  std::size_t best_size = SIZE_MAX;
  for (const auto& set : report::syscall_sets_v252()) {
    if (set.name == "@system-service" || set.name == "@default" || set.name == "@known") continue;
    auto members = report::expand_syscall_name(set.name);
    if (!members || !members->count(call) || members->size() >= best_size) continue;
    best = std::string(set.name);
    best_size = members->size();
  }
  return best;
}

std::optional<RepairedRung> syscall_group_repair(const std::vector<Assignment>& base,
                                                 const std::set<std::string>& observed) {
  // The base must be exactly one allow list: the groups join it in one line, since a second
  // allow line would widen an existing filter, which the assignment model never sends.
  if (base.size() != 1 || base[0].key != "SystemCallFilter" || base[0].value.empty() ||
      base[0].value[0] == '~') {
    return std::nullopt;
  }
  std::set<std::string> allowed;
  std::string words = base[0].value;
  for (std::size_t at = 0; at < words.size();) {
    const std::size_t end = std::min(words.find(' ', at), words.size());
    if (auto names = report::expand_syscall_name(words.substr(at, end - at))) {
      allowed.insert(names->begin(), names->end());
    }
    at = end + 1;
  }
  std::vector<std::string> groups;
  for (const auto& call : observed) {
    if (allowed.count(call)) continue;
    const std::string group = group_of(call);
    if (std::find(groups.begin(), groups.end(), group) == groups.end()) groups.push_back(group);
  }
  if (groups.empty()) return std::nullopt;
  std::string added;
  for (const auto& g : groups) added += (added.empty() ? "" : " ") + g;
  return RepairedRung{{{"SystemCallFilter", words + " " + added}}, {{"SystemCallFilter", added}}};
}

}  // namespace

std::vector<std::string> unwritable_paths(const Verdict& verdict) {
  std::vector<std::string> out;
  auto scan = [&](std::string_view text) {
    for (std::size_t at = 0; at <= text.size();) {
      const std::size_t end = std::min(text.find('\n', at), text.size());
      const std::string_view line = text.substr(at, end - at);
      if (reports_erofs(line)) paths_on_line(line, out);
      at = end + 1;
    }
  };
  scan(verdict.evidence.summary);
  scan(verdict.evidence.probe_output_tail);
  for (const auto& line : verdict.evidence.journal) scan(line);
  return out;
}

std::vector<std::string> needed_capabilities(
    const std::vector<std::vector<Assignment>>& rejected_rungs) {
  std::vector<std::string> out;
  for (const auto& rung : rejected_rungs) {
    for (const auto& a : rung) {
      if (a.key != "CapabilityBoundingSet" || !a.value.starts_with('~')) continue;
      std::string caps = a.value.substr(1);
      for (std::size_t at = 0; at < caps.size();) {
        const std::size_t end = std::min(caps.find(' ', at), caps.size());
        std::string cap = caps.substr(at, end - at);
        if (!cap.empty() && std::find(out.begin(), out.end(), cap) == out.end()) {
          out.push_back(cap);
        }
        at = end + 1;
      }
    }
  }
  return out;
}

std::optional<RepairedRung> repair(RepairKind kind, const std::vector<Assignment>& base,
                                   const Evidence& evidence) {
  RepairedRung out;
  switch (kind) {
    case RepairKind::kNone:
      return std::nullopt;
    case RepairKind::kWritablePaths:
      out.grants = writable_path_grants(evidence.unwritable_paths);
      break;
    case RepairKind::kIdentity: {
      // A non-root identity under DynamicUser=yes also gets ProtectSystem=strict: the paths
      // root could not write under strict need the same grants (and StateDirectory= is how a
      // dynamic user owns its state: systemd chowns the directory to it).
      out.grants = writable_path_grants(evidence.unwritable_paths);
      std::string caps;
      for (const auto& c : evidence.needed_capabilities) caps += (caps.empty() ? "" : " ") + c;
      if (!caps.empty()) out.grants.push_back({"AmbientCapabilities", caps});
      break;
    }
    case RepairKind::kSyscallGroups:
      return syscall_group_repair(base, evidence.observed_syscalls);
  }
  if (out.grants.empty()) return std::nullopt;
  out.assignments = base;
  out.assignments.insert(out.assignments.end(), out.grants.begin(), out.grants.end());
  return out;
}

}  // namespace hb::repairs
