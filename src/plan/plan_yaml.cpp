// Plan YAML -> Plan. Like the catalogue loader: every problem is collected with its position,
// then one checkpoint decides.
#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <tuple>

#include "../core/yaml_problems.hpp"
#include "harden_bisect/plan.hpp"
#include "harden_bisect/unit_snapshot.hpp"

namespace hb {
namespace {

// The fields of a unit entry besides the run options.
const std::vector<std::string> kUnitFields = {"unit", "probe", "ceiling", "user"};
// Run options by their long command-line names.
const std::vector<std::string> kOptionFields = {
    "probe-timeout", "settle",        "start-timeout", "stop-timeout", "confirm", "retries",
    "stop-original", "check-maximal", "probe-user",    "catalogue",    "only",    "skip"};

using Problems = YamlProblems;

std::optional<std::string> string_at(const YAML::Node& node, const std::string& what,
                                     Problems& problems) {
  if (!node.IsScalar()) {
    problems.add(node.Mark(), what + " must be a string");
    return std::nullopt;
  }
  return node.Scalar();
}

std::optional<bool> bool_at(const YAML::Node& node, const std::string& what, Problems& problems) {
  bool value = false;
  if (node.IsScalar() && YAML::convert<bool>::decode(node, value)) return value;
  problems.add(node.Mark(), what + " must be true or false");
  return std::nullopt;
}

std::optional<double> number_at(const YAML::Node& node, const std::string& what, double min,
                                double max, Problems& problems) {
  double value = 0;
  if (node.IsScalar() && YAML::convert<double>::decode(node, value) && std::isfinite(value) &&
      value >= min && value <= max) {
    return value;
  }
  std::ostringstream range;
  range << min << ".." << max;
  problems.add(node.Mark(), what + " must be a number in " + range.str());
  return std::nullopt;
}

std::optional<std::chrono::milliseconds> seconds_at(const YAML::Node& node, const std::string& what,
                                                    Problems& problems) {
  auto s = number_at(node, what + " (seconds)", 0.001, 86400, problems);
  if (!s) return std::nullopt;
  return std::chrono::milliseconds(static_cast<long long>(std::llround(*s * 1000)));
}

std::optional<int> count_at(const YAML::Node& node, const std::string& what, int min,
                            Problems& problems) {
  int value = 0;
  if (node.IsScalar() && YAML::convert<int>::decode(node, value) && value >= min && value <= 1000) {
    return value;
  }
  problems.add(node.Mark(), what + " must be a whole number in " + std::to_string(min) + "..1000");
  return std::nullopt;
}

// A string or a list of strings.
std::vector<std::string> strings_at(const YAML::Node& node, const std::string& what,
                                    Problems& problems) {
  std::vector<std::string> out;
  if (node.IsScalar()) {
    out.push_back(node.Scalar());
  } else if (node.IsSequence()) {
    for (const auto& item : node) {
      if (auto s = string_at(item, "an entry of " + what, problems)) out.push_back(*s);
    }
  } else {
    problems.add(node.Mark(), what + " must be a string or a list of strings");
  }
  return out;
}

std::vector<std::string> split_words(const std::string& command) {
  std::istringstream in(command);
  std::vector<std::string> words;
  for (std::string w; in >> w;) words.push_back(w);
  return words;
}

// `probe:` is one command (argv list, or a string split at spaces) or a list of commands
// (each an argv list or a string) when several probes must all pass.
std::vector<std::vector<std::string>> probes_at(const YAML::Node& node, Problems& problems) {
  std::vector<std::vector<std::string>> probes;
  auto add = [&](std::vector<std::string> argv, const YAML::Node& where) {
    if (argv.empty() || argv.front().empty()) {
      problems.add(where.Mark(), "empty probe command");
      return;
    }
    probes.push_back(std::move(argv));
  };
  if (node.IsScalar()) {
    add(split_words(node.Scalar()), node);
    return probes;
  }
  if (!node.IsSequence() || node.size() == 0) {
    problems.add(node.Mark(), "probe must be a command: an argv list or one string");
    return probes;
  }
  const bool list_of_commands =
      std::any_of(node.begin(), node.end(), [](const YAML::Node& n) { return n.IsSequence(); });
  if (!list_of_commands) {
    add(strings_at(node, "probe", problems), node);
    return probes;
  }
  for (const auto& command : node) {
    if (command.IsScalar()) {
      add(split_words(command.Scalar()), command);
    } else if (command.IsSequence()) {
      add(strings_at(command, "probe", problems), command);
    } else {
      problems.add(command.Mark(), "each probe must be an argv list or one string");
    }
  }
  return probes;
}

// Reads the run options of `node` over `options` (later keys win over `defaults:`).
void read_options(const YAML::Node& node, PlanRunOptions& options, const std::string& base,
                  Problems& problems) {
  if (const auto n = node["probe-timeout"]) {
    if (auto v = seconds_at(n, "probe-timeout", problems)) options.probe_timeout = v;
  }
  if (const auto n = node["settle"]) {
    if (auto v = seconds_at(n, "settle", problems)) options.settle = v;
  }
  if (const auto n = node["start-timeout"]) {
    if (auto v = seconds_at(n, "start-timeout", problems)) options.start_timeout = v;
  }
  if (const auto n = node["stop-timeout"]) {
    if (auto v = seconds_at(n, "stop-timeout", problems)) options.stop_timeout = v;
  }
  if (const auto n = node["confirm"]) {
    if (auto v = count_at(n, "confirm", 1, problems)) options.confirm = v;
  }
  if (const auto n = node["retries"]) {
    if (auto v = count_at(n, "retries", 0, problems)) options.retries = v;
  }
  if (const auto n = node["stop-original"]) {
    if (auto v = bool_at(n, "stop-original", problems)) options.stop_original = v;
  }
  if (const auto n = node["check-maximal"]) {
    if (auto v = bool_at(n, "check-maximal", problems)) options.check_maximal = v;
  }
  if (const auto n = node["probe-user"]) {
    if (auto v = string_at(n, "probe-user", problems)) options.probe_user = v;
  }
  if (const auto n = node["catalogue"]) {
    if (auto v = string_at(n, "catalogue", problems)) {
      std::filesystem::path p(*v);
      options.catalogue = p.is_absolute() || base.empty() ? *v : (base / p).string();
    }
  }
  if (const auto n = node["only"]) options.only = strings_at(n, "only", problems);
  if (const auto n = node["skip"]) options.skip = strings_at(n, "skip", problems);
}

bool known(const std::vector<std::string>& names, const std::string& name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

void check_keys(const YAML::Node& node, bool unit_entry, Problems& problems) {
  for (const auto& field : node) {
    const auto name = field.first.IsScalar() ? field.first.Scalar() : std::string("?");
    if (known(kOptionFields, name) || (unit_entry && known(kUnitFields, name))) continue;
    problems.add(field.first.Mark(), "unknown field '" + name + "' (" +
                                         (unit_entry ? joined(kUnitFields) + ", " : std::string()) +
                                         joined(kOptionFields) + ")");
  }
}

std::optional<PlanUnit> unit_at(const YAML::Node& node, const PlanRunOptions& defaults,
                                const std::string& base, Problems& problems) {
  if (!node.IsMap()) {
    problems.add(node.Mark(), "a unit entry is a mapping with at least 'unit' and 'probe'");
    return std::nullopt;
  }
  check_keys(node, true, problems);
  PlanUnit out;
  out.line = node.Mark().line + 1;
  out.options = defaults;
  if (const auto u = node["unit"]) {
    out.unit = string_at(u, "unit", problems).value_or("");
    if (!out.unit.empty()) {
      if (auto s = check_unit_name(out.unit); !s) problems.add(u.Mark(), s.error().message);
    }
  } else {
    problems.add(node.Mark(), "unit entry without 'unit'");
  }
  if (const auto p = node["probe"]) {
    out.probes = probes_at(p, problems);
  } else {
    problems.add(node.Mark(), "unit entry without 'probe'");
  }
  if (const auto c = node["ceiling"]) out.ceiling = number_at(c, "ceiling", 0, 10, problems);
  if (const auto u = node["user"]) out.user = bool_at(u, "user", problems).value_or(false);
  read_options(node, out.options, base, problems);
  return out;
}

}  // namespace

Result<Plan> parse_plan(const std::string& yaml_text, const std::string& origin,
                        const std::string& base_directory, std::vector<std::string>* all) {
  Problems problems(origin);
  std::optional<const YAML::Node> loaded;
  try {
    loaded.emplace(YAML::Load(yaml_text));
  } catch (const YAML::DeepRecursion& e) {
    problems.add(e.mark, "nesting too deep");
    return problems.error(all);
  } catch (const YAML::Exception& e) {
    problems.add(e.mark, e.msg);
    return problems.error(all);
  }
  const YAML::Node& root = *loaded;
  Plan plan;
  plan.origin = origin;
  if (!root.IsMap()) {
    problems.add(root.Mark(), "expected a mapping with 'version' and 'units'");
    return problems.error(all);
  }
  for (const auto& field : root) {
    const auto name = field.first.IsScalar() ? field.first.Scalar() : std::string("?");
    if (name != "version" && name != "units" && name != "defaults") {
      problems.add(field.first.Mark(), "unknown field '" + name + "' (version, defaults, units)");
    }
  }
  if (const auto v = root["version"]) {
    int version = 0;
    if (!v.IsScalar() || !YAML::convert<int>::decode(v, version) || version != kPlanVersion) {
      problems.add(v.Mark(), "unsupported plan version '" + (v.IsScalar() ? v.Scalar() : "?") +
                                 "' (this build reads version " + std::to_string(kPlanVersion) +
                                 ")");
    }
  } else {
    problems.add(root.Mark(), "missing 'version: " + std::to_string(kPlanVersion) + "'");
  }
  PlanRunOptions defaults;
  if (const auto d = root["defaults"]) {
    if (!d.IsMap()) {
      problems.add(d.Mark(), "'defaults' must be a mapping of run options");
    } else {
      check_keys(d, false, problems);
      read_options(d, defaults, base_directory, problems);
    }
  }
  const auto units = root["units"];
  if (!units || !units.IsSequence() || units.size() == 0) {
    problems.add(units ? units.Mark() : root.Mark(), "'units' must be a non-empty list");
  } else {
    std::map<std::string, int> first_line;
    for (const auto& node : units) {
      auto unit = unit_at(node, defaults, base_directory, problems);
      if (!unit) continue;
      if (!unit->unit.empty()) {
        const std::string key = (unit->user ? "user:" : "system:") + unit->unit;
        auto [it, fresh] = first_line.emplace(key, unit->line);
        if (!fresh) {
          problems.add(node.Mark(), "duplicate unit '" + unit->unit + "' (first at line " +
                                        std::to_string(it->second) + ")");
        }
      }
      unit->index = plan.units.size();
      plan.units.push_back(std::move(*unit));
    }
  }
  if (!problems.empty()) return problems.error(all);
  return plan;
}

Result<Plan> load_plan(const std::string& path, std::vector<std::string>* problems) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error{"cannot read plan " + path, ErrorKind::kBadInput};
  std::ostringstream text;
  text << in.rdbuf();
  const auto base = std::filesystem::path(path).parent_path().string();
  return parse_plan(text.str(), path, base, problems);
}

Result<Shard> parse_shard(const std::string& text) {
  const auto slash = text.find('/');
  auto bad = Error{"--shard expects I/N with 1 <= I <= N, got '" + text + "'", ErrorKind::kUsage};
  if (slash == std::string::npos) return bad;
  auto number = [](const std::string& s) -> std::optional<std::size_t> {
    if (s.empty() || s.size() > 6 ||
        !std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      return std::nullopt;
    }
    return std::stoul(s);
  };
  auto i = number(text.substr(0, slash));
  auto n = number(text.substr(slash + 1));
  if (!i || !n || *i < 1 || *n < 1 || *i > *n) return bad;
  return Shard{*i, *n};
}

std::vector<std::size_t> shard_positions(std::size_t plan_size, const Shard& shard) {
  std::vector<std::size_t> out;
  for (std::size_t k = 0; k < plan_size; ++k) {
    if (k % shard.count + 1 == shard.index) out.push_back(k);
  }
  return out;
}

}  // namespace hb
