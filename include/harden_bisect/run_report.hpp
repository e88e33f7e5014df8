// Everything a run found, as plain data. Report writers render it; they do no I/O decisions.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "harden_bisect/catalogue.hpp"
#include "harden_bisect/exposure.hpp"
#include "harden_bisect/usage_table.hpp"
#include "harden_bisect/verdict.hpp"

namespace hb {

// One option of the final set.
struct KeptOption {
  std::string id;     // catalogue id
  std::string group;  // catalogue group, for drop-in sections
  std::string rung;   // label of the rung kept ("strict")
  std::vector<Assignment> assignments;
  std::string why;  // catalogue's one-line reason
  // A repair rung: the assignments among `assignments` that add access back, deliberately and
  // narrowly, so that the option's strongest level holds (StateDirectory=foo); empty otherwise.
  std::vector<Assignment> repairs;
};

// One rung the service did not survive.
struct RejectedOption {
  std::string id;
  std::string group;
  std::string rung;
  std::vector<Assignment> assignments;
  Verdict verdict;  // evidence of the trial that shows it breaks the service
  std::string why;  // how it was established: "fails alone", "conflicts with X", ...
  // --check-maximal: the verdict of the final set with this rung added; it must not pass.
  std::optional<Verdict> maximality;
  std::vector<Assignment> repairs;  // a repair rung: what it added back (see KeptOption)
};

// An option left out before the search, and why ("already set", "unknown to this systemd").
struct SkippedOption {
  std::string id;
  std::string reason;
};

// One trial, for the JSON report and progress output.
struct TrialRecord {
  std::size_t number = 0;
  std::vector<std::string> candidates;  // "ProtectSystem=strict", ...
  Verdict verdict;
};

struct RunReport {
  std::string unit;
  std::string tool_version;
  // The unit's own settings the drop-in is appended to (what its copies started from); the
  // drop-in writer needs them to write the shortest lines that mean what the trials ran.
  PropertyList unit_settings;
  std::vector<KeptOption> kept;
  std::vector<RejectedOption> rejected;
  std::vector<SkippedOption> skipped;
  std::vector<TrialRecord> trials;
  Exposure before;
  Exposure after;
  // Under a user manager (empty otherwise). The options it accepts but does not enforce here
  // (catalogue: not-enforced, or needs-private-users without PrivateUsers=yes) with the reason:
  // never kept, never written as settings; the drop-in lists them as comments.
  bool user_manager = false;
  std::vector<SkippedOption> unenforced;
  // The exposure counting only what the manager enforces (`before`/`after` are what
  // systemd-analyze security --user shows, which scores unenforced settings as applied).
  std::optional<Exposure> before_enforced;
  std::optional<Exposure> after_enforced;
  bool confirmed = false;
  std::chrono::milliseconds duration{0};
  UsageTable usage;  // what the traced baseline used (or, in `note`, why it was not traced)
};

}  // namespace hb
