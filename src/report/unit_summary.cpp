// RunReport -> UnitSummary, and the failure rules of a unit's CI testcase (issue 12 item 4):
// a unit fails when it fails its probe as shipped, ends above its ceiling or --threshold, shows
// a regression, or is not maximal under --check-maximal. Rejected options are never failures:
// they are the normal outcome of hardening.
#include "harden_bisect/unit_summary.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "harden_bisect/assignment.hpp"

namespace hb {
namespace {

std::string setting_text(const std::vector<Assignment>& assignments, const std::string& id,
                         const std::string& rung) {
  std::string out = join_assignments(assignments);
  return out.empty() ? id + "=" + rung : out;
}

std::string score(int tenths) {
  std::ostringstream out;
  out << tenths / 10 << "." << tenths % 10;
  return out.str();
}

int ceiling_tenths(double value) { return static_cast<int>(std::lround(value * 10)); }

// What a reader needs to see why a rung broke the service.
std::string evidence_text(const Evidence& ev) {
  std::string body;
  if (!ev.unit_result.empty()) body += "unit result: " + ev.unit_result + "\n";
  if (!ev.probe_output_tail.empty()) {
    body += "probe output (tail):\n" + ev.probe_output_tail;
    if (!body.ends_with('\n')) body += '\n';
  }
  if (!ev.journal.empty()) {
    body += "journal:\n";
    for (const auto& line : ev.journal) body += line + "\n";
  }
  return body;
}

}  // namespace

const char* to_string(UnitOutcome status) {
  switch (status) {
    case UnitOutcome::kPassed:
      return "passed";
    case UnitOutcome::kFailed:
      return "failed";
    case UnitOutcome::kError:
      return "error";
    case UnitOutcome::kUnsupported:
      return "unsupported";
  }
  return "?";
}

UnitSummary summarize_run(const RunReport& report) {
  UnitSummary out;
  out.unit = report.unit;
  out.before_tenths = report.before.tenths;
  out.after_tenths = report.after.tenths;
  out.confirmed = report.confirmed;
  out.trial_count = report.trials.size();
  out.duration = report.duration;
  for (const auto& k : report.kept) {
    out.kept.push_back({k.id, k.rung, setting_text(k.assignments, k.id, k.rung), k.why});
  }
  for (const auto& r : report.rejected) {
    std::string note = std::string(to_string(r.verdict.kind));
    if (!r.verdict.evidence.summary.empty()) note += ": " + r.verdict.evidence.summary;
    if (!r.why.empty()) note += " (" + r.why + ")";
    out.rejected.push_back({r.id, r.rung, setting_text(r.assignments, r.id, r.rung), note,
                            evidence_text(r.verdict.evidence)});
    if (r.maximality && r.maximality->passed()) {
      out.failures.push_back({"not-maximal",
                              "not maximal: " + setting_text(r.assignments, r.id, r.rung) +
                                  " passes when added to the final set",
                              ""});
    }
  }
  for (const auto& s : report.skipped) out.skipped.push_back({s.id, "", "", s.reason});
  for (const auto& u : report.unenforced)
    out.skipped.push_back({u.id, "", "", "not enforced by this manager: " + u.reason, ""});
  for (const auto& row : report.after.rows) {
    if (row.badness && *row.badness > 0 && row.weight > 0) {
      out.exposed.push_back({row.id, row.json_field, row.weight, row.range, *row.badness});
    }
  }
  if (!out.failures.empty()) out.status = UnitOutcome::kFailed;
  return out;
}

void add_exposure_failures(UnitSummary& unit, std::optional<double> threshold) {
  if (!unit.after_tenths) return;
  const int after = *unit.after_tenths;
  if (unit.ceiling && after > ceiling_tenths(*unit.ceiling)) {
    std::ostringstream limit;
    limit << *unit.ceiling;
    unit.failures.push_back(
        {"above-ceiling", "exposure " + score(after) + " is above the ceiling " + limit.str(), ""});
  }
  if (threshold && after > ceiling_tenths(*threshold)) {
    std::ostringstream limit;
    limit << *threshold;
    unit.failures.push_back({"above-threshold",
                             "exposure " + score(after) + " is above --threshold " + limit.str(),
                             ""});
  }
  if (!unit.failures.empty() && unit.status == UnitOutcome::kPassed) {
    unit.status = UnitOutcome::kFailed;
  }
}

UnitSummary summarize_error(const Error& error) {
  UnitSummary out;
  out.error = error.message;
  out.error_code = exit_code_for(error.kind);
  if (error.kind == ErrorKind::kBaselineFailed) {
    out.status = UnitOutcome::kFailed;
    out.failures.push_back({"fails-as-shipped", error.message, ""});
  } else {
    out.status = UnitOutcome::kError;
  }
  return out;
}

void sort_by_plan_order(std::vector<UnitSummary>& units) {
  std::stable_sort(units.begin(), units.end(),
                   [](const UnitSummary& a, const UnitSummary& b) { return a.index < b.index; });
}

}  // namespace hb
