#include "harden_bisect/trial_oracle.hpp"

#include <spdlog/spdlog.h>

#include "exit_status.hpp"
#include "harden_bisect/assignment.hpp"
#include "harden_bisect/interrupt.hpp"
#include "harden_bisect/probe_until_healthy.hpp"

namespace hb {
namespace {

constexpr std::size_t kJournalLines = 20;
constexpr std::chrono::milliseconds kStatePoll{20};  // while the copy is still activating

std::string last_line(const std::string& text) {
  auto end = text.find_last_not_of("\n ");
  if (end == std::string::npos) return "";
  auto begin = text.rfind('\n', end);
  return text.substr(begin == std::string::npos ? 0 : begin + 1,
                     end - (begin == std::string::npos ? 0 : begin + 1) + 1);
}

// The last journal line the service itself wrote (the manager's lines name the unit).
std::string last_own_line(const std::vector<std::string>& journal, const std::string& copy) {
  for (auto it = journal.rbegin(); it != journal.rend(); ++it) {
    if (it->empty() || it->rfind(copy, 0) == 0) continue;
    if (it->find("harden-bisect trial copy of") != std::string::npos) continue;  // Started/Stopped
    return *it;
  }
  return "";
}

Error interrupted_error() { return Error{"interrupted", ErrorKind::kInterrupted}; }

// A oneshot service is "up" once it ran (inactive with success); others must be active.
bool settled(const UnitStatus& s, bool oneshot) {
  if (s.active_state == "active" || s.active_state == "reloading") return true;
  return oneshot && s.active_state == "inactive" && s.result == "success";
}

bool died(const UnitStatus& s, bool oneshot) {
  if (s.active_state == "failed") return true;
  return !oneshot && s.active_state == "inactive";
}

// Two failing probe runs that failed the same way (the output may differ: timings, counters).
bool same_failure(const ProbeResult& a, const ProbeResult& b) {
  return a.status == b.status && a.exit_code == b.exit_code && a.signal == b.signal;
}

}  // namespace

TrialOracle::TrialOracle(SystemdClient& systemd, ProbeRunner& probes, JournalReader* journal,
                         const UnitSnapshot& unit, ItemRungs rungs,
                         std::vector<ProbeSpec> probe_specs, TrialTiming timing,
                         std::string copy_prefix, Clock& clock, const CancellationToken* cancel)
    : systemd_(systemd),
      probes_(probes),
      journal_(journal),
      unit_(unit),
      rungs_(std::move(rungs)),
      probe_specs_(std::move(probe_specs)),
      timing_(timing),
      copy_prefix_(std::move(copy_prefix)),
      clock_(clock),
      cancel_(cancel) {}

void TrialOracle::check_cancelled() const {
  if (cancelled()) throw TrialError(interrupted_error());
}

std::string TrialOracle::next_copy_name() {
  return copy_prefix_ + std::to_string(++copies_) + ".service";
}

std::vector<Assignment> TrialOracle::assignments_for(const CandidateSet& set) const {
  std::vector<Assignment> out;
  for (const auto& c : set) {
    const auto& rung = rungs_.at(c.option).at(c.rung);
    out.insert(out.end(), rung.begin(), rung.end());
  }
  return out;
}

Result<PropertyList> TrialOracle::prepare(const std::vector<Assignment>& assignments,
                                          const std::string& name) const {
  auto applied = apply_assignments(unit_.copy, assignments);
  if (!applied) return applied.error();
  auto props = std::move(*applied);
  props.push_back({"Description", "harden-bisect trial copy of " + unit_.info.id});
  if (spdlog::should_log(spdlog::level::trace)) {
    for (const auto& p : props) spdlog::trace("{}: {}={}", name, p.name, to_string(p.value));
  }
  return props;
}

PropertyList TrialOracle::copy_properties(const std::vector<Assignment>& assignments,
                                          const std::string& name) {
  auto props = prepare(assignments, name);
  if (!props) throw TrialError(with_context(props.error(), "while preparing " + name));
  return std::move(*props);
}

Verdict TrialOracle::evaluate(const CandidateSet& set) {
  check_cancelled();
  const auto start = clock_.now();
  const auto trial = next_trial_++;
  const auto name = next_copy_name();
  Verdict verdict;
  auto props = prepare(assignments_for(set), name);
  if (!props) {  // an assignment this unit cannot take: leaves the search like a rejection
    verdict.kind = VerdictKind::kUnsupported;
    verdict.evidence.summary = props.error().message;
    verdict.duration = elapsed_since(clock_, start);
    return verdict;
  }
  auto started = systemd_.start_transient(name, *props, timing_.start_timeout);
  if (!started) throw TrialError(started.error());
  if (started->rejected) {  // nothing was created
    verdict.kind = VerdictKind::kUnsupported;
    verdict.evidence.summary = "systemd rejected the settings: " + started->rejection;
    verdict.duration = elapsed_since(clock_, start);
    return verdict;
  }
  if (started->job_result != "done") {
    verdict.kind = VerdictKind::kStartFailed;
    verdict.evidence.summary = started->job_result == "timeout"
                                   ? "start job did not finish within " +
                                         std::to_string(timing_.start_timeout.count()) + " ms"
                                   : "start job " + started->job_result;
  } else {
    try {
      const bool may_end_early =
          timing_.settle_early && slowest_ready_ && !ended_early_.contains(set);
      bool ended_early = false;
      verdict = probe_until_settled(name, trial, may_end_early, ended_early);
      if (ended_early) ended_early_.insert(set);
    } catch (const TrialError&) {
      // The run ends (bus failure, Ctrl-C, unusable probe); do not leave this copy running
      // until the driver's reaper gets to it. Best effort: the bus may be what failed.
      (void)systemd_.stop(name, timing_.stop_timeout);
      throw;
    }
  }
  finish(name, verdict);
  verdict.duration = elapsed_since(clock_, start);
  return verdict;
}

std::chrono::milliseconds TrialOracle::stable_after() const {
  return std::max(timing_.stable_floor,
                  timing_.stable_factor * slowest_ready_.value_or(std::chrono::milliseconds(0)));
}

Verdict TrialOracle::probe_until_settled(const std::string& copy, std::size_t trial,
                                         bool may_end_early, bool& ended_early) {
  const bool oneshot = unit_.type == "oneshot";
  const auto deadline = clock_.now() + timing_.settle;
  Verdict verdict;
  UnitStatus status;
  for (;;) {  // wait for the copy to come up (or die)
    auto s = systemd_.status(copy);
    if (!s) throw TrialError(s.error());
    status = *s;
    if (died(status, oneshot)) {
      verdict.kind = VerdictKind::kStartFailed;
      verdict.evidence.summary = "copy stopped right after start";
      return verdict;
    }
    if (settled(status, oneshot)) break;
    if (clock_.now() >= deadline) {
      verdict.kind = VerdictKind::kStartFailed;
      verdict.evidence.summary = "copy still " + status.active_state + " after the settle window";
      return verdict;
    }
    check_cancelled();
    clock_.sleep_for(kStatePoll);
  }

  ProbeHooks hooks;
  hooks.env = [&](int attempt) {
    return ProbeEnv{{"HB_UNIT", unit_.info.id},
                    {"HB_COPY", copy},
                    {"HB_MAINPID", std::to_string(status.main_pid)},
                    {"HB_TRIAL", std::to_string(trial)},
                    {"HB_ATTEMPT", std::to_string(attempt)}};
  };
  hooks.target_died = [&]() -> Result<bool> {
    auto s = systemd_.status(copy);
    if (!s) return s.error();
    return died(*s, oneshot);
  };
  hooks.cancelled = [this] { return cancelled(); };
  const auto up_since = clock_.now();
  std::optional<ProbeResult> previous;
  if (may_end_early) {
    // Certain: the same failure twice, and the copy up, on the same process, for longer than
    // any healthy copy needed to answer. A slow start would still be in that allowance.
    hooks.failure_certain = [&, stable_after = stable_after()](const ProbeResult& failing) {
      const bool repeated = previous && same_failure(*previous, failing);
      previous = failing;
      if (!repeated || clock_.now() - up_since < stable_after) return false;
      auto now = systemd_.status(copy);
      return now && settled(*now, oneshot) && now->main_pid == status.main_pid;
    };
  }
  const ProbeWindow window{deadline, timing_.probe_timeout, timing_.retry_pause};
  auto probed = probe_until_healthy(probes_, clock_, probe_specs_, window, hooks);
  const auto& last = probed.last;
  ended_early = probed.ended_early;
  switch (probed.outcome) {
    case ProbeOutcome::kHealthy:
      slowest_ready_ = std::max(slowest_ready_.value_or(std::chrono::milliseconds(0)),
                                elapsed_since(clock_, up_since));
      verdict.kind = VerdictKind::kPass;
      verdict.evidence.probe_exit_status = 0;
      verdict.evidence.summary = "probe passed";
      return verdict;
    case ProbeOutcome::kTargetDied:
      verdict.kind = VerdictKind::kStartFailed;
      verdict.evidence.summary = "copy died while probing";
      verdict.evidence.probe_output_tail = last.output;
      return verdict;
    case ProbeOutcome::kSpawnFailed:
      throw TrialError(Error{last.spawn_error, ErrorKind::kBadInput});
    case ProbeOutcome::kCancelled:
      throw TrialError(interrupted_error());
    case ProbeOutcome::kError:
      throw TrialError(*probed.error);
    case ProbeOutcome::kUnhealthy:
      break;
  }
  verdict.evidence.probe_output_tail = last.output;
  if (last.status == ProbeStatus::kTimedOut) {
    verdict.kind = VerdictKind::kHang;
    verdict.evidence.summary =
        "probe hung (no answer within " + std::to_string(timing_.probe_timeout.count()) + " ms)";
  } else {
    verdict.kind = VerdictKind::kFail;
    verdict.evidence.probe_exit_status = last.status == ProbeStatus::kExited ? last.exit_code : -1;
    verdict.evidence.summary = (last.status == ProbeStatus::kExited
                                    ? "probe exited " + std::to_string(last.exit_code)
                                    : "probe killed by signal " + std::to_string(last.signal));
    if (auto line = last_line(last.output); !line.empty()) verdict.evidence.summary += ": " + line;
  }
  return verdict;
}

// Records systemd's view of the copy, stops it, and attaches its journal.
void TrialOracle::finish(const std::string& copy, Verdict& verdict) {
  auto status = systemd_.status(copy);
  if (!status) {
    (void)systemd_.stop(copy, timing_.stop_timeout);  // best effort, as in evaluate()
    throw TrialError(status.error());
  }
  auto& ev = verdict.evidence;
  ev.unit_result = status->result;
  ev.exec_main_code = status->exec_main_code;
  ev.exec_main_status = status->exec_main_status;
  if (verdict.kind == VerdictKind::kStartFailed) {
    auto exit = describe_exit(status->exec_main_code, status->exec_main_status);
    ev.summary += ": Result=" + status->result + (exit.empty() ? "" : ", " + exit);
  }
  if (auto stopped = systemd_.stop(copy, timing_.stop_timeout); !stopped) {
    throw TrialError(stopped.error());
  }
  if (journal_ && verdict.kind != VerdictKind::kPass) {
    ev.journal = journal_->lines(status->invocation_id, kJournalLines);
    // A copy that died usually said why just before: quote it next to systemd's verdict.
    if (verdict.kind == VerdictKind::kStartFailed) {
      if (auto said = last_own_line(ev.journal, copy); !said.empty()) ev.summary += ": " + said;
    }
  }
}

PropertyList TrialOracle::inspect(const std::vector<Assignment>& assignments,
                                  const std::vector<PropertySpec>& specs) {
  const auto name = next_copy_name();
  auto started =
      systemd_.start_transient(name, copy_properties(assignments, name), timing_.start_timeout);
  if (!started) throw TrialError(started.error());
  if (started->rejected) {
    throw TrialError(
        Error{"systemd rejected the final set: " + started->rejection, ErrorKind::kSystemd});
  }
  auto props = systemd_.read_properties(name, "org.freedesktop.systemd1.Service", specs);
  auto stopped = systemd_.stop(name, timing_.stop_timeout);
  if (!props) throw TrialError(props.error());
  if (!stopped) throw TrialError(stopped.error());
  return std::move(*props);
}

}  // namespace hb

namespace hb {

std::map<std::string, std::string> TrialOracle::dump_baseline_copy() {
  const auto name = next_copy_name();
  auto started = systemd_.start_transient(name, copy_properties({}, name), timing_.start_timeout);
  if (!started) throw TrialError(started.error());
  if (started->rejected) {
    throw TrialError(
        Error{"systemd refused a plain copy of " + unit_.info.id + ": " + started->rejection,
              ErrorKind::kUnitUnusable});
  }
  auto dump = systemd_.dump_properties(name, "org.freedesktop.systemd1.Service");
  auto stopped = systemd_.stop(name, timing_.stop_timeout);
  if (!dump) throw TrialError(dump.error());
  if (!stopped) throw TrialError(stopped.error());
  return std::move(*dump);
}

}  // namespace hb
