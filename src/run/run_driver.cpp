#include "harden_bisect/run_driver.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <map>

#include "../tracing/baseline_tracing.hpp"
#include "harden_bisect/assignment.hpp"
#include "harden_bisect/exposure.hpp"
#include "harden_bisect/run_journal.hpp"
#include "harden_bisect/unit_snapshot.hpp"
#include "repairs.hpp"

namespace hb {
namespace {

using RunClock = std::chrono::steady_clock;  // wall time of the run, for the report

// The search works on options with only the rungs that strengthen this unit.
struct PlannedOption {
  const CatalogueOption* option;
  std::vector<std::size_t> rungs;  // indices into option->rungs, strongest first
};

// Under a user manager, PrivateUsers=yes enables what the catalogue marks needs-private-users.
constexpr const char* kEnablerId = "PrivateUsers";
const std::vector<Assignment> kEnabler = {{"PrivateUsers", "yes"}};

bool needs_enabler(const PlannedOption& p) {
  return p.option->user_manager == UserManagerSupport::kNeedsPrivateUsers;
}

bool matches(const std::string& id, const std::vector<std::string>& patterns) {
  return std::any_of(patterns.begin(), patterns.end(),
                     [&](const std::string& p) { return id.rfind(p, 0) == 0; });
}

// Restarts an original that the run stopped, whatever way the run ends, and keeps the journal
// in step so that a crash in between is repaired by the next run.
class OriginalGuard {
 public:
  OriginalGuard(SystemdClient& systemd, std::string unit, const StateStore& store,
                RunJournal& journal)
      : systemd_(systemd), unit_(std::move(unit)), store_(store), journal_(journal) {}
  OriginalGuard(const OriginalGuard&) = delete;
  OriginalGuard& operator=(const OriginalGuard&) = delete;
  ~OriginalGuard() { restore(); }
  // Starts the original again if the run stopped it; idempotent.
  void restore() {
    if (!stopped_) return;
    stopped_ = false;
    auto started = systemd_.start(unit_, false, std::chrono::seconds(90));
    if (!started || *started != "done") {
      spdlog::error("could not restart {}: {}", unit_,
                    started ? "job " + *started : started.error().message);
      return;  // the journal still says "stopped": the next run retries
    }
    spdlog::info("restarted {}", unit_);
    journal_.original_stopped = false;
    (void)store_.save(journal_);
  }
  Status stop() {
    spdlog::info("stopping {} for the run (--stop-original)", unit_);
    journal_.original_stopped = true;  // recorded first: a crash right after must restart it
    if (auto s = store_.save(journal_); !s) return s;
    auto s = systemd_.stop(unit_, std::chrono::seconds(90));
    stopped_ = true;
    return s;
  }

 private:
  SystemdClient& systemd_;
  std::string unit_;
  const StateStore& store_;
  RunJournal& journal_;
  bool stopped_ = false;
};

// Stops every copy of this run (and of crashed earlier runs) by name prefix, whatever way the
// run ends: an interrupted trial leaves its copy running.
class CopyReaper {
 public:
  CopyReaper(SystemdClient& systemd, std::string prefix, std::chrono::milliseconds timeout)
      : systemd_(systemd), prefix_(std::move(prefix)), timeout_(timeout) {}
  CopyReaper(const CopyReaper&) = delete;
  CopyReaper& operator=(const CopyReaper&) = delete;
  ~CopyReaper() { (void)reap(); }
  void reap_now() {
    if (auto s = reap(); !s) spdlog::warn("{}", s.error().message);
  }
  Status reap() {
    auto names = systemd_.list_units(prefix_);
    if (!names) return names.error();
    for (const auto& name : *names) {
      spdlog::debug("stopping leftover copy {}", name);
      if (auto s = systemd_.stop(name, timeout_); !s) return s;
    }
    return {};
  }

 private:
  SystemdClient& systemd_;
  std::string prefix_;
  std::chrono::milliseconds timeout_;
};

// Why a user manager cannot use `option` at all, from the catalogue's user_manager column; ""
// when it may be tried.
std::string user_manager_infeasibility(const CatalogueOption& option) {
  if (option.user_manager == UserManagerSupport::kFails) {
    return "infeasible under this manager: a user manager cannot carry it out (the copy would "
           "fail at a step such as 218/CAPABILITIES or 216/GROUP)";
  }
  return "";
}

// Drops options the user excluded, the manager cannot carry out, the running systemd does not
// know, or the unit already has.
std::vector<PlannedOption> plan_options(const RunConfig& config, const Catalogue& catalogue,
                                        const UnitSnapshot& unit,
                                        const std::set<std::string>& known, RunReport& report) {
  std::vector<PlannedOption> planned;
  std::vector<std::string> infeasible;
  for (const auto& option : catalogue.options) {
    if (!config.only.empty() && !matches(option.id, config.only)) continue;
    if (matches(option.id, config.skip)) {
      report.skipped.push_back({option.id, "excluded with --skip"});
      continue;
    }
    if (config.manager.user()) {
      if (auto why = user_manager_infeasibility(option); !why.empty()) {
        report.skipped.push_back({option.id, why});
        infeasible.push_back(option.id);
        continue;
      }
      if (option.user_manager == UserManagerSupport::kNotEnforced) {
        report.unenforced.push_back(
            {option.id, "a user manager accepts it but does not enforce it (systemd 252)"});
        continue;
      }
    }
    PlannedOption p{&option, {}};
    std::string reason;
    for (std::size_t r = 0; r < option.rungs.size(); ++r) {
      const auto& rung = option.rungs[r].assignments;
      auto names = dbus_properties(rung);
      auto unknown = std::find_if(names.begin(), names.end(),
                                  [&](const std::string& n) { return !known.count(n); });
      if (unknown != names.end()) {
        reason = *unknown + "= is unknown to this systemd";
        continue;
      }
      switch (assess(unit.copy, rung)) {
        case Applicability::kStrengthens:
          p.rungs.push_back(r);
          break;
        case Applicability::kAlreadySatisfied:
          if (reason.empty()) reason = "the unit already has it (or stronger)";
          break;
        case Applicability::kWouldWeaken:
          if (reason.empty()) reason = "would weaken the unit's own setting";
          break;
      }
    }
    if (p.rungs.empty()) {
      report.skipped.push_back({option.id, reason});
    } else {
      planned.push_back(std::move(p));
    }
  }
  if (!infeasible.empty()) {
    std::string ids;
    for (const auto& id : infeasible) ids += (ids.empty() ? "" : ", ") + id;
    spdlog::info("not trying {} option(s) {} cannot carry out (catalogue): {}", infeasible.size(),
                 describe(config.manager), ids);
  }
  return planned;
}

PropertyList enforced_only(PropertyList props, const Catalogue& catalogue);

// Under a user manager: puts the PrivateUsers=yes enabler first in `planned` when options need
// it, and says whether the run tries it. Without it (excluded, unknown) the options it would
// enable are listed as unenforced; a unit that has PrivateUsers=yes already enforces them.
bool plan_enabler(std::vector<PlannedOption>& planned, const UnitSnapshot& unit,
                  RunReport& report) {
  if (std::none_of(planned.begin(), planned.end(), needs_enabler)) return false;
  auto it = std::find_if(planned.begin(), planned.end(),
                         [](const PlannedOption& p) { return p.option->id == kEnablerId; });
  if (it != planned.end()) {
    std::rotate(planned.begin(), it, it + 1);
    return true;
  }
  if (assess(unit.copy, kEnabler) == Applicability::kAlreadySatisfied) return false;
  for (const auto& p : planned) {
    if (needs_enabler(p)) {
      report.unenforced.push_back(
          {p.option->id,
           "a user manager enforces it only with PrivateUsers=yes, which this run does not try"});
    }
  }
  std::erase_if(planned, needs_enabler);
  return false;
}

// The settings a user manager enforces: properties of catalogue options it accepts without
// enforcing (not-enforced; needs-private-users while PrivateUsers= is off) are left out, so they
// score as unset. systemd-analyze security --user counts them as applied.
PropertyList enforced_only(PropertyList props, const Catalogue& catalogue) {
  const bool private_users = std::any_of(props.begin(), props.end(), [](const Property& p) {
    return p.name == "PrivateUsers" && std::holds_alternative<bool>(p.value) &&
           std::get<bool>(p.value);
  });
  std::set<std::string> unenforced;
  for (const auto& option : catalogue.options) {
    const auto support = option.user_manager;
    if (support != UserManagerSupport::kNotEnforced &&
        !(support == UserManagerSupport::kNeedsPrivateUsers && !private_users))
      continue;
    for (const auto& rung : option.rungs) {
      for (auto& name : dbus_properties(rung.assignments)) unenforced.insert(name);
    }
  }
  std::erase_if(props, [&](const Property& p) { return unenforced.contains(p.name); });
  return props;
}

// Identifies what fixes the sequence of trials, so a resumed run replays only a matching one.
std::string fingerprint(const RunConfig& config, const UnitSnapshot& unit,
                        const std::vector<PlannedOption>& planned) {
  std::string text = unit.info.id + "|" + std::to_string(config.search.confirmations) + "|" +
                     std::to_string(config.search.retries) + "|" +
                     std::to_string(config.search.retry_all) + "|" +
                     std::to_string(config.check_maximal) + "|" + std::to_string(config.repairs) +
                     "|" + describe(config.manager);
  for (const auto& probe : config.probes) {
    for (const auto& word : probe) text += "|" + word;
  }
  for (const auto& p : unit.copy) text += "|" + p.name + "=" + to_string(p.value);
  for (const auto& p : planned) {
    text += "|" + p.option->id;
    for (auto r : p.rungs) {
      const auto& rung = p.option->rungs[r];
      text += ":" + join_assignments(rung.assignments) + "+" + to_string(rung.repair);
    }
    text += "/" + std::to_string(p.option->risk);
  }
  return std::to_string(std::hash<std::string>{}(text));
}

// Repairs what an interrupted run left: its stopped original. (Its copies are reaped by name.)
void recover_interrupted(SystemdClient& systemd, const StateStore& store, RunJournal& previous) {
  spdlog::warn("found an interrupted run of {} ({} trials recorded)", previous.unit,
               previous.trials.size());
  if (!previous.original_stopped) return;
  auto started = systemd.start(previous.unit, false, std::chrono::seconds(90));
  if (started && *started == "done") {
    spdlog::warn("restarted {}, which the interrupted run had stopped", previous.unit);
    previous.original_stopped = false;
    (void)store.save(previous);
  } else {
    spdlog::error("could not restart {}: {}", previous.unit,
                  started ? "job " + *started : started.error().message);
  }
}

}  // namespace

std::string copy_prefix(const std::string& unit) {
  auto base = unit.substr(0, unit.rfind(".service"));
  return "harden-bisect-" + base + "-";
}

namespace {

// Exposure weight of each analyzer row, by json_field: the weight of an option is what it can
// win, and a conflict drops the option that wins least.
double option_weight(const CatalogueOption& option) {
  static const Exposure bare = assess_exposure(SecurityState{});
  double weight = 0;
  for (const auto& field : option.scores) {
    for (const auto& row : bare.rows) {
      if (row.json_field == field) weight += static_cast<double>(row.weight);
    }
  }
  return weight;
}

struct SearchInputs {
  std::vector<SearchItem> items;
  ItemRungs rungs;
  std::vector<ProbeSpec> probes;
};

SearchInputs search_inputs(const RunConfig& config, const std::vector<PlannedOption>& planned) {
  SearchInputs in;
  for (const auto& p : planned) {
    in.items.push_back({p.option->id, p.rungs.size(), p.option->risk, option_weight(*p.option)});
    in.rungs.emplace_back();
    for (auto r : p.rungs) in.rungs.back().push_back(p.option->rungs[r].assignments);
  }
  in.probes = probe_specs(config);
  return in;
}

// What the repairs of this run are derived from: the paths the failing trials could not write
// (every failing trial so far, not only the rejections' own: a rejection may be recorded with
// the verdict of a group trial that failed for another member too), the capabilities whose drop
// failed, and what the traced baseline entered.
repairs::Evidence repair_evidence(const std::vector<Rejection>& rejected, const ItemRungs& rungs,
                                  const std::vector<TrialRecord>& trials,
                                  const std::optional<ObservedUsage>& observed) {
  repairs::Evidence evidence;
  auto add_paths = [&](const Verdict& verdict) {
    for (auto& path : repairs::unwritable_paths(verdict)) {
      auto& paths = evidence.unwritable_paths;
      if (std::find(paths.begin(), paths.end(), path) == paths.end()) paths.push_back(path);
    }
  };
  std::vector<std::vector<Assignment>> rejected_rungs;
  for (const auto& r : rejected) {
    rejected_rungs.push_back(rungs[r.candidate.option][r.candidate.rung]);
    add_paths(r.verdict);
  }
  for (const auto& t : trials) {
    if (!t.verdict.passed()) add_paths(t.verdict);
  }
  evidence.needed_capabilities = repairs::needed_capabilities(rejected_rungs);
  if (observed) evidence.observed_syscalls = observed->syscalls;
  return evidence;
}

// Nothing dropped silently: a plain copy must carry every setting of the original.
Status check_fidelity(SystemdClient& systemd, TrialOracle& trials, const UnitSnapshot& unit) {
  auto original = systemd.dump_properties(unit.info.id, "org.freedesktop.systemd1.Service");
  if (!original) return original.error();
  auto missing = unreproduced_settings(*original, trials.dump_baseline_copy());
  if (missing.empty()) return {};
  std::string names;
  for (const auto& m : missing) names += (names.empty() ? "" : ", ") + m;
  return Error{unit.info.id +
                   ": a transient copy cannot reproduce these settings (not supported "
                   "yet): " +
                   names,
               ErrorKind::kUnitUnusable};
}

// What a candidate stood for in the trials: its rung, with a repair's grants once derived.
struct TriedRung {
  std::string label;
  std::vector<Assignment> assignments;
  std::vector<Assignment> repairs;
};

// Repair rungs as derived during the run, by candidate.
using Repaired = std::map<Candidate, repairs::RepairedRung>;

TriedRung tried_rung(const std::vector<PlannedOption>& planned, const Repaired& repaired,
                     const Candidate& c) {
  const Rung& rung = planned[c.option].option->rungs[planned[c.option].rungs[c.rung]];
  auto it = repaired.find(c);
  if (it == repaired.end()) return {rung.label, rung.assignments, {}};
  // "ProtectSystem=strict + StateDirectory=foo": the base and what the repair added back.
  return {join_assignments(rung.assignments) + " + " + join_assignments(it->second.grants),
          it->second.assignments, it->second.grants};
}

// Turns the search result into report rows; kept rows carry only the assignments that take
// effect, so the drop-in says exactly what the trials ran.
void record_result(const SearchResult& result, const std::vector<PlannedOption>& planned,
                   const Repaired& repaired, const UnitSnapshot& unit, RunReport& report) {
  for (const auto& c : result.kept) {
    const auto& option = *planned[c.option].option;
    auto rung = tried_rung(planned, repaired, c);
    report.kept.push_back(
        {option.id, option.group, rung.label, rung.assignments, option.why, rung.repairs});
  }
  for (const auto& r : result.rejected) {
    const auto& option = *planned[r.candidate.option].option;
    auto rung = tried_rung(planned, repaired, r.candidate);
    report.rejected.push_back({option.id, option.group, rung.label, rung.assignments, r.verdict,
                               r.why, std::nullopt, rung.repairs});
  }
  report.confirmed = result.confirmed;
  report.unit_settings = unit.copy;
  std::vector<Assignment> all_kept;
  for (const auto& k : report.kept) {
    all_kept.insert(all_kept.end(), k.assignments.begin(), k.assignments.end());
  }
  auto effective = effective_assignments(unit.copy, all_kept);
  for (auto& k : report.kept) {
    std::erase_if(k.assignments, [&](const Assignment& a) {
      auto it = std::find(effective.begin(), effective.end(), a);
      if (it == effective.end()) return true;
      effective.erase(it);
      return false;
    });
  }
}

Error cancelled_error() { return Error{"interrupted", ErrorKind::kInterrupted}; }

// Under a user manager, a copy that failed at a step the manager cannot carry out
// (218/CAPABILITIES ...) gets the verdict kInfeasible: the search rejects the option without a
// retry, and the report does not blame the service. Sits right around the trial oracle, so the
// journal records (and a resumed run replays) the classified verdict.
class UserManagerOracle final : public Oracle {
 public:
  UserManagerOracle(Oracle& inner, bool user_manager) : inner_(inner), user_(user_manager) {}
  Verdict evaluate(const CandidateSet& set) override {
    auto verdict = inner_.evaluate(set);
    return user_ ? classify_under_user_manager(std::move(verdict)) : verdict;
  }

 private:
  Oracle& inner_;
  bool user_;
};

bool is_cancelled(const CancellationToken* token) { return token && token->cancelled(); }

// Sits right around the trial oracle (inside the journal): a trial the run was cancelled in
// is thrown away, never recorded as a verdict, even when the cancellation came after its last
// probe (the trial oracle itself stops probing at once).
class CancellableOracle final : public Oracle {
 public:
  CancellableOracle(Oracle& inner, const CancellationToken* token) : inner_(inner), token_(token) {}
  Verdict evaluate(const CandidateSet& set) override {
    if (is_cancelled(token_)) throw TrialError(cancelled_error());
    auto verdict = inner_.evaluate(set);
    if (is_cancelled(token_)) throw TrialError(cancelled_error());
    return verdict;
  }

 private:
  Oracle& inner_;
  const CancellationToken* token_;
};

// The search sees a subset of the planned options (index i is planned option index_map[i]);
// every set it asks for is translated, and a carried candidate (the PrivateUsers=yes enabler
// that passed) is added to it.
class SubsetOracle final : public Oracle {
 public:
  SubsetOracle(Oracle& inner, std::vector<std::size_t> index_map, std::optional<Candidate> carry)
      : inner_(inner), index_map_(std::move(index_map)), carry_(carry) {}
  Verdict evaluate(const CandidateSet& set) override { return inner_.evaluate(to_planned(set)); }
  CandidateSet to_planned(const CandidateSet& set) const {
    CandidateSet out;
    for (const auto& c : set) out.push_back({index_map_[c.option], c.rung});
    if (carry_) out.push_back(*carry_);
    std::sort(out.begin(), out.end());
    return out;
  }
  // The search's result in planned indices; the carried candidate counts as kept.
  SearchResult to_planned(SearchResult result) const {
    auto map = [&](Candidate& c) { c.option = index_map_[c.option]; };
    for (auto& c : result.kept) map(c);
    for (auto& r : result.rejected) map(r.candidate);
    if (carry_) result.kept.push_back(*carry_);
    std::sort(result.kept.begin(), result.kept.end());
    return result;
  }

 private:
  Oracle& inner_;
  std::vector<std::size_t> index_map_;
  std::optional<Candidate> carry_;
};

// Rough number of trials a run takes, from the catalogue's risks: baseline, about
// log2(n) + 1 trials per expected breaker plus one passing group, the confirmations, and the
// maximality trials.
std::size_t estimated_trials(const std::vector<SearchItem>& items, const RunConfig& config) {
  double breakers = 0;
  for (const auto& item : items) breakers += item.risk;
  const auto per_breaker = static_cast<double>(std::bit_width(items.size())) + 1;
  const auto confirmations = static_cast<std::size_t>(std::max(config.search.confirmations, 0));
  const auto search = static_cast<std::size_t>(std::ceil((breakers + 1) * per_breaker));
  const auto maximal =
      config.check_maximal ? static_cast<std::size_t>(std::ceil(breakers)) : std::size_t{0};
  return 1 + search + confirmations + maximal;
}

// Announces each trial before it runs with what it tests: the rungs not in the last set that
// passed (the search adds groups on top of what it kept so far), and how many it carries on
// top. Also moves the phase from baseline to search after the first trial.
class ProgressOracle final : public Oracle {
 public:
  using Labels = std::function<std::vector<std::string>(const CandidateSet&)>;
  ProgressOracle(Oracle& inner, RunObserver* observer, Labels labels, std::size_t estimate,
                 const RunReport& report)
      : inner_(inner),
        observer_(observer),
        labels_(std::move(labels)),
        estimate_(estimate),
        report_(report) {}
  Verdict evaluate(const CandidateSet& set) override {
    if (observer_) observer_->trial_started(describe(set));
    auto verdict = inner_.evaluate(set);
    if (verdict.passed()) last_passed_ = set;
    if (observer_ && report_.trials.empty() && verdict.passed())
      observer_->phase_changed(RunPhase::kSearch);
    return verdict;
  }

 private:
  TrialStart describe(const CandidateSet& set) const {
    TrialStart start;
    start.number = report_.trials.size() + 1;
    CandidateSet testing;
    for (const auto& c : set) {
      if (std::binary_search(last_passed_.begin(), last_passed_.end(), c)) {
        ++start.on_top_of_kept;
      } else {
        testing.push_back(c);
      }
    }
    start.testing = labels_(testing);
    start.estimated_trials_left = estimate_ >= start.number ? estimate_ - start.number + 1 : 1;
    return start;
  }

  Oracle& inner_;
  RunObserver* observer_;
  Labels labels_;
  std::size_t estimate_;
  const RunReport& report_;
  CandidateSet last_passed_;  // sorted (candidate sets are)
};

// Tells the observer that the run cleans up, on every exit path; declared after the cleanup
// guards so that it is destroyed (and announces) before they act.
class CleanupAnnouncer {
 public:
  explicit CleanupAnnouncer(RunObserver* observer) : observer_(observer) {}
  CleanupAnnouncer(const CleanupAnnouncer&) = delete;
  CleanupAnnouncer& operator=(const CleanupAnnouncer&) = delete;
  ~CleanupAnnouncer() { announce(); }
  void announce() {
    if (observer_ && !announced_) observer_->phase_changed(RunPhase::kCleanup);
    announced_ = true;
  }

 private:
  RunObserver* observer_;
  bool announced_ = false;
};

// Whether the final set keeps a repair of `rejected`: its option's kept rung is `rejected`'s
// assignments plus a grant.
bool repair_kept(const Candidate& rejected, const SearchResult& result,
                 const std::vector<PlannedOption>& planned, const Repaired& repaired,
                 const ItemRungs& rungs) {
  for (const auto& c : result.kept) {
    if (c.option != rejected.option || !repaired.count(c)) continue;
    const auto& p = planned[c.option];
    return p.option->rungs[p.rungs[c.rung]].assignments == rungs[rejected.option][rejected.rung];
  }
  return false;
}

// --check-maximal: the final set plus each rejected rung alone must still fail. A rejected rung
// whose repair was kept is in the final set already, with the grant (which another kept repair
// may hold too, so adding the rung back could pass without meaning anything): its own rejection
// is the evidence, without a trial.
void check_maximality(const SearchResult& result, const std::vector<PlannedOption>& planned,
                      const Repaired& repaired, const ItemRungs& rungs, Oracle& oracle,
                      const TrialObserver& observer, RunReport& report) {
  for (std::size_t i = 0; i < result.rejected.size(); ++i) {
    const auto& candidate = result.rejected[i].candidate;
    if (repair_kept(candidate, result, planned, repaired, rungs)) {
      report.rejected[i].maximality = result.rejected[i].verdict;
      continue;
    }
    CandidateSet set;
    for (const auto& c : result.kept) {
      if (c.option != candidate.option) set.push_back(c);
    }
    set.push_back(candidate);
    std::sort(set.begin(), set.end());
    report.rejected[i].maximality = oracle.evaluate(set);
    observer(report.trials.size() + 1, set, *report.rejected[i].maximality);
  }
}

}  // namespace

std::vector<ProbeSpec> probe_specs(const RunConfig& config) {
  std::vector<ProbeSpec> specs;
  for (const auto& argv : config.probes) {
    ProbeSpec spec;
    spec.argv = argv;
    spec.run_as_uid = config.probe_uid;
    spec.run_as_gid = config.probe_gid;
    specs.push_back(std::move(spec));
  }
  return specs;
}

const char* to_string(RunPhase phase) {
  switch (phase) {
    case RunPhase::kPreparing:
      return "preparing";
    case RunPhase::kFidelity:
      return "fidelity";
    case RunPhase::kBaseline:
      return "baseline";
    case RunPhase::kSearch:
      return "search";
    case RunPhase::kMaximality:
      return "maximality";
    case RunPhase::kScoring:
      return "scoring";
    case RunPhase::kCleanup:
      return "cleanup";
  }
  return "?";
}

namespace {

Result<RunReport> run_once(const RunConfig& config, const Catalogue& catalogue,
                           const RunPorts& ports) {
  const auto started_at = RunClock::now();
  RunReport report;
  report.unit = config.unit;
  auto phase = [&](RunPhase p) {
    if (ports.observer) ports.observer->phase_changed(p);
  };

  // 1. One run per unit at a time; repair what an interrupted earlier run left.
  phase(RunPhase::kPreparing);
  if (auto s = check_unit_name(config.unit); !s) return s.error();
  StateStore store(config.state_directory);
  auto lock = store.lock(config.unit);
  if (!lock) return lock.error();
  auto previous = store.load(config.unit);
  if (!previous) {
    spdlog::warn("{}; starting over", previous.error().message);
    previous = std::optional<RunJournal>{};
  }
  if (*previous) recover_interrupted(ports.systemd, store, **previous);

  // 2. The unit as it is, and the options that would strengthen it.
  auto unit = snapshot_unit(ports.systemd, config.unit);
  if (!unit) return unit.error();
  const bool user_manager = config.manager.user();
  report.user_manager = user_manager;
  report.before = score_copy(unit->security, *unit, user_manager);
  if (user_manager) report.before_enforced = score_copy(unit->security, *unit, true, &catalogue);
  auto known = ports.systemd.service_property_names();
  if (!known) return known.error();
  auto planned = plan_options(config, catalogue, *unit, *known, report);
  const bool enabler_first = user_manager && plan_enabler(planned, *unit, report);

  // 3. The journal of this run; with --resume, the verdicts of the interrupted one.
  RunJournal journal{config.unit, fingerprint(config, *unit, planned), false, {}};
  std::vector<std::pair<CandidateSet, Verdict>> replay;
  if (config.resume) {
    if (!*previous) {
      spdlog::warn("nothing to resume for {}; starting a new run", config.unit);
    } else if ((*previous)->fingerprint != journal.fingerprint) {
      return Error{"cannot resume: the interrupted run of " + config.unit +
                       " used other options, probes, catalogue or unit settings; run without "
                       "--resume to start over",
                   ErrorKind::kUsage};
    } else {
      replay = (*previous)->trials;
    }
  }
  if (auto s = store.save(journal); !s) return s.error();

  // 4. From here on, every exit path stops the copies, then restarts a stopped original
  //    (destruction order: announcer, reaper, original).
  const auto prefix = copy_prefix(unit->info.id);
  OriginalGuard original(ports.systemd, unit->info.id, store, journal);
  CopyReaper reaper(ports.systemd, prefix, config.timing.stop_timeout);
  CleanupAnnouncer cleanup(ports.observer);
  if (auto s = reaper.reap(); !s) return s.error();
  const auto& state = unit->info.active_state;
  if (state == "active" || state == "activating" || state == "reloading") {
    if (!config.stop_original) {
      return Error{unit->info.id +
                       " is running; its copies would compete for its ports, PID "
                       "files and runtime directories. Pass --stop-original (it is started again "
                       "afterwards) or stop it first",
                   ErrorKind::kUnitUnusable};
    }
    if (auto s = original.stop(); !s) return s.error();
  }

  // 5. Baseline fidelity, search, maximality, final score. Decorators, outermost first:
  //    progress -> journal (replay, record) -> cancellation -> the real trials.
  auto in = search_inputs(config, planned);
  Clock& clock = ports.clock ? *ports.clock : SteadyClock::instance();
  TrialOracle trials(ports.systemd, ports.probes, ports.journal, *unit, in.rungs, in.probes,
                     config.timing, prefix, clock, ports.cancel);
  UserManagerOracle classified(trials, user_manager);
  CancellableOracle cancellable(classified, ports.cancel);
  // The baseline trial is traced (where tracefs allows) for priors and the usage table.
  auto traced = BaselineTracing::open(cancellable, config.trace, prefix);
  JournalingOracle journaled(traced, store, journal, std::move(replay));
  Repaired repaired;
  auto labels = [&](const CandidateSet& set) {
    std::vector<std::string> out;
    for (const auto& c : set) out.push_back(join_assignments(in.rungs[c.option][c.rung]));
    return out;
  };
  // A repair rung is derived when the search reaches it, from the failures so far and the
  // baseline trace; with nothing to repair (or --no-repairs) it is passed over.
  RungGate gate = [&](Candidate c, const std::vector<Rejection>& rejected) {
    const Rung& rung = planned[c.option].option->rungs[planned[c.option].rungs[c.rung]];
    if (rung.repair == RepairKind::kNone) return true;
    if (!config.repairs) return false;
    auto derived =
        repairs::repair(rung.repair, rung.assignments,
                        repair_evidence(rejected, in.rungs, report.trials, traced.observed()));
    if (!derived || assess(unit->copy, derived->assignments) != Applicability::kStrengthens) {
      return false;
    }
    spdlog::info("repair for {}: {}", planned[c.option].option->id,
                 join_assignments(derived->assignments));
    in.rungs[c.option][c.rung] = derived->assignments;
    trials.set_rung(c.option, c.rung, derived->assignments);
    repaired[c] = std::move(*derived);
    return true;
  };
  ProgressOracle oracle(journaled, ports.observer, labels, estimated_trials(in.items, config),
                        report);
  // Sets in planned indices (the search's own are translated by SubsetOracle).
  auto record = [&](const CandidateSet& set, const Verdict& v) {
    TrialRecord trial{report.trials.size() + 1, labels(set), v};
    if (ports.observer) ports.observer->trial_finished(trial);
    report.trials.push_back(std::move(trial));
  };
  phase(RunPhase::kFidelity);
  if (auto s = check_fidelity(ports.systemd, trials, *unit); !s) return s.error();
  if (is_cancelled(ports.cancel)) return cancelled_error();
  phase(RunPhase::kBaseline);

  // Under a user manager PrivateUsers=yes is tried first: when it passes, every later trial
  // carries it and the options it enables are searched; when it fails, they are unenforced.
  std::optional<Candidate> carry;
  std::optional<Verdict> enabler_failure;
  if (enabler_first) {
    const CandidateSet enabler{{0, 0}};
    auto verdict = oracle.evaluate(enabler);
    record(enabler, verdict);
    if (verdict.passed()) {
      carry = enabler.front();
      spdlog::info("PrivateUsers=yes passes: the options it enables are searched with it");
    } else {
      spdlog::info("the service fails with PrivateUsers=yes: what it would enable is unenforced");
      for (const auto& p : planned) {
        if (needs_enabler(p)) {
          report.unenforced.push_back(
              {p.option->id,
               "a user manager enforces it only with PrivateUsers=yes, which the "
               "service fails with"});
        }
      }
      enabler_failure = std::move(verdict);
    }
  }
  std::vector<std::size_t> searched;  // planned indices the search decides
  std::vector<SearchItem> items;
  std::vector<std::vector<Assignment>> strongest;
  for (std::size_t i = enabler_first ? 1 : 0; i < planned.size(); ++i) {
    if (enabler_failure && needs_enabler(planned[i])) continue;
    searched.push_back(i);
    items.push_back(in.items[i]);
    strongest.push_back(in.rungs[i].front());
  }
  SubsetOracle subset(oracle, searched, carry);
  TrialObserver observer = [&](std::size_t, const CandidateSet& set, const Verdict& v) {
    record(subset.to_planned(set), v);
  };
  // The gate sees the search's indices; repairs are derived and kept in planned ones.
  RungGate subset_gate = [&](Candidate c, const std::vector<Rejection>& rejected) {
    std::vector<Rejection> planned_rejected = rejected;
    for (auto& r : planned_rejected) r.candidate.option = searched[r.candidate.option];
    return gate({searched[c.option], c.rung}, planned_rejected);
  };
  auto result = run_search(items, subset, config.search, observer,
                           traced.priors(std::move(strongest)), subset_gate);
  if (!result.baseline_passed) {
    return Error{std::string("the service fails its probe even unhardened: ") +
                     to_string(result.baseline.kind) + ": " + result.baseline.evidence.summary,
                 ErrorKind::kBaselineFailed};
  }
  const auto planned_result = subset.to_planned(result);
  record_result(planned_result, planned, repaired, *unit, report);
  report.usage = traced.table(unit->copy, report);
  if (config.check_maximal) {
    phase(RunPhase::kMaximality);
    TrialObserver planned_observer = [&](std::size_t, const CandidateSet& set, const Verdict& v) {
      record(set, v);
    };
    check_maximality(planned_result, planned, repaired, in.rungs, oracle, planned_observer, report);
  }
  if (enabler_failure) {
    const auto& option = *planned.front().option;
    report.rejected.push_back({option.id, option.group, option.rungs.front().label, kEnabler,
                               *enabler_failure, "fails alone (tried first, as the enabler)",
                               std::nullopt});
  }
  phase(RunPhase::kScoring);
  auto final_props =
      trials.inspect(trials.assignments_for(planned_result.kept), security_property_specs());
  if (is_cancelled(ports.cancel)) return cancelled_error();
  report.after = score_copy(final_props, *unit, user_manager);
  if (user_manager) report.after_enforced = score_copy(final_props, *unit, true, &catalogue);
  if (journaled.replayed() > 0) {
    spdlog::info("resumed: {} recorded verdicts reused, no trial repeated", journaled.replayed());
  }

  // 6. Done: clean up now, so the journal can go.
  cleanup.announce();
  reaper.reap_now();
  original.restore();
  // An original that could not be started again keeps its journal: the next run retries.
  if (!journal.original_stopped) {
    if (auto s = store.remove(config.unit); !s) spdlog::warn("{}", s.error().message);
  }
  report.duration =
      std::chrono::duration_cast<std::chrono::milliseconds>(RunClock::now() - started_at);
  return report;
}

}  // namespace

Exposure score_copy(const PropertyList& service_props, const UnitSnapshot& unit, bool user_manager,
                    const Catalogue* enforced_of) {
  SecurityState state{service_props};
  for (const auto& p : unit.security) {  // unit-level fields (DefaultDependencies, Id)
    if (!state.find(p.name)) state.properties.push_back(p);
  }
  if (enforced_of) state.properties = enforced_only(std::move(state.properties), *enforced_of);
  return assess_exposure(state, user_manager);
}

Result<RunReport> run_hardening(const RunConfig& config, const Catalogue& catalogue,
                                RunPorts ports) {
  // A trial that cannot be carried out, or any exception from a port, ends the run as an
  // Error; run_once's guards have cleaned up by the time a handler runs.
  try {
    return run_once(config, catalogue, ports);
  } catch (const TrialError& e) {
    return e.error;
  } catch (const std::exception& e) {
    return Error{std::string("internal error during the run of ") + config.unit + ": " + e.what(),
                 ErrorKind::kInternal};
  }
}

}  // namespace hb
