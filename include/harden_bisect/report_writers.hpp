// Report writers: pure rendering of a finished run. They decide nothing and touch no bus or
// file; the caller chooses where the text goes. Every free-text field coming from a probe, the
// journal or systemd is sanitised here (control characters, invalid UTF-8), so a hostile or
// noisy service cannot break a drop-in, a JSON document or an XML file.
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "harden_bisect/run_report.hpp"

namespace hb {

// What the drop-in header says that the RunReport does not carry. No clock is read while
// rendering, so the same report always renders to the same bytes.
struct DropinHeader {
  std::vector<std::string> probes;  // probe command lines as the user gave them, one per probe
  std::string systemd_version;      // of the manager the trials ran on; "" = say "systemd 252"
  std::string date;                 // "" = no date (the default); printed as given
};

// The header of a run's drop-in: `probes`, `systemd_version`, and a date only when the
// environment asks for one with SOURCE_DATE_EPOCH (reproducible builds), as its UTC day.
DropinHeader dropin_header(std::vector<std::string> probes, std::string systemd_version = {});

// The drop-in file: header comments, [Service] with one line per setting, grouped and commented
// in plain words (lines that would change nothing are left out and named), then the rejected
// settings with their evidence and the skipped options, as comments. Means exactly what the
// trials ran on the unit (RunReport::unit_settings). Ends with a newline.
std::string render_dropin_file(const RunReport& report, const DropinHeader& header);

// What the JSON report says that the RunReport does not carry (issue 12: reports are
// self-contained for build farms). Empty fields render as null.
struct ReportContext {
  std::string systemd_version;      // "252 (252.39-1~deb12u1)"
  std::vector<std::string> probes;  // probe command lines as given
  std::string dropin;               // the drop-in text written for this run
  std::string scored_by;            // "built-in systemd 252 model", "systemd-analyze 255"
  std::string scoring_note;         // why scores follow 252's table on another systemd
};

// JSON report format version (the `format_version` field); bump on incompatible changes.
inline constexpr int kReportFormatVersion = 1;

// The machine-readable report, pretty-printed (or on one line: `pretty` false, as
// --json=short); fields are documented in docs/report-json.md, the JSON Schema is
// docs/plan-report.schema.json.
std::string render_json(const RunReport& report, const ReportContext& context = {},
                        bool pretty = true);

// JUnit XML for build farms: one testcase for the unit (see ci_writers.hpp); kept, rejected and
// skipped options are listed in its <system-out>, never as failures.
std::string render_junit(const RunReport& report);

// One progress line per trial, newline-terminated. `tty` adds ANSI colour to the verdict only.
void print_trial_line(std::ostream& out, const TrialRecord& trial, bool tty);

// The end-of-run summary: exposure before/after, kept and rejected tables (at most 100 columns),
// skipped count. `tty` adds ANSI colour to verdicts only.
void print_summary(std::ostream& out, const RunReport& report, bool tty);

}  // namespace hb
