// Merge order and drop-in rendering: several assignments of one key written as the fewest
// lines that mean the same when appended after the unit's own file.
#include <algorithm>
#include <map>

#include "assignment_model.hpp"

namespace hb::assignment {
namespace {

bool is_name_filter(std::string_view key) {
  const auto* row = find_row(key);
  return row && (row->merge == Kind::kSyscallFilter || row->merge == Kind::kAddressFamilies);
}

bool is_deny(const Assignment& a) { return !a.value.empty() && a.value.front() == '~'; }

// How a line combines with the previous line of its key.
enum class Join {
  kNone,     // never merged
  kReplace,  // the later line replaces the earlier one
  kDeny,     // "~a b" lines: one line with all words
  kAllow,    // "a b" lines of a set-like key: one line with all words
};

Join join_of(const Parsed& p) {
  using Form = Parsed::Form;
  switch (p.row->merge) {
    case Kind::kBool:
    case Kind::kBoolOff:
    case Kind::kEnum:
    case Kind::kUmask:
      return Join::kReplace;
    case Kind::kClear:
      return p.grant ? Join::kAllow : Join::kReplace;
    case Kind::kGrantNames:
    case Kind::kGrantPaths:
      return Join::kAllow;
    case Kind::kCapabilities:
    case Kind::kNamespaces:
      if (p.form == Form::kDrop) return Join::kDeny;
      return p.form == Form::kKeep ? Join::kAllow : Join::kNone;
    case Kind::kSyscallFilter:
    case Kind::kAddressFamilies:
      return p.allow ? Join::kAllow : Join::kDeny;
    case Kind::kArchitectures:
    case Kind::kIpDeny:
    case Kind::kIpAllow:
      return Join::kAllow;  // lines add to one set

    case Kind::kNone:  // find_row() never returns such a row
      break;
  }
  return Join::kNone;
}

std::string joined_words(const std::string& earlier, const std::string& later, bool deny) {
  auto strip = [&](const std::string& v) { return deny ? v.substr(1) : v; };
  auto words = split_words(strip(earlier));
  for (auto& w : split_words(strip(later))) {
    if (std::find(words.begin(), words.end(), w) == words.end()) words.push_back(std::move(w));
  }
  std::string out = deny ? "~" : "";
  for (std::size_t i = 0; i < words.size(); ++i) out += (i ? " " : "") + words[i];
  return out;
}

}  // namespace

std::vector<Assignment> in_merge_order(std::vector<Assignment> assignments) {
  std::map<std::string, std::vector<std::size_t>> slots;  // filter key -> its positions
  for (std::size_t i = 0; i < assignments.size(); ++i) {
    if (is_name_filter(assignments[i].key)) slots[assignments[i].key].push_back(i);
  }
  for (const auto& [key, positions] : slots) {
    std::vector<Assignment> entries;
    for (auto i : positions) entries.push_back(assignments[i]);
    std::stable_partition(entries.begin(), entries.end(),
                          [](const Assignment& a) { return !is_deny(a); });
    for (std::size_t j = 0; j < positions.size(); ++j) assignments[positions[j]] = entries[j];
  }
  return assignments;
}

std::vector<Assignment> coalesce(const std::vector<Assignment>& assignments) {
  std::vector<Assignment> lines;
  std::vector<Join> joins;
  std::map<std::string, std::size_t> last_line;  // key -> index in lines
  for (const auto& a : assignments) {
    auto parsed = parse(a);
    const Join join = parsed ? join_of(*parsed) : Join::kNone;
    auto it = last_line.find(a.key);
    if (it != last_line.end() && join != Join::kNone && joins[it->second] == join) {
      auto& line = lines[it->second];
      line.value =
          join == Join::kReplace ? a.value : joined_words(line.value, a.value, join == Join::kDeny);
      continue;
    }
    last_line[a.key] = lines.size();
    lines.push_back(a);
    joins.push_back(join);
  }
  return lines;
}

}  // namespace hb::assignment

namespace hb {

std::vector<std::string> render_dropin(const std::vector<Assignment>& kept) {
  std::vector<std::string> out;
  for (const auto& line : assignment::coalesce(assignment::in_merge_order(kept))) {
    out.push_back(line.key + "=" + line.value);
  }
  return out;
}

}  // namespace hb
