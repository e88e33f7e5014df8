// `harden-bisect verify` (issue 13 item 1): for a distribution maintainer, (a) whether the unit as
// shipped passes its probe, (b) which further options pass, with the exposure each gains, and
// (c) which of its own settings pass at a higher rung of the catalogue's ladder.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "harden_bisect/catalogue.hpp"
#include "harden_bisect/exposure.hpp"
#include "harden_bisect/run_driver.hpp"
#include "harden_bisect/run_report.hpp"

namespace hb {

// Format version of the verify JSON (`format_version`); bump on incompatible changes.
inline constexpr int kVerifyFormatVersion = 1;

// Exit status of a verify whose unit passes as shipped but could take more hardening (next to
// the ExitCode table: 11 is plan's "a unit failed").
inline constexpr int kExitImprovable = 12;

// One option that passes on top of the unit as shipped.
struct VerifyFinding {
  std::string id;     // catalogue id
  std::string group;  // catalogue group
  std::string rung;   // the strongest rung that passed ("ProtectSystem=strict")
  std::vector<Assignment> assignments;
  // (c) only: the strongest rung of the same ladder the unit already satisfies
  // ("ProtectSystem=full"); empty for (b).
  std::string shipped_rung;
  // Exposure of the unit with only this rung added, as systemd reports the copy's properties
  // (unset until measured), and what it gains over the unit as shipped: `gain` in analyze's
  // units (weighted badness removed, as lint ranks candidates; one option alone rarely moves
  // the printed score), `gain_exposure` the same on the 0..10 scale before rounding, and
  // `gain_tenths` the difference of the printed scores (often 0).
  Exposure alone;
  int64_t gain = 0;
  double gain_exposure = 0;
  int gain_tenths = 0;
  std::string why;
};

struct VerifyReport {
  std::string unit;
  bool passes_as_shipped = false;         // (a)
  std::string shipped_evidence;           // why it fails as shipped; empty when it passes
  Exposure shipped;                       // exposure as shipped
  Exposure hardened;                      // with every finding together (the run's final set)
  std::vector<VerifyFinding> further;     // (b) options the unit does not have at all
  std::vector<VerifyFinding> strengthen;  // (c) its own settings, one rung (or more) higher
  RunReport run;                          // the whole search, for the JSON and JUnit reports
  std::string systemd_version;            // the manager's Version; "" when unreadable
  std::string exposure_note;              // on a systemd other than 252: scores follow 252's table
};

// Splits a finished run's kept options into (b) and (c): an option is (c) when the unit as
// shipped (`run.unit_settings`) already satisfies a weaker rung of its ladder than the kept one.
// Gains are left at zero; exposure fields are taken from the run.
VerifyReport classify_findings(const RunReport& run, const Catalogue& catalogue);

// The whole verify: run_hardening on the unit, classify, then measure each finding's exposure
// alone by starting one copy per finding (no probe; started, read, stopped). A unit that fails
// its probe as shipped is a report with passes_as_shipped false, not an error. Other errors are
// the run's.
Result<VerifyReport> verify_unit(const RunConfig& config, const Catalogue& catalogue,
                                 RunPorts ports);

// The exit status of a verify for CI: 0 passes as shipped and nothing further passes, 12
// (kExitImprovable) passes but (b) or (c) is not empty, 5 fails its probe as shipped.
int verify_exit_code(const VerifyReport& report);

// The report for a terminal or a merge request: (a), (b) with gains, (c) with from -> to, and
// the exposure as shipped and with everything that passed. At most 100 columns per line.
std::string render_verify_text(const VerifyReport& report);

// The same as JSON (format_version, unit, passes_as_shipped, evidence, exposure {shipped,
// hardened}, further[], strengthen[]; see docs/report-json.md), on one line unless `pretty`.
std::string render_verify_json(const VerifyReport& report, bool pretty);

}  // namespace hb
