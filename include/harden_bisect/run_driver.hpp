// One hardening run, start to finish: load plan -> snapshot unit -> baseline -> search ->
// confirm -> score. The CLI and (later) the daemon both call this.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "harden_bisect/catalogue.hpp"
#include "harden_bisect/result.hpp"
#include "harden_bisect/run_report.hpp"
#include "harden_bisect/search.hpp"
#include "harden_bisect/systemd_client.hpp"
#include "harden_bisect/trial_oracle.hpp"

namespace hb {

struct RunConfig {
  std::string unit;
  std::vector<std::vector<std::string>> probes;  // argv of each probe; all must pass
  std::optional<unsigned> probe_uid;             // run probes as this user
  std::optional<unsigned> probe_gid;
  std::vector<std::string> only;  // option ids (or id prefixes) to try; empty = all
  std::vector<std::string> skip;  // option ids (or id prefixes) never to try
  SearchOptions search;
  TrialTiming timing;
  bool stop_original = false;  // stop an active original during the run; restarted afterwards
  bool check_maximal = false;  // after the search, add each rejected rung alone to the final set
  bool trace = true;  // trace the baseline copy (tracefs) for search priors and the usage table
  std::string state_directory;  // lock and trial journal live here
  bool resume = false;          // continue an interrupted run from its journal
};

// Side-effect ports of a run; owned by the caller.
struct RunPorts {
  SystemdClient& systemd;
  ProbeRunner& probes;
  JournalReader* journal = nullptr;
  std::function<void(const TrialRecord&)> on_trial;  // a trial ended; may be empty
  // A trial is about to start, with its number and candidates (for a live line); may be empty.
  std::function<void(std::size_t, const std::vector<std::string>&)> on_trial_start;
};

// Runs the whole search against `catalogue`. The original unit is never modified; if it was
// stopped it is started again on every exit path of this function.
Result<RunReport> run_hardening(const RunConfig& config, const Catalogue& catalogue,
                                RunPorts ports);

// Name prefix of the transient copies of `unit` ("harden-bisect-nginx-").
std::string copy_prefix(const std::string& unit);

}  // namespace hb
