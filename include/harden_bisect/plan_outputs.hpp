// The outputs of a plan run (summary.json, summary.md, the terminal table), baselines for
// regressions, and merging of shard outputs. Pure: strings in, strings out; the CLI writes files.
#pragma once

#include <map>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "harden_bisect/result.hpp"
#include "harden_bisect/unit_summary.hpp"

namespace hb {

// summary.json's format version; docs/plan-summary.schema.json describes it.
inline constexpr int kSummaryFormatVersion = 1;

struct PlanSummary {
  std::string tool_version;
  std::string plan;                 // plan file as given
  std::vector<std::string> shards;  // "1/2", ...: the shards this summary covers; empty = all
  std::string systemd_version;      // "252 (252.39-1~deb12u1)"; empty when unknown
  std::optional<double> threshold;  // --threshold
  std::string baseline;             // --baseline path; empty = none
  std::vector<UnitSummary> units;   // plan order
};

// Whether any unit makes the run red (failed or error). Unsupported units do not.
bool any_failed(const std::vector<UnitSummary>& units);

// summary.json, pretty-printed, newline-terminated.
std::string render_summary_json(const PlanSummary& summary);

// Parses a summary.json written by render_summary_json (`origin` names it in errors).
Result<PlanSummary> parse_summary_json(const std::string& text, const std::string& origin);

// summary.md: a table and the failures, for merge-request comments.
std::string render_summary_markdown(const PlanSummary& summary);

// The terminal overview, like `systemd-analyze security` without a unit, with before/after
// exposure columns. `tty` adds colour to the result column only.
void print_plan_table(std::ostream& out, const std::vector<UnitSummary>& units, bool tty);

// Combines shard summaries: units of all shards in plan order. A unit present in two shards or
// shards of different plans are errors.
Result<PlanSummary> merge_summaries(const std::vector<PlanSummary>& shards);

// What an earlier run kept, per unit ("nginx.service" -> options).
struct Baseline {
  std::string origin;
  std::map<std::string, std::vector<OptionLine>> kept;
};

// Reads a baseline: a JSON report of one unit, a summary.json, or a plan output directory
// (its summary.json).
Result<Baseline> load_baseline(const std::string& path);

// Adds a "regression" failure for every option (id and rung) `baseline` kept for this unit that
// the unit's run now rejects, with the rejection's evidence.
void add_regressions(UnitSummary& unit, const Baseline& baseline);

}  // namespace hb
