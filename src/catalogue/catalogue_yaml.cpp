// Catalogue YAML -> Catalogue. The only place yaml-cpp is used. Every problem is collected
// with its position; the caller gets the first one and a count of the rest.
#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <optional>
#include <tuple>

#include "../core/yaml_problems.hpp"
#include "catalogue_internal.hpp"
#include "harden_bisect/assignment.hpp"
#include "harden_bisect/option_groups.hpp"

namespace hb {
namespace {

const std::vector<std::string> kOptionFields = {"id",   "group",        "rungs", "scores",
                                                "risk", "user_manager", "why"};

using Problems = YamlProblems;

std::optional<std::string> scalar(const YAML::Node& node, const std::string& what,
                                  Problems& problems) {
  if (!node.IsScalar()) {
    problems.add(node.Mark(), what + " must be a string");
    return std::nullopt;
  }
  return node.Scalar();
}

// "Key=value" -> Assignment, validated by the assignment model.
std::optional<Assignment> assignment_at(const YAML::Node& node, Problems& problems) {
  auto text = scalar(node, "an assignment", problems);
  if (!text) return std::nullopt;
  const auto eq = text->find('=');
  if (eq == std::string::npos || eq == 0) {
    problems.add(node.Mark(), "expected Key=value, got '" + *text + "'");
    return std::nullopt;
  }
  Assignment a{text->substr(0, eq), text->substr(eq + 1)};
  if (auto parsed = parse_assignment(a); !parsed) {
    problems.add(node.Mark(), parsed.error().message);
    return std::nullopt;
  }
  return a;
}

std::string default_label(const std::vector<Assignment>& assignments) {
  std::string out;
  for (const auto& a : assignments) out += (out.empty() ? "" : " ") + a.key + "=" + a.value;
  return out;
}

// The assignments of a rung: Key=value or a list of them.
void read_set(const YAML::Node& set, Rung& rung, Problems& problems) {
  if (set.IsScalar()) {
    if (auto a = assignment_at(set, problems)) rung.assignments.push_back(*a);
  } else if (set.IsSequence()) {
    for (const auto& item : set) {
      if (auto a = assignment_at(item, problems)) rung.assignments.push_back(*a);
    }
  } else {
    problems.add(set.Mark(), "a rung is Key=value, a list of them, or {label, set}");
  }
}

// A rung: "Key=value", [Key=value, ...] or {label: ..., set: [Key=value, ...]}.
// (Nodes are never assigned to: yaml-cpp's Node::operator= writes through to the document.)
std::optional<Rung> rung_at(const YAML::Node& node, Problems& problems) {
  Rung rung;
  const auto problems_before = problems.size();
  if (!node.IsMap()) {
    read_set(node, rung, problems);
  } else {
    for (const auto& field : node) {
      const auto name = field.first.Scalar();
      if (name != "label" && name != "set" && name != "repair") {
        problems.add(field.first.Mark(), "unknown rung field '" + name + "' (label, set, repair)");
      }
    }
    if (node["label"]) rung.label = scalar(node["label"], "label", problems).value_or("");
    if (const auto repair = node["repair"]) {
      const auto name = scalar(repair, "repair", problems).value_or("");
      if (auto kind = repair_kind_from(name); kind && *kind != RepairKind::kNone) {
        rung.repair = *kind;
      } else {
        problems.add(repair.Mark(),
                     "unknown repair '" + name + "' (writable-paths, identity, syscall-groups)");
      }
    }
    if (!node["set"]) {
      problems.add(node.Mark(), "rung without 'set'");
      return std::nullopt;
    }
    read_set(node["set"], rung, problems);
  }
  if (rung.assignments.empty()) {
    // Unless its assignments were already reported as invalid, an empty rung is a mistake.
    if (problems.size() == problems_before) {
      problems.add(node.Mark(), "empty rung: a rung sets at least one Key=value");
    }
    return std::nullopt;
  }
  if (rung.label.empty()) {
    rung.label = default_label(rung.assignments);
    // "ProtectSystem=strict + writable-paths": never the same label as the rung it repairs.
    if (rung.repair != RepairKind::kNone) rung.label += std::string(" + ") + to_string(rung.repair);
  }
  return rung;
}

std::optional<UserManagerSupport> user_manager_from(const std::string& name) {
  for (auto s : {UserManagerSupport::kWorks, UserManagerSupport::kNeedsPrivateUsers,
                 UserManagerSupport::kFails, UserManagerSupport::kNotEnforced}) {
    if (name == to_string(s)) return s;
  }
  return std::nullopt;
}

void read_rungs(const YAML::Node& node, const YAML::Node& option, CatalogueOption& out,
                Problems& problems) {
  if (!node) {
    problems.add(option.Mark(), "option '" + out.id + "' has no rungs");
    return;
  }
  if (!node.IsSequence() || node.size() == 0) {
    problems.add(node.Mark(), "rungs must be a non-empty list, strongest first");
    return;
  }
  for (const auto& item : node) {
    if (auto rung = rung_at(item, problems)) out.rungs.push_back(std::move(*rung));
  }
  // A repair grants access back after the rung above it failed: it is never the strongest.
  if (!out.rungs.empty() && out.rungs.front().repair != RepairKind::kNone) {
    problems.add(node.Mark(), "option '" + out.id +
                                  "': a repair rung repairs the failure of a stronger rung, so "
                                  "it cannot be the first");
  }
}

void read_fields(const YAML::Node& node, CatalogueOption& out, Problems& problems) {
  if (const auto g = node["group"]) {
    out.group = scalar(g, "group", problems).value_or("");
    if (find_option_group(out.group) == nullptr) {
      std::vector<std::string> known;
      for (const auto& group : option_groups()) known.emplace_back(group.id);
      problems.add(g.Mark(), "unknown group '" + out.group + "' (" + joined(known) + ")");
    }
  } else {
    problems.add(node.Mark(), "option '" + out.id + "' has no group");
  }
  read_rungs(node["rungs"], node, out, problems);
  if (const auto s = node["scores"]) {
    if (!s.IsSequence()) problems.add(s.Mark(), "scores must be a list of json_field names");
    for (const auto& item : s) {
      if (auto field = scalar(item, "a score", problems)) out.scores.push_back(*field);
    }
  }
  if (const auto r = node["risk"]) {
    try {
      out.risk = r.as<double>();
      if (!(out.risk >= 0.0 && out.risk <= 1.0)) problems.add(r.Mark(), "risk must be in 0..1");
    } catch (const YAML::Exception&) {
      problems.add(r.Mark(), "risk must be a number in 0..1");
    }
  }
  if (const auto u = node["user_manager"]) {
    const auto name = scalar(u, "user_manager", problems).value_or("");
    if (auto support = user_manager_from(name)) {
      out.user_manager = *support;
    } else {
      problems.add(u.Mark(), "unknown user_manager '" + name +
                                 "' (works, needs-private-users, fails, not-enforced)");
    }
  }
  if (const auto w = node["why"]) out.why = scalar(w, "why", problems).value_or("");
}

std::optional<CatalogueOption> option_at(const YAML::Node& node, Problems& problems) {
  if (!node.IsMap()) {
    problems.add(node.Mark(), "an option must be a mapping with id, group, rungs, ...");
    return std::nullopt;
  }
  for (const auto& field : node) {
    const auto name = field.first.Scalar();
    if (std::find(kOptionFields.begin(), kOptionFields.end(), name) == kOptionFields.end()) {
      problems.add(field.first.Mark(),
                   "unknown option field '" + name + "' (" + joined(kOptionFields) + ")");
    }
  }
  CatalogueOption option;
  if (!node["id"]) {
    problems.add(node.Mark(), "option without id");
    return std::nullopt;
  }
  option.id = scalar(node["id"], "id", problems).value_or("");
  if (option.id.empty()) return std::nullopt;
  read_fields(node, option, problems);
  return option;
}

void read_top_level(const YAML::Node& root, CatalogueFile& file, Problems& problems) {
  for (const auto& field : root) {
    const auto name = field.first.Scalar();
    if (name != "version" && name != "extends" && name != "options") {
      problems.add(field.first.Mark(),
                   "unknown top-level key '" + name + "' (version, extends, options)");
    }
  }
  const auto version = root["version"];
  if (!version) {
    problems.add(root.Mark(), "missing 'version: 1'");
  } else if (!version.IsScalar() || version.Scalar() != "1") {
    problems.add(version.Mark(), "unsupported version '" + version.Scalar() + "' (expected 1)");
  }
  if (const auto extends = root["extends"]) {
    file.extends_builtin = extends.IsScalar() && extends.Scalar() == "builtin";
    if (!file.extends_builtin) problems.add(extends.Mark(), "extends must be 'builtin'");
  }
}

}  // namespace

const char* to_string(UserManagerSupport support) {
  switch (support) {
    case UserManagerSupport::kWorks:
      return "works";
    case UserManagerSupport::kNeedsPrivateUsers:
      return "needs-private-users";
    case UserManagerSupport::kFails:
      return "fails";
    case UserManagerSupport::kNotEnforced:
      return "not-enforced";
  }
  return "?";
}

namespace {
constexpr std::pair<RepairKind, const char*> kRepairNames[] = {
    {RepairKind::kNone, "none"},
    {RepairKind::kWritablePaths, "writable-paths"},
    {RepairKind::kIdentity, "identity"},
    {RepairKind::kSyscallGroups, "syscall-groups"},
};
}  // namespace

const char* to_string(RepairKind kind) {
  for (const auto& [k, name] : kRepairNames) {
    if (k == kind) return name;
  }
  return "?";
}

std::optional<RepairKind> repair_kind_from(std::string_view name) {
  for (const auto& [k, text] : kRepairNames) {
    if (name == text) return k;
  }
  return std::nullopt;
}

Result<CatalogueFile> parse_catalogue_file(const std::string& yaml_text,
                                           const std::string& origin) {
  Problems problems(origin);
  std::optional<const YAML::Node> loaded;
  try {
    loaded.emplace(YAML::Load(yaml_text));
  } catch (const YAML::DeepRecursion& e) {
    problems.add(e.mark, "nesting too deep");
    return problems.error();
  } catch (const YAML::Exception& e) {
    problems.add(e.mark, e.msg);
    return problems.error();
  }
  const YAML::Node& root = *loaded;
  CatalogueFile file;
  if (!root.IsMap()) {
    problems.add(root.Mark(), "expected a mapping with version and options");
    return problems.error();
  }
  read_top_level(root, file, problems);
  const auto options = root["options"];
  if (!options || !options.IsSequence()) {
    problems.add(options ? options.Mark() : root.Mark(), "'options' must be a list");
  } else {
    std::map<std::string, int> first_line;  // id -> line of its first row
    for (const auto& node : options) {
      auto option = option_at(node, problems);
      if (!option) continue;
      auto [it, fresh] = first_line.emplace(option->id, node.Mark().line + 1);
      if (!fresh) {
        problems.add(node.Mark(), "duplicate id '" + option->id + "' (first at line " +
                                      std::to_string(it->second) + ")");
        continue;
      }
      file.options.push_back(std::move(*option));
    }
  }
  if (!problems.empty()) return problems.error();
  return file;
}

}  // namespace hb
