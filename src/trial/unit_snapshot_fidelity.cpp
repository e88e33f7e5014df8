// The fidelity check: does a plain copy mean what the original means? Property dumps
// (sd_bus_message_dump text) are compared after bringing both into a canonical form, so that
// lists whose order and repetitions mean nothing (DeviceAllow=, paths, address prefixes, ...)
// compare as sets: systemd adds implied entries at load time (ProtectClock= adds
// DeviceAllow=char-rtc r), and a copy that was sent the entry and then got it implied again
// holds it twice, meaning the same.
#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "harden_bisect/settings.hpp"
#include "harden_bisect/unit_snapshot.hpp"

namespace hb {
namespace {

// Service properties that are runtime state, or differ from the original on purpose.
bool ignored_in_fidelity_check(const std::string& name) {
  static const std::set<std::string> kExact = {
      "MainPID", "ControlPID", "StatusText", "StatusErrno", "Result", "ReloadResult", "CleanResult",
      "NRestarts", "ControlGroup", "ControlGroupId", "MemoryCurrent", "MemoryAvailable",
      "CPUUsageNSec", "EffectiveCPUs", "EffectiveMemoryNodes", "TasksCurrent", "UID", "GID",
      "NFileDescriptorStore",
      // Copies never restart: Restart=no on purpose, the rest only matters with restarts.
      "Restart", "RestartUSec", "RestartPreventExitStatus", "RestartForceExitStatus",
      "GuessMainPID",
      // Runtime: the sockets a socket-activated service got, and the invocation's identity.
      "StandardInputFileDescriptorName", "StandardOutputFileDescriptorName",
      "StandardErrorFileDescriptorName"};
  static const std::vector<std::string> kPrefixes = {
      "ExecMain", "IPIngress", "IPEgress", "IORead", "IOWrite", "WatchdogTimestamp",
      // Exec* lists carry run-time fields; they are copied from the parsed form instead.
      "ExecCondition", "ExecStartPre", "ExecStart", "ExecStartPost", "ExecReload", "ExecStop"};
  if (kExact.count(name)) return true;
  return std::any_of(kPrefixes.begin(), kPrefixes.end(),
                     [&](const std::string& p) { return name.rfind(p, 0) == 0; });
}

// Lists that systemd treats as sets: the order of their entries and repeated entries change
// nothing: the registry marks them (Environment=, ExecStart= and other ordered lists are not).
bool has_set_meaning(const std::string& name) {
  const Setting* s = registered_setting(name);
  return s != nullptr && s->set_meaning;
}

// One node of a dump: its header line ("ARRAY \"(ss)\" {" or a leaf like "STRING \"r\";"),
// and its children when it opens a block.
struct Node {
  std::string line;
  std::vector<Node> children;
};

std::string trim(const std::string& s) {
  auto b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return "";
  auto e = s.find_last_not_of(" \t\r");
  return s.substr(b, e - b + 1);
}

// Splits dump text into lines; sd-bus writes one token per line, blocks end with "};".
std::vector<std::string> lines_of(const std::string& dump) {
  std::vector<std::string> out;
  std::string current;
  for (char c : dump) {
    if (c == '\n') {
      if (auto t = trim(current); !t.empty()) out.push_back(t);
      current.clear();
    } else {
      current += c;
    }
  }
  if (auto t = trim(current); !t.empty()) out.push_back(t);
  return out;
}

std::vector<Node> parse(const std::vector<std::string>& lines, std::size_t& at) {
  std::vector<Node> nodes;
  while (at < lines.size()) {
    const auto& line = lines[at++];
    if (line == "};" || line == "}") return nodes;
    Node node{line, {}};
    if (line.back() == '{') node.children = parse(lines, at);
    nodes.push_back(std::move(node));
  }
  return nodes;
}

std::string render(const Node& node) {
  std::string out = node.line;
  if (node.line.back() == '{') {
    for (const auto& c : node.children) out += " " + render(c);
    out += " };";
  }
  return out;
}

// Sorts the entries of every array and drops repeated ones.
void as_sets(Node& node) {
  for (auto& c : node.children) as_sets(c);
  if (node.line.rfind("ARRAY", 0) != 0) return;
  std::map<std::string, Node> unique;
  for (auto& c : node.children) unique.emplace(render(c), std::move(c));
  node.children.clear();
  for (auto& [text, c] : unique) node.children.push_back(std::move(c));
}

}  // namespace

std::string canonical_dump(const std::string& name, const std::string& dump) {
  std::size_t at = 0;
  auto nodes = parse(lines_of(dump), at);
  std::string out;
  for (auto& n : nodes) {
    if (has_set_meaning(name)) as_sets(n);
    out += (out.empty() ? "" : " ") + render(n);
  }
  return out;
}

// sd_bus_message_dump text as one short line: the value without the name, spaces collapsed.
std::string compact_dump(const std::string& dump) {
  auto start = dump.find("VARIANT");
  std::string out;
  for (char c : dump.substr(start == std::string::npos ? 0 : start)) {
    if (c == '\n' || c == '\t') c = ' ';
    if (c == ' ' && !out.empty() && out.back() == ' ') continue;
    out += c;
  }
  return out.size() > 60 ? out.substr(0, 59) + "…" : out;
}

// Values that read differently but mean the same. WatchdogUSec= reads the configured value
// only from the service's last start on: a stopped or never started original reads infinity
// whatever it configures, so there is nothing to compare.
bool same_meaning(const std::string& name, const std::string& original, const std::string& copy) {
  if (canonical_dump(name, original) == canonical_dump(name, copy)) return true;
  if (name != "WatchdogUSec") return false;
  auto reads = [](const std::string& dump, const char* value) {
    return dump.find(std::string("UINT64 ") + value + ";") != std::string::npos;
  };
  return reads(original, "18446744073709551615") || (reads(original, "0") && reads(copy, "0"));
}

std::vector<std::string> unreproduced_settings(const std::map<std::string, std::string>& original,
                                               const std::map<std::string, std::string>& copy) {
  std::vector<std::string> missing;
  for (const auto& [name, value] : original) {
    if (ignored_in_fidelity_check(name)) continue;
    auto it = copy.find(name);
    if (it == copy.end()) {
      missing.push_back(name);
    } else if (!same_meaning(name, value, it->second)) {
      missing.push_back(name + " (" + compact_dump(value) + " vs copy " + compact_dump(it->second) +
                        ")");
    }
  }
  return missing;
}

}  // namespace hb
