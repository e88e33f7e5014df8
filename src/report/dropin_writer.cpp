// The drop-in file: what the user installs, so every comment is one sanitised line.
#include <sstream>

#include "harden_bisect/assignment.hpp"
#include "harden_bisect/report_writers.hpp"
#include "report_text.hpp"

namespace hb {
namespace {

using report::one_line;
using report::truncate;

constexpr std::size_t kCommentColumns = 160;  // text after "# "; keeps evidence readable
constexpr std::size_t kWrapColumns = 100;     // for the capability list, as .clang-format

void comment(std::ostream& out, std::string_view text) {
  out << "# " << truncate(one_line(text), kCommentColumns) << '\n';
}

// True when the option only removes capabilities from the bounding set
// (CapabilityBoundingSet=~CAP_X ...); those share one summary comment.
bool drops_capabilities(const KeptOption& option) {
  if (option.assignments.empty()) return false;
  for (const auto& a : option.assignments)
    if (a.key != "CapabilityBoundingSet" || !a.value.starts_with('~')) return false;
  return true;
}

// One comment naming every dropped capability, wrapped, instead of 40 one-line comments.
void capability_summary(std::ostream& out, const std::vector<const KeptOption*>& options) {
  std::vector<std::string> caps;
  for (const auto* option : options) {
    if (!drops_capabilities(*option)) continue;
    for (const auto& a : option->assignments) {
      std::istringstream words(one_line(a.value.substr(1)));
      for (std::string cap; words >> cap;) caps.push_back(cap);
    }
  }
  if (caps.empty()) return;
  std::string line = "# Dropped from the capability bounding set (" + std::to_string(caps.size()) +
                     "), unused by the service:";
  for (const auto& cap : caps) {
    if (report::columns(line) + 1 + report::columns(cap) > kWrapColumns) {
      out << line << '\n';
      line = "#  ";
    }
    line += " " + cap;
  }
  out << line << '\n';
}

void header(std::ostream& out, const RunReport& report, const DropinHeader& h) {
  comment(out, "Hardening for " + report.unit + ", found by harden-bisect " + report.tool_version +
                   " on " + h.date + ".");
  for (const auto& probe : h.probes) comment(out, "Probe: " + probe);
  comment(out, "Trials: " + std::to_string(report.trials.size()) + " in " +
                   report::format_duration(report.duration) + ", final set " +
                   (report.confirmed ? "confirmed" : "NOT confirmed") + " by the probe");
  comment(out, "Exposure (systemd-analyze security): " + report.before.score_text() + " " +
                   report.before.level() + " -> " + report.after.score_text() + " " +
                   report.after.level());
}

void kept_options(std::ostream& out, const RunReport& report) {
  if (report.kept.empty()) {
    out << "\n# Nothing kept: every candidate broke the probe or was skipped.\n";
    return;
  }
  std::vector<std::string> groups;
  for (const auto& k : report.kept) groups.push_back(k.group);
  for (const auto& group : report::ordered_groups(groups)) {
    std::vector<const KeptOption*> options;
    std::vector<Assignment> assignments;
    for (const auto& k : report.kept) {
      if (k.group != group) continue;
      options.push_back(&k);
      assignments.insert(assignments.end(), k.assignments.begin(), k.assignments.end());
    }
    out << "\n# --- " << one_line(group.empty() ? "other" : group) << " ---\n";
    if (group == "capabilities") capability_summary(out, options);
    for (const auto* k : options) {
      if (group == "capabilities" && drops_capabilities(*k)) continue;
      const auto label = report::setting_label(k->assignments, k->id, k->rung);
      comment(out, k->why.empty() ? label : label + ": " + k->why);
    }
    for (const auto& line : render_dropin(assignments)) out << line << '\n';
  }
}

void rejected_and_skipped(std::ostream& out, const RunReport& report) {
  if (!report.rejected.empty()) {
    out << "\n# Rejected: the service failed its probe with these.\n";
    for (const auto& r : report.rejected) {
      auto label = report::setting_label(r.assignments, r.id, r.rung);
      if (!r.why.empty()) label += " (" + one_line(r.why) + ")";
      comment(out, label + ": " + report::rejection_reason(r.verdict));
    }
  }
  if (!report.skipped.empty()) {
    out << "\n# Skipped before the search:\n";
    for (const auto& s : report.skipped) comment(out, s.id + ": " + s.reason);
  }
}

}  // namespace

std::string render_dropin_file(const RunReport& report, const DropinHeader& h) {
  std::ostringstream out;
  header(out, report, h);
  out << "[Service]\n";
  kept_options(out, report);
  rejected_and_skipped(out, report);
  return out.str();
}

}  // namespace hb
