// summary.md and the terminal overview of a plan run.
#include <algorithm>
#include <sstream>

#include "harden_bisect/exposure.hpp"
#include "harden_bisect/plan_outputs.hpp"
#include "harden_bisect/weak_probe.hpp"

namespace hb {
namespace {

std::string exposure_text(const std::optional<int>& tenths) {
  if (!tenths) return "-";
  std::ostringstream out;
  out << *tenths / 10 << "." << *tenths % 10 << " " << exposure_level(*tenths);
  return out.str();
}

// One cell of text: no newlines, no table separators.
std::string cell(std::string text) {
  for (auto& c : text) {
    if (c == '\n' || c == '\r' || c == '\t' || static_cast<unsigned char>(c) < 0x20) c = ' ';
    if (c == '|') c = '/';
  }
  return text;
}

// Why a unit is not green, in one line.
std::string reason(const UnitSummary& u) {
  if (!u.failures.empty()) {
    std::string out = u.failures.front().message;
    if (u.failures.size() > 1) out += " (+" + std::to_string(u.failures.size() - 1) + " more)";
    return out;
  }
  return u.error;
}

// The result column: the status, why it is not green, and a warning for a weak probe.
std::string result_text(const UnitSummary& u) {
  std::string out = to_string(u.status);
  if (u.status != UnitOutcome::kPassed) out += ": " + cell(reason(u));
  if (!weak_probe_notes(u.probes).empty()) out += " (weak probe)";
  return out;
}

std::string pad(const std::string& text, std::size_t width) {
  return text.size() >= width ? text + " " : text + std::string(width - text.size(), ' ');
}

}  // namespace

std::string render_summary_markdown(const PlanSummary& s) {
  std::size_t failed = 0;
  for (const auto& u : s.units)
    failed += u.status == UnitOutcome::kFailed || u.status == UnitOutcome::kError;
  std::ostringstream out;
  out << "## harden-bisect plan " << cell(s.plan);
  if (!s.shards.empty()) {
    out << " (shards";
    for (const auto& shard : s.shards) out << " " << shard;
    out << ")";
  }
  out << "\n\n" << s.units.size() << " units, " << failed << " failing.";
  if (s.threshold) out << " Threshold " << *s.threshold << ".";
  if (!s.baseline.empty()) out << " Baseline `" << cell(s.baseline) << "`.";
  out << "\n\n| Unit | Before | After | Kept | Rejected | Result |\n"
      << "|---|---|---|---:|---:|---|\n";
  for (const auto& u : s.units) {
    out << "| `" << cell(u.unit) << "`" << (u.user ? " (user)" : "") << " | "
        << exposure_text(u.before_tenths) << " | " << exposure_text(u.after_tenths) << " | "
        << u.kept.size() << " | " << u.rejected.size() << " | " << result_text(u) << " |\n";
  }
  bool weak_heading = false;
  for (const auto& u : s.units) {
    for (const auto& note : weak_probe_notes(u.probes)) {
      if (!weak_heading) out << "\n### Weak probes\n\n";
      weak_heading = true;
      out << "- `" << cell(u.unit) << "`: " << cell(note) << "\n";
    }
  }
  bool heading = false;
  for (const auto& u : s.units) {
    for (const auto& f : u.failures) {
      if (!heading) out << "\n### Failures\n\n";
      heading = true;
      out << "- `" << cell(u.unit) << "` **" << f.kind << "**: " << cell(f.message) << "\n";
    }
  }
  return out.str();
}

void print_plan_table(std::ostream& out, const std::vector<UnitSummary>& units, bool tty) {
  std::size_t width = 4;
  for (const auto& u : units) width = std::max(width, u.unit.size() + (u.user ? 7 : 0));
  width += 2;
  out << pad("UNIT", width) << pad("BEFORE", 17) << pad("AFTER", 17) << pad("KEPT", 6)
      << pad("REJECTED", 10) << "RESULT\n";
  for (const auto& u : units) {
    const char* colour = "";
    switch (u.status) {
      case UnitOutcome::kPassed:
        colour = "\033[32m";
        break;
      case UnitOutcome::kFailed:
      case UnitOutcome::kError:
        colour = "\033[31m";
        break;
      case UnitOutcome::kUnsupported:
        colour = "\033[33m";
        break;
    }
    const std::string result = result_text(u);
    out << pad(u.unit + (u.user ? " (user)" : ""), width) << pad(exposure_text(u.before_tenths), 17)
        << pad(exposure_text(u.after_tenths), 17) << pad(std::to_string(u.kept.size()), 6)
        << pad(std::to_string(u.rejected.size()), 10) << (tty ? colour : "") << result
        << (tty ? "\033[0m" : "") << "\n";
  }
}

}  // namespace hb
