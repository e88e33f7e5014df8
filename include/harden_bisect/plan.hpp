// A plan: many units hardened in one go (`harden-bisect plan run PLAN.yaml`). Plain data plus
// its YAML loader and the deterministic shard split; docs/plan.md documents the format.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "harden_bisect/result.hpp"

namespace hb {

// The run options a plan entry may set, by their long command-line names. Unset = the default
// of `harden-bisect` itself (or of the plan's `defaults:`).
struct PlanRunOptions {
  std::optional<std::chrono::milliseconds> probe_timeout, settle, start_timeout, stop_timeout;
  std::optional<int> confirm, retries;
  std::optional<bool> stop_original, check_maximal;
  std::optional<std::string> probe_user;
  std::optional<std::string> catalogue;  // path, relative to the plan file's directory
  std::vector<std::string> only, skip;   // option ids or id prefixes
};

// One entry of `units:`.
struct PlanUnit {
  std::size_t index = 0;  // position in the plan (0-based); shards and merges keep this order
  int line = 0;           // 1-based line of the entry in the plan file, for messages
  std::string unit;       // "nginx.service"
  bool user = false;      // a unit of a user manager (not supported yet: reported per unit)
  // Each probe as argv; a probe given as one string is split at spaces (no shell).
  std::vector<std::vector<std::string>> probes;
  std::optional<double> ceiling;  // fail when the final exposure is above this (0.0..10.0)
  PlanRunOptions options;         // `defaults:` already merged in
};

struct Plan {
  int version = 1;
  std::string origin;  // file name, for messages
  std::vector<PlanUnit> units;
};

// The plan format versions this build reads.
inline constexpr int kPlanVersion = 1;

// Parses plan YAML. Every problem is collected with its file:line:column; on failure the Error
// names the first (and how many more) and `problems`, when given, receives all of them in file
// order. Relative `catalogue:` paths are resolved against `base_directory`.
Result<Plan> parse_plan(const std::string& yaml_text, const std::string& origin,
                        const std::string& base_directory,
                        std::vector<std::string>* problems = nullptr);

// Reads and parses the plan file at `path`.
Result<Plan> load_plan(const std::string& path, std::vector<std::string>* problems = nullptr);

// `--shard I/N`: shard I (1-based) of N.
struct Shard {
  std::size_t index = 1;
  std::size_t count = 1;
  std::string text() const { return std::to_string(index) + "/" + std::to_string(count); }
};

// Parses "I/N" with 1 <= I <= N.
Result<Shard> parse_shard(const std::string& text);

// The plan positions shard `shard` runs: entry k belongs to shard (k mod N) + 1, so shards are
// balanced, disjoint, cover the plan, and depend only on plan order.
std::vector<std::size_t> shard_positions(std::size_t plan_size, const Shard& shard);

}  // namespace hb
