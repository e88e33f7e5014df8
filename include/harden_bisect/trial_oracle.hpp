// The real Oracle: one trial = start a transient copy with the candidates, let it settle,
// probe it, stop it, and turn what happened into a Verdict with evidence.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "harden_bisect/catalogue.hpp"
#include "harden_bisect/clock.hpp"
#include "harden_bisect/interrupt.hpp"
#include "harden_bisect/oracle.hpp"
#include "harden_bisect/probe_runner.hpp"
#include "harden_bisect/systemd_client.hpp"
#include "harden_bisect/unit_snapshot.hpp"

namespace hb {

// A trial that could not be carried out (bus gone, copy would not stop). Aborts the run;
// the driver's cleanup still runs.
struct TrialError : std::runtime_error {
  explicit TrialError(Error e) : std::runtime_error(e.message), error(std::move(e)) {}
  Error error;
};

struct TrialTiming {
  std::chrono::milliseconds start_timeout{30'000};  // start job of the copy
  std::chrono::milliseconds settle{5'000};  // window in which probes are retried until they pass
  std::chrono::milliseconds probe_timeout{5'000};  // one probe run; hitting it = hang
  std::chrono::milliseconds stop_timeout{15'000};  // then SIGKILL
  std::chrono::milliseconds retry_pause{200};      // between probe attempts
  // Ending the settle window early: a probe that fails the same way twice in a row, while the
  // copy has been up (same main process) for at least max(stable_floor, stable_factor x the
  // longest any passing trial needed from up to healthy), is believed at once. Not before a
  // trial has passed, and never twice for the same set: its re-run waits the whole window.
  bool settle_early = true;
  std::chrono::milliseconds stable_floor{1'000};
  int stable_factor = 3;
};

// The rungs the search items stand for: item i, rung r -> assignments.
using ItemRungs = std::vector<std::vector<std::vector<Assignment>>>;

class TrialOracle final : public Oracle {
 public:
  // `probes` are run in order (all must pass) with HB_* variables added to their environment.
  // Every wait (settle, retry pause) goes through `clock`. Once `cancel` is tripped, the trial
  // stops probing and throws TrialError(kInterrupted), and no new trial starts.
  TrialOracle(SystemdClient& systemd, ProbeRunner& probes, JournalReader* journal,
              const UnitSnapshot& unit, ItemRungs rungs, std::vector<ProbeSpec> probe_specs,
              TrialTiming timing, std::string copy_prefix, Clock& clock = SteadyClock::instance(),
              const CancellationToken* cancel = nullptr);

  // One trial; its probes see HB_TRIAL = the trial's number (see number_next_trial).
  Verdict evaluate(const CandidateSet& set) override;

  // The number the next evaluate() passes as HB_TRIAL. By default trials are numbered
  // 1, 2, ... in evaluate() order, like the report; a resumed run whose first trials were
  // replayed from its journal (and never reached this oracle) sets where numbering goes on.
  void number_next_trial(std::size_t number) { next_trial_ = number; }

  // Starts a copy with `assignments`, reads `specs` from it, and stops it (for the final score).
  PropertyList inspect(const std::vector<Assignment>& assignments,
                       const std::vector<PropertySpec>& specs);

  // Starts a copy with nothing added, dumps its Service properties, and stops it.
  std::map<std::string, std::string> dump_baseline_copy();

  // Sets what item `option`, rung `rung` stands for: a repair rung gets its assignments once
  // the failures it repairs are known, before it is first tried.
  void set_rung(std::size_t option, std::size_t rung, std::vector<Assignment> assignments) {
    rungs_.at(option).at(rung) = std::move(assignments);
  }

  // The assignments a candidate set stands for, in item order.
  std::vector<Assignment> assignments_for(const CandidateSet& set) const;

  // Name of the next copy (prefix + counter + ".service").
  std::string next_copy_name();

 private:
  // Whether the run's token was tripped; check_cancelled() throws TrialError(kInterrupted) then.
  bool cancelled() const { return cancel_ && cancel_->cancelled(); }
  void check_cancelled() const;
  // The StartTransientUnit properties of a copy with `assignments` added.
  Result<PropertyList> prepare(const std::vector<Assignment>& assignments,
                               const std::string& name) const;
  PropertyList copy_properties(const std::vector<Assignment>& assignments, const std::string& name);
  // `ended_early` is set when failure_certain cut the settle window short.
  Verdict probe_until_settled(const std::string& copy, std::size_t trial, bool may_end_early,
                              bool& ended_early);
  // How long a copy must have been up before a repeated probe failure is believed early.
  std::chrono::milliseconds stable_after() const;
  void finish(const std::string& copy, Verdict& verdict);

  SystemdClient& systemd_;
  ProbeRunner& probes_;
  JournalReader* journal_;
  const UnitSnapshot& unit_;
  ItemRungs rungs_;
  std::vector<ProbeSpec> probe_specs_;
  TrialTiming timing_;
  std::string copy_prefix_;
  Clock& clock_;
  const CancellationToken* cancel_;  // null = never cancelled
  std::size_t copies_ = 0;
  std::size_t next_trial_ = 1;
  // Longest time from "copy up" to "probe passed" of any passing trial; none before one passed.
  std::optional<std::chrono::milliseconds> slowest_ready_;
  std::set<CandidateSet> ended_early_;  // sets whose failure was believed before the window end
};

}  // namespace hb
