#include "unit_patch_writer.hpp"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <optional>
#include <set>

#include "harden_bisect/text.hpp"

namespace hb {
namespace {

// Settings whose later lines add to (or take from) earlier ones instead of replacing them.
const std::set<std::string, std::less<>>& merging_keys() {
  static const std::set<std::string, std::less<>> keys = {
      "AmbientCapabilities",     "BindPaths",          "BindReadOnlyPaths",
      "CapabilityBoundingSet",   "DeviceAllow",        "Environment",
      "EnvironmentFile",         "ExecPaths",          "IPAddressAllow",
      "IPAddressDeny",           "IPEgressFilterPath", "IPIngressFilterPath",
      "InaccessiblePaths",       "LoadCredential",     "NoExecPaths",
      "ReadOnlyPaths",           "ReadWritePaths",     "RestrictAddressFamilies",
      "RestrictFileSystems",     "RestrictNamespaces", "SupplementaryGroups",
      "SystemCallArchitectures", "SystemCallFilter",   "SystemCallLog",
      "TemporaryFileSystem"};
  return keys;
}

bool is_boolean_word(std::string_view v) { return parse_boolean(v).has_value(); }

// Whether setting `a` again replaces what earlier lines of its key said.
bool replaces(const Assignment& a) {
  if (a.value.empty()) return true;  // a reset: only this line counts
  if (!merging_keys().contains(a.key)) return true;
  if (a.key == "RestrictNamespaces" && is_boolean_word(a.value)) return true;
  if (a.key == "RestrictAddressFamilies" && a.value == "none") return true;
  return false;
}

std::string_view strip(std::string_view s) {
  const auto first = s.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  return s.substr(first, s.find_last_not_of(" \t\r\n") - first + 1);
}

// One logical piece of a unit file: an assignment with its continuation lines, a section header,
// or a comment/blank line. Text is kept verbatim.
struct Block {
  std::string text;  // physical lines, each with its '\n'
  std::string section;
  std::string key;  // empty unless an assignment
  bool header = false;
};

std::vector<Block> blocks_of(std::string_view fragment) {
  std::vector<Block> blocks;
  std::string section;
  bool continuing = false;
  std::size_t pos = 0;
  while (pos < fragment.size()) {
    auto end = fragment.find('\n', pos);
    const std::size_t next = end == std::string_view::npos ? fragment.size() : end + 1;
    const std::string_view physical = fragment.substr(pos, next - pos);
    pos = next;
    const std::string_view content = strip(physical);
    const bool comment = !content.empty() && (content.front() == '#' || content.front() == ';');
    if (continuing) {  // belongs to the assignment above, comment lines included
      blocks.back().text += physical;
      if (!comment) {
        bool escaped = false;
        for (char c : content) escaped = escaped ? false : c == '\\';
        continuing = escaped;
      }
      continue;
    }
    Block b{std::string(physical), section, "", false};
    if (!comment && !content.empty()) {
      if (content.front() == '[' && content.back() == ']') {
        section = std::string(content.substr(1, content.size() - 2));
        b.section = section;
        b.header = true;
      } else if (auto eq = content.find('='); eq != std::string_view::npos) {
        b.key = std::string(strip(content.substr(0, eq)));
        bool escaped = false;
        for (char c : content) escaped = escaped ? false : c == '\\';
        continuing = escaped;
      }
    }
    blocks.push_back(std::move(b));
  }
  if (!blocks.empty() && !blocks.back().text.ends_with('\n')) blocks.back().text += '\n';
  return blocks;
}

Block assignment_block(const Assignment& a) {
  return {a.key + "=" + a.value + "\n", "Service", a.key, false};
}

// Index after which a new [Service] line goes: the section's last assignment (or header).
std::ptrdiff_t end_of_service(const std::vector<Block>& blocks) {
  for (std::ptrdiff_t i = static_cast<std::ptrdiff_t>(blocks.size()) - 1; i >= 0; --i) {
    const auto& b = blocks[i];
    if (b.section == "Service" && (!b.key.empty() || b.header)) return i;
  }
  return -1;
}

// Keys whose empty assignment means "back to the default", so on a unit without the key it
// changes nothing. (CapabilityBoundingSet= means "no capabilities", Delegate= means yes.)
bool empty_is_default(std::string_view key) {
  static const std::set<std::string, std::less<>> keys = {
      "AmbientCapabilities", "DeviceAllow",
      "IPAddressAllow",      "IPAddressDeny",
      "InaccessiblePaths",   "ReadOnlyPaths",
      "ReadWritePaths",      "RestrictAddressFamilies",
      "SupplementaryGroups", "SystemCallArchitectures",
      "SystemCallFilter"};
  return keys.contains(key);
}

std::vector<std::string> words(std::string_view value) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < value.size()) {
    while (i < value.size() && std::isspace(static_cast<unsigned char>(value[i]))) ++i;
    const std::size_t start = i;
    while (i < value.size() && !std::isspace(static_cast<unsigned char>(value[i]))) ++i;
    if (i > start) out.emplace_back(value.substr(start, i - start));
  }
  return out;
}

// The value of an assignment block: continuation backslashes and comment lines dropped.
std::string block_value(const Block& b) {
  std::string value;
  std::size_t pos = 0;
  bool first = true;
  while (pos < b.text.size()) {
    auto end = b.text.find('\n', pos);
    if (end == std::string::npos) end = b.text.size();
    std::string_view line = strip(std::string_view(b.text).substr(pos, end - pos));
    pos = end + 1;
    if (!first && !line.empty() && (line.front() == '#' || line.front() == ';')) continue;
    if (first) line = line.substr(line.find('=') + 1);
    first = false;
    if (!line.empty() && line.back() == '\\') line.remove_suffix(1);
    value += std::string(line) + " ";
  }
  return value;
}

std::string upper(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

// A capability drop ("~CAP_X") on lines that only list kept capabilities folds into one kept
// list, which is what a maintainer would write: the union of the lines minus the dropped ones.
std::optional<Assignment> folded_capabilities(const std::vector<Block>& blocks,
                                              const std::vector<std::size_t>& same,
                                              const Assignment& a) {
  if ((a.key != "CapabilityBoundingSet" && a.key != "AmbientCapabilities") ||
      !a.value.starts_with('~'))
    return std::nullopt;
  std::vector<std::string> kept;
  for (auto i : same) {
    const std::string value = block_value(blocks[i]);
    const auto listed = words(value);
    if (listed.empty() || listed.front().starts_with('~')) return std::nullopt;
    for (const auto& w : listed)
      if (std::find(kept.begin(), kept.end(), w) == kept.end()) kept.push_back(w);
  }
  std::set<std::string> dropped;
  for (const auto& w : words(std::string_view(a.value).substr(1))) dropped.insert(upper(w));
  std::string value;
  for (const auto& w : kept)
    if (!dropped.contains(upper(w))) value += (value.empty() ? "" : " ") + w;
  return Assignment{a.key, value};
}

void merge_one(std::vector<Block>& blocks, const Assignment& given) {
  std::vector<std::size_t> same;
  for (std::size_t i = 0; i < blocks.size(); ++i) {
    if (blocks[i].section == "Service" && blocks[i].key == given.key) same.push_back(i);
  }
  if (same.empty() && given.value.empty() && empty_is_default(given.key)) return;
  const Assignment a =
      same.empty() ? given : folded_capabilities(blocks, same, given).value_or(given);
  if (a.value != given.value) {  // folded: the one line replaces the unit's own
    blocks[same.front()] = assignment_block(a);
    for (auto it = same.rbegin(); it != same.rend() - 1; ++it)
      blocks.erase(blocks.begin() + static_cast<std::ptrdiff_t>(*it));
    return;
  }
  if (!same.empty() && replaces(a)) {
    blocks[same.front()] = assignment_block(a);
    for (auto it = same.rbegin(); it != same.rend() - 1; ++it)
      blocks.erase(blocks.begin() + static_cast<std::ptrdiff_t>(*it));
    return;
  }
  if (!same.empty()) {
    blocks.insert(blocks.begin() + static_cast<std::ptrdiff_t>(same.back()) + 1,
                  assignment_block(a));
    return;
  }
  const std::ptrdiff_t at = end_of_service(blocks);
  if (at < 0) {
    if (!blocks.empty() && strip(blocks.back().text).size() > 0)
      blocks.push_back({"\n", "", "", false});
    blocks.push_back({"[Service]\n", "Service", "", true});
    blocks.push_back(assignment_block(a));
    return;
  }
  blocks.insert(blocks.begin() + at + 1, assignment_block(a));
}

std::vector<std::string_view> lines_of(std::string_view text) {
  std::vector<std::string_view> lines;
  std::size_t pos = 0;
  while (pos < text.size()) {
    auto end = text.find('\n', pos);
    const std::size_t next = end == std::string_view::npos ? text.size() : end + 1;
    lines.push_back(text.substr(pos, next - pos));
    pos = next;
  }
  return lines;
}

// "@@ -start,count" numbers: a hunk without lines on one side names the line before it.
std::string range(std::size_t first, std::size_t count) {
  return std::to_string(count == 0 ? first : first + 1) + "," + std::to_string(count);
}

}  // namespace

std::string merge_into_unit(std::string_view fragment, const std::vector<Assignment>& assignments) {
  std::vector<Block> blocks = blocks_of(fragment);
  for (const auto& a : assignments) merge_one(blocks, a);
  std::string out;
  for (const auto& b : blocks) out += b.text;
  return out;
}

std::string unified_diff(std::string_view before, std::string_view after, const std::string& path) {
  const auto a = lines_of(before), b = lines_of(after);
  const std::size_t n = a.size(), m = b.size();
  // Longest common subsequence table; unit files are small.
  std::vector<std::vector<uint32_t>> lcs(n + 1, std::vector<uint32_t>(m + 1, 0));
  for (std::size_t i = n; i-- > 0;)
    for (std::size_t j = m; j-- > 0;)
      lcs[i][j] = a[i] == b[j] ? lcs[i + 1][j + 1] + 1 : std::max(lcs[i + 1][j], lcs[i][j + 1]);
  struct Op {
    char kind;  // ' ', '-', '+'
    std::size_t ai, bi;
  };
  std::vector<Op> ops;
  std::size_t i = 0, j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] == b[j]) {
      ops.push_back({' ', i++, j++});
    } else if (i < n && (j == m || lcs[i + 1][j] >= lcs[i][j + 1])) {
      ops.push_back({'-', i++, j});  // removals before additions, as diff(1) writes them
    } else {
      ops.push_back({'+', i, j++});
    }
  }
  constexpr std::size_t kContext = 3;
  std::string out;
  std::size_t k = 0;
  while (k < ops.size()) {
    if (ops[k].kind == ' ') {
      ++k;
      continue;
    }
    // A hunk: from kContext lines before this change to kContext lines after the last change
    // that is no more than 2*kContext unchanged lines away.
    std::size_t start = k >= kContext ? k - kContext : 0;
    while (start < k && ops[start].kind != ' ') ++start;
    std::size_t end = k, equal_run = 0;
    for (std::size_t t = k; t < ops.size(); ++t) {
      if (ops[t].kind == ' ') {
        if (++equal_run > 2 * kContext) break;
      } else {
        equal_run = 0;
        end = t;
      }
    }
    const std::size_t stop = std::min(ops.size(), end + 1 + kContext);
    std::size_t a_count = 0, b_count = 0;
    for (std::size_t t = start; t < stop; ++t) {
      if (ops[t].kind != '+') ++a_count;
      if (ops[t].kind != '-') ++b_count;
    }
    if (out.empty()) out = "--- a/" + path + "\n+++ b/" + path + "\n";
    out += "@@ -" + range(ops[start].ai, a_count) + " +" + range(ops[start].bi, b_count) + " @@\n";
    for (std::size_t t = start; t < stop; ++t) {
      const std::string_view line = ops[t].kind == '+' ? b[ops[t].bi] : a[ops[t].ai];
      out += ops[t].kind;
      out += line;
      if (!line.ends_with('\n')) out += "\n\\ No newline at end of file\n";
    }
    k = stop;
  }
  return out;
}

std::string render_unit_patch(std::string_view fragment, const std::string& relative_path,
                              const std::vector<Assignment>& assignments) {
  return unified_diff(fragment, merge_into_unit(fragment, assignments), relative_path);
}

}  // namespace hb
