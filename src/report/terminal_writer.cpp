// Terminal output: progress lines during the run and the summary at the end. Column widths
// are fixed or capped so long evidence never wraps a terminal line.
#include <algorithm>
#include <string>

#include "harden_bisect/report_writers.hpp"
#include "report_text.hpp"

namespace hb {
namespace {

using report::pad;
using report::truncate;

constexpr std::size_t kSummaryWidth = 100;     // total columns of a summary line
constexpr std::size_t kCandidateColumns = 30;  // trial line: "ProtectSystem=strict, +11 more"
constexpr std::size_t kTrialSummaryColumns = 40;
constexpr std::size_t kVerdictColumns = 12;  // "START-FAILED"
constexpr std::size_t kSettingColumns = 44;  // cap for the setting column of the tables

const char* colour(VerdictKind kind) {
  switch (kind) {
    case VerdictKind::kPass:
      return "\x1b[32m";
    case VerdictKind::kFail:
      return "\x1b[31m";
    case VerdictKind::kHang:
      return "\x1b[33m";
    case VerdictKind::kStartFailed:
      return "\x1b[1;31m";
    case VerdictKind::kUnsupported:
    case VerdictKind::kInfeasible:
      return "\x1b[35m";
  }
  return "";
}

// The verdict padded to its column; colour codes wrap the word only so padding stays aligned.
std::string verdict_cell(VerdictKind kind, bool tty, std::size_t width) {
  const auto label = report::verdict_label(kind);
  const auto padding = pad("", width > label.size() ? width - label.size() : 0);
  return tty ? colour(kind) + label + "\x1b[0m" + padding : label + padding;
}

std::string right(std::string text, std::size_t width) {
  return text.size() < width ? std::string(width - text.size(), ' ') + text : text;
}

std::string rstrip(std::string text) {
  while (!text.empty() && text.back() == ' ') text.pop_back();
  return text;
}

// Column left for the last cell once `used` columns are taken (never below a usable minimum).
std::size_t rest(std::size_t used) { return used + 20 < kSummaryWidth ? kSummaryWidth - used : 20; }

}  // namespace

void print_trial_line(std::ostream& out, const TrialRecord& trial, bool tty) {
  const auto n = trial.candidates.size();
  std::string candidates = "(none)";
  if (n > 0) {
    const auto more = n > 1 ? ", +" + std::to_string(n - 1) + " more" : std::string();
    candidates = truncate(report::one_line(trial.candidates.front()),
                          kCandidateColumns - report::columns(more)) +
                 more;
  }
  std::string line = "trial " + right(std::to_string(trial.number), 2) + "  " +
                     right(std::to_string(n), 2) + (n == 1 ? " option " : " options") + "  " +
                     pad(candidates, kCandidateColumns) + "  " +
                     verdict_cell(trial.verdict.kind, tty, kVerdictColumns) + "  ";
  const auto summary =
      truncate(report::one_line(trial.verdict.evidence.summary), kTrialSummaryColumns);
  if (!summary.empty()) line += summary + "  ";
  out << line << report::format_duration(trial.verdict.duration) << '\n';
}

void print_summary(std::ostream& out, const RunReport& report, bool tty) {
  using report::one_line;
  out << "harden-bisect " << one_line(report.unit) << '\n';
  out << "  exposure  " << report.before.score_text() << ' ' << report.before.level() << " -> "
      << report.after.score_text() << ' ' << report.after.level()
      << (report.user_manager ? "  (systemd-analyze security --user)" : "") << '\n';
  if (report.before_enforced && report.after_enforced) {
    out << "  enforced  " << report.before_enforced->score_text() << ' '
        << report.before_enforced->level() << " -> " << report.after_enforced->score_text() << ' '
        << report.after_enforced->level() << "  (counting only what the user manager enforces)\n";
  }
  out << "  trials    " << report.trials.size() << " in "
      << report::format_duration(report.duration) << ", final set "
      << (report.confirmed ? "confirmed" : "NOT confirmed") << '\n';
  if (!report.usage.note.empty()) out << "  usage     " << one_line(report.usage.note) << '\n';
  if (report.usage.traced) {
    // What getpcaps cannot say: per name, checks granted/denied, and what a trial proved.
    out << "\nUsage (traced baseline)\n";
    auto rows = [&](const char* what, const std::vector<UsageRow>& list) {
      for (const auto& r : list) {
        out << "  " << what << ' ' << r.name << (r.held ? "" : " (not held)") << "  granted "
            << r.granted << ", denied " << r.denied << (r.proven_needed ? ", proven needed" : "")
            << '\n';
      }
    };
    rows("capability", report.usage.capabilities);
    rows("syscalls  ", report.usage.syscall_groups);
    rows("family    ", report.usage.address_families);
    rows("namespace ", report.usage.namespaces);
  }

  // Kept: group | setting | why, in drop-in order.
  out << "\nKept (" << report.kept.size() << ")\n";
  std::vector<std::string> groups;
  std::size_t group_w = 0, setting_w = 0;
  for (const auto& k : report.kept) {
    groups.push_back(k.group);
    group_w = std::max(group_w, report::columns(one_line(k.group)));
    setting_w =
        std::max(setting_w, report::columns(report::setting_label(k.assignments, k.id, k.rung)));
  }
  setting_w = std::min(setting_w, kSettingColumns);
  for (const auto& group : report::ordered_groups(groups)) {
    for (const auto& k : report.kept) {
      if (k.group != group) continue;
      const auto setting = truncate(report::setting_label(k.assignments, k.id, k.rung), setting_w);
      const auto used = 2 + group_w + 2 + setting_w + 2;
      out << rstrip("  " + pad(one_line(k.group), group_w) + "  " + pad(setting, setting_w) + "  " +
                    truncate(one_line(k.why), rest(used)))
          << '\n';
    }
  }

  // Repairs: the grants that let a strong setting hold, so that nobody misses the access they
  // add back.
  std::vector<const KeptOption*> repaired;
  for (const auto& k : report.kept)
    if (!k.repairs.empty()) repaired.push_back(&k);
  if (!repaired.empty()) {
    out << "\nRepairs (" << repaired.size() << "): access added back, deliberately and narrowly\n";
    for (const auto* k : repaired) {
      std::string grants;
      for (const auto& a : k->repairs)
        grants += (grants.empty() ? "" : ", ") + a.key + "=" + a.value;
      out << rstrip("  " + one_line(k->id) + ": " + one_line(grants)) << '\n';
    }
  }

  // Rejected: setting | verdict | evidence, in report order (the order they were found).
  out << "\nRejected (" << report.rejected.size() << ")\n";
  setting_w = 0;
  for (const auto& r : report.rejected)
    setting_w =
        std::max(setting_w, report::columns(report::setting_label(r.assignments, r.id, r.rung)));
  setting_w = std::min(setting_w, kSettingColumns);
  for (const auto& r : report.rejected) {
    const auto setting = truncate(report::setting_label(r.assignments, r.id, r.rung), setting_w);
    const auto used = 2 + setting_w + 2 + kVerdictColumns + 2;
    out << rstrip("  " + pad(setting, setting_w) + "  " +
                  verdict_cell(r.verdict.kind, tty, kVerdictColumns) + "  " +
                  truncate(one_line(r.verdict.evidence.summary), rest(used)))
        << '\n';
  }

  if (!report.unenforced.empty()) {
    std::string unenforced =
        "\nNot enforced by this manager (" + std::to_string(report.unenforced.size()) + ")";
    for (std::size_t i = 0; i < report.unenforced.size(); ++i)
      unenforced += (i == 0 ? ": " : ", ") + one_line(report.unenforced[i].id);
    out << truncate(unenforced, kSummaryWidth + 1) << '\n';
  }
  std::string skipped = "\nSkipped (" + std::to_string(report.skipped.size()) + ")";
  for (std::size_t i = 0; i < report.skipped.size(); ++i)
    skipped += (i == 0 ? ": " : ", ") + one_line(report.skipped[i].id);
  out << truncate(skipped, kSummaryWidth + 1) << '\n';  // +1: the leading newline
}

}  // namespace hb
