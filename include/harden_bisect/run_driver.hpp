// One hardening run, start to finish: load plan -> snapshot unit -> baseline -> search ->
// confirm -> score. The CLI and (later) the daemon both call this.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "harden_bisect/catalogue.hpp"
#include "harden_bisect/clock.hpp"
#include "harden_bisect/interrupt.hpp"
#include "harden_bisect/manager_target.hpp"
#include "harden_bisect/probe_runner.hpp"
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
  bool trace = true;    // trace the baseline copy (tracefs) for search priors and the usage table
  bool repairs = true;  // try the catalogue's repair rungs (strong option + narrow grant)
  std::string state_directory;  // lock and trial journal live here
  bool resume = false;          // continue an interrupted run from its journal
  // The manager the copies run under. Under a user manager the catalogue's user_manager column
  // decides what is tried, and steps it cannot carry out are verdicts of their own.
  ManagerTarget manager;
};

// The stages of a run, in order; a run that ends early skips the rest (kCleanup always comes).
enum class RunPhase {
  kPreparing,   // lock, recovery of an interrupted run, snapshot of the unit, planning
  kFidelity,    // a plain copy must reproduce every setting of the original
  kBaseline,    // the copy with nothing added must pass its probes
  kSearch,      // group testing down the ladders, then confirmation of the final set
  kMaximality,  // --check-maximal: the final set plus each rejected rung alone
  kScoring,     // one more copy with the final set, for the exposure after
  kCleanup,     // copies stopped, original restarted, journal removed
};

// Short lower-case name of a phase ("search").
const char* to_string(RunPhase phase);

// What a trial tests, announced before it runs (a hang takes until the probe deadline).
struct TrialStart {
  std::size_t number = 0;  // as in the report's trial list
  // Rungs under test ("ProtectSystem=strict"): the trial's set minus what it carries on top.
  std::vector<std::string> testing;
  // Rungs of the set that already passed together in an earlier trial (the kept so far).
  std::size_t on_top_of_kept = 0;
  std::size_t estimated_trials_left = 0;  // rough, including this one; never 0 while running
};

// Progress of a run. Every method has an empty default; calls come from the run's thread.
class RunObserver {
 public:
  virtual ~RunObserver() = default;
  // The run entered `phase`.
  virtual void phase_changed(RunPhase /*phase*/) {}
  // A trial is about to run.
  virtual void trial_started(const TrialStart& /*trial*/) {}
  // A trial ended (or was answered from the journal of an interrupted run).
  virtual void trial_finished(const TrialRecord& /*record*/) {}
};

// Side-effect ports of a run; owned by the caller and used only during run_hardening.
struct RunPorts {
  SystemdClient& systemd;
  ProbeRunner& probes;
  JournalReader* journal = nullptr;
  // Polled between and during trials; once tripped the run cleans up and returns an Error of
  // kind kInterrupted. Null = never cancelled.
  const CancellationToken* cancel = nullptr;
  RunObserver* observer = nullptr;  // null = nobody watches
  Clock* clock = nullptr;           // every wait of the trials; null = the steady clock
};

// Runs the whole search against `catalogue`. The original unit is never modified; on every exit
// path (error, exception from a port, cancellation) the copies of this run are stopped and an
// original the run stopped is started again. Keeps no state between calls: a process may run
// it any number of times, one run per unit at a time (the state directory's lock).
// The run's probes as the probe runner takes them (each argv, as the probe user).
std::vector<ProbeSpec> probe_specs(const RunConfig& config);

Result<RunReport> run_hardening(const RunConfig& config, const Catalogue& catalogue,
                                RunPorts ports);

// Name prefix of the transient copies of `unit` ("harden-bisect-nginx-").
std::string copy_prefix(const std::string& unit);

// The exposure of a copy: its Service properties (as read back from systemd) plus the unit-level
// fields of the original (DefaultDependencies, Id), scored as systemd-analyze security (--user
// for a user manager) does; with `enforced_of`, counting only what a user manager enforces
// (settings it accepts without enforcing score as unset).
Exposure score_copy(const PropertyList& service_props, const UnitSnapshot& unit,
                    bool user_manager = false, const Catalogue* enforced_of = nullptr);

}  // namespace hb
