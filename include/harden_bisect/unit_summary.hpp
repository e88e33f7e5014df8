// What build farms need to know about one unit of a plan, as flat data: the outcome of its run
// (or why there is none), the failures that make its CI testcase red, and what stays exposed.
// summary.json stores exactly this, so `plan merge` renders shards like one run did.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "harden_bisect/result.hpp"
#include "harden_bisect/run_report.hpp"

namespace hb {

enum class UnitOutcome {
  kPassed,       // hardened; no failure below
  kFailed,       // at least one UnitFailure (fails as shipped, above ceiling, regression, ...)
  kError,        // the run could not be carried out (unit missing, bad probe, bus error)
  kUnsupported,  // not attempted: this build cannot do it (user units)
};

// "passed", "failed", "error", "unsupported".
const char* to_string(UnitOutcome status);

// One reason a unit's testcase fails. Rejected options are never failures.
struct UnitFailure {
  std::string kind;     // "fails-as-shipped", "above-ceiling", "above-threshold", "regression",
                        // "not-maximal"
  std::string message;  // one line
  std::string detail;   // evidence, may span lines
};

// One option (id + rung) of a run.
struct OptionLine {
  std::string id;
  std::string rung;
  std::string setting;   // "ProtectSystem=strict"
  std::string note;      // kept: catalogue reason; rejected: verdict + reason; skipped: reason
  std::string evidence;  // rejected: unit result, probe output tail, journal (may span lines)
};

// A systemd-analyze row still exposed after hardening (badness > 0).
struct ExposedRow {
  std::string id;  // "ProtectSystem=", "CapabilityBoundingSet=~CAP_SYS_ADMIN"
  std::string json_field;
  uint64_t weight = 0;
  uint64_t range = 1;
  uint64_t badness = 0;
};

struct UnitSummary {
  std::size_t index = 0;  // plan position; every output lists units in this order
  std::string unit;
  bool user = false;
  UnitOutcome status = UnitOutcome::kPassed;
  std::vector<std::string> probes;  // command lines
  std::optional<double> ceiling;
  std::optional<int> before_tenths, after_tenths;  // exposure; unset when there was no run
  bool confirmed = false;
  std::size_t trial_count = 0;
  std::chrono::milliseconds duration{0};
  std::vector<OptionLine> kept, rejected, skipped;
  std::vector<ExposedRow> exposed;
  std::vector<UnitFailure> failures;
  std::string error;  // kError / kUnsupported: why, one line
  ExitCode error_code = ExitCode::kOk;
  std::string dropin_file, report_file;  // relative to the output directory; empty if none
};

// The summary of a finished run of `report` (status kPassed, no failures yet).
UnitSummary summarize_run(const RunReport& report);

// Adds the failures a finished run can show by itself: exposure above `ceiling`/`threshold`
// (both on the 0.0..10.0 scale), a rejected rung that passes on top of the final set
// (--check-maximal). Sets status kFailed when any failure is present.
void add_exposure_failures(UnitSummary& unit, std::optional<double> threshold);

// A unit whose run ended in `error`: kFailed with "fails-as-shipped" when the unhardened copy
// failed its probe, kError otherwise.
UnitSummary summarize_error(const Error& error);

// Sorts by plan position (merges of shards list units exactly like an unsharded run).
void sort_by_plan_order(std::vector<UnitSummary>& units);

}  // namespace hb
