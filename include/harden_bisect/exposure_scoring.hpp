// Which systemd scores the exposure (issue 13 item 4). The built-in model is systemd 252's
// `systemd-analyze security`; on a manager of another version the target's own systemd-analyze
// scores instead, when one of that version is at hand, else the report says in one line that
// scores follow 252's table.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "harden_bisect/probe_runner.hpp"
#include "harden_bisect/result.hpp"
#include "harden_bisect/run_report.hpp"
#include "harden_bisect/systemd_client.hpp"

namespace hb {

// The systemd version whose `systemd-analyze security` table the built-in model reproduces.
inline constexpr int kExposureModelVersion = 252;

enum class ScoringSource {
  kBuiltinModel,    // the manager is 252: the built-in model is its table
  kTargetAnalyze,   // another version, and a systemd-analyze of that version scores
  kBuiltin252Only,  // another (or unknown) version, no such systemd-analyze: 252's table
};

struct ExposureScoring {
  std::string manager_version;  // the manager's Version ("255.4-1"); "" when unreadable
  std::optional<int> manager_major;
  ScoringSource source = ScoringSource::kBuiltinModel;
  std::string analyze;  // kTargetAnalyze: the systemd-analyze executable to run
  std::string root;     // kTargetAnalyze: its --root= ("" = none, the host's unit dirs)

  // The one line the terminal shows for kBuiltin252Only ("" otherwise).
  std::string note() const;
  // For reports: "systemd-analyze 255" or "built-in systemd 252 model".
  std::string scored_by() const;
};

// The major version of a systemd version string: "252.39-1~deb12u1" -> 252, "255" -> 255;
// also the first line of `systemd-analyze --version` ("systemd 255 (255.4-1)").
std::optional<int> systemd_major(std::string_view version);

// The systemd-analyze executables that may be the target's, best first: ROOT/usr/bin's when
// `root` is given (the target's own), then the first on $PATH.
std::vector<std::string> systemd_analyze_candidates(const std::string& root);

// Reads the manager's Version through `systemd` and decides. A manager other than 252 is
// scored by the first of `analyze` (absolute paths, each run with --version through `runner`)
// whose major version is the manager's; `root` is the target's file system root for the
// offline scoring. Never fails: what cannot be read means 252's table, with the note.
ExposureScoring decide_exposure_scoring(SystemdClient& systemd, ProbeRunner& runner,
                                        const std::vector<std::string>& analyze,
                                        const std::string& root);

// The exposure (tenths) in `systemd-analyze security` output: its "Overall exposure level for
// UNIT: 2.0 OK" line.
std::optional<int> parse_analyze_exposure(const std::string& output);

// Rescores `report.before` and `report.after` (their tenths) with the target's systemd-analyze
// (`scoring.source` must be kTargetAnalyze): offline, on a copy of the unit's fragment file
// with its drop-ins, without and then with `dropin` (the run's drop-in). The per-row detail
// stays the built-in model's.
Status rescore_with_analyze(const ExposureScoring& scoring, const UnitInfo& unit,
                            const std::string& dropin, ProbeRunner& runner, RunReport& report);

}  // namespace hb
