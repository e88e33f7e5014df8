// FakeSystemdClient: a scripted service manager for unit tests of trials, runs and --apply.
// Units have states over time (driven by a FakeClock), transient copies follow a script chosen
// per copy (rejection, job result, timeline, journal, property dumps), any call can fail with a
// scripted bus error or a retryable "daemon-reexec" for N calls, and every call is recorded so
// tests can assert what was started, stopped and left running.
#pragma once

#include <algorithm>
#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "fake_clock.hpp"
#include "harden_bisect/systemd_client.hpp"

namespace hb::testing {

// The states a unit goes through, each from `at` after its start until the next one.
struct Phase {
  std::chrono::milliseconds at{0};
  UnitStatus status;
};

inline UnitStatus fake_running(uint32_t main_pid = 4242) {
  return {"active", "running", "success", 0, 0, main_pid, ""};
}
inline UnitStatus fake_inactive(std::string result = "success") {
  return {"inactive", "dead", std::move(result), 0, 0, 0, ""};
}
inline UnitStatus fake_activating() { return {"activating", "start", "success", 0, 0, 4242, ""}; }
// A service whose main process exited with `status` (CLD_EXITED) or was killed (CLD_KILLED=2).
inline UnitStatus fake_failed(std::string result = "exit-code", int32_t status = 1,
                              int32_t code = 1) {
  return {"failed", "failed", std::move(result), code, status, 0, ""};
}
// A oneshot that ran to success and is gone (no RemainAfterExit) ...
inline UnitStatus fake_exited_ok() { return {"inactive", "dead", "success", 1, 0, 0, ""}; }
// ... or stays "active (exited)" (RemainAfterExit=yes).
inline UnitStatus fake_remained() { return {"active", "exited", "success", 1, 0, 0, ""}; }

// An error of the bus or the manager (kind: systemd), retryable or not.
inline Error fake_bus_error(std::string message, bool retryable = false) {
  return Error{std::move(message), ErrorKind::kSystemd, retryable};
}

// What happens when a unit is started (a transient copy, or start/restart of a real unit).
struct UnitScript {
  std::optional<std::string> rejection;  // StartTransientUnit refused (copies only)
  std::string job_result = "done";
  std::chrono::milliseconds start_takes{0};  // the start job advances the clock by this
  std::vector<Phase> timeline{{{}, fake_running()}};
  std::vector<std::string> journal;  // the invocation's journal lines
  // The copy is created but the reply is lost: start_transient returns a retryable error.
  bool reply_lost = false;

  static UnitScript running() { return {}; }
  static UnitScript rejected(std::string why) {
    UnitScript s;
    s.rejection = std::move(why);
    return s;
  }
  // Runs, then dies at `at` with systemd's Result= and exit status.
  static UnitScript dies_at(std::chrono::milliseconds at, std::string result = "exit-code",
                            int32_t status = 1, int32_t code = 1) {
    UnitScript s;
    s.timeline.push_back({at, fake_failed(std::move(result), status, code)});
    return s;
  }
  UnitScript& with_journal(std::vector<std::string> lines) {
    journal = std::move(lines);
    return *this;
  }
};

// Reads journal lines by invocation id; FakeSystemdClient fills it from its scripts.
class FakeJournalReader final : public JournalReader {
 public:
  std::vector<std::string> lines(const std::string& invocation_id, std::size_t max_lines) override {
    queries_.push_back(invocation_id);
    auto it = lines_.find(invocation_id);
    if (it == lines_.end()) return {};
    const auto& all = it->second;
    auto first =
        all.size() > max_lines ? all.end() - static_cast<std::ptrdiff_t>(max_lines) : all.begin();
    return {first, all.end()};
  }
  void add(const std::string& invocation_id, std::vector<std::string> lines) {
    auto& kept = lines_[invocation_id];
    kept.insert(kept.end(), lines.begin(), lines.end());
  }
  const std::vector<std::string>& queries() const { return queries_; }

 private:
  std::map<std::string, std::vector<std::string>> lines_;
  std::vector<std::string> queries_;
};

enum class SystemdMethod {
  kLoadUnit,
  kReadProperties,
  kDumpProperties,
  kServicePropertyNames,
  kStartTransient,
  kStatus,
  kStop,
  kStart,
  kReload,
  kListUnits,
  kManagerVersion,
};

struct SystemdCall {
  SystemdMethod method;
  std::string unit;  // "" for reload and service_property_names; the prefix for list_units
};

class FakeSystemdClient final : public SystemdClient {
 public:
  explicit FakeSystemdClient(FakeClock& clock) : clock_(clock) {}

  // --- scripting -------------------------------------------------------------------------

  // A real unit: its facts and Service-interface dump; active when info.active_state says so.
  FakeSystemdClient& add_unit(UnitInfo info, std::map<std::string, std::string> dump = {}) {
    auto& u = units_[info.id];
    const bool active = info.active_state == "active";
    u.timeline = {{{}, active ? fake_running() : fake_inactive()}};
    u.since = clock_.now();
    u.info = std::move(info);
    u.dump = std::move(dump);
    return *this;
  }

  // What read_properties returns for a real unit (any interface; filtered by the specs).
  FakeSystemdClient& unit_properties(const std::string& unit, PropertyList properties) {
    units_[unit].started_with = std::move(properties);
    return *this;
  }

  // How each transient copy behaves, chosen from its name and StartTransientUnit properties.
  // Default: it starts and keeps running.
  FakeSystemdClient& script_copies(
      std::function<UnitScript(const std::string& name, const PropertyList&)> script) {
    copy_script_ = std::move(script);
    return *this;
  }

  // What the next start()/restart of `unit` does (consumed in order; then: it runs).
  FakeSystemdClient& script_start(const std::string& unit, UnitScript script) {
    start_scripts_[unit].push_back(std::move(script));
    return *this;
  }

  // After `after` more calls of `method` succeed, the next `times` ones fail with `error`.
  // Scripts queue up per method in the order given.
  FakeSystemdClient& fail(SystemdMethod method, Error error, int times = 1, int after = 0) {
    for (int i = 0; i < after; ++i) failures_[method].push_back(std::nullopt);
    for (int i = 0; i < times; ++i) failures_[method].push_back(error);
    return *this;
  }

  // The manager re-executes: the next `calls` calls of any method fail with a retryable error.
  FakeSystemdClient& reexec_for(int calls) {
    reexec_calls_ = calls;
    return *this;
  }

  // The manager's Version property (default: the systemd the exposure model follows).
  FakeSystemdClient& version(std::string version) {
    version_ = std::move(version);
    return *this;
  }

  // Properties the manager's Service interface exposes.
  FakeSystemdClient& known_properties(std::set<std::string> names) {
    known_ = std::move(names);
    return *this;
  }

  // The Service-interface dump of every copy; default: the original's (a faithful copy).
  FakeSystemdClient& copy_dump(std::map<std::string, std::string> dump) {
    copy_dump_ = std::move(dump);
    return *this;
  }

  // A leftover copy of an earlier run, listed by list_units until stopped.
  FakeSystemdClient& add_leftover(const std::string& name) {
    auto& u = units_[name];
    u.info.id = name;
    u.transient = true;
    u.since = clock_.now();
    u.timeline = {{{}, fake_running()}};
    return *this;
  }

  // --- what happened ----------------------------------------------------------------------

  const std::vector<SystemdCall>& calls() const { return calls_; }
  std::size_t count(SystemdMethod method) const {
    return static_cast<std::size_t>(std::count_if(
        calls_.begin(), calls_.end(), [&](const SystemdCall& c) { return c.method == method; }));
  }
  std::size_t count(SystemdMethod method, const std::string& unit) const {
    return static_cast<std::size_t>(
        std::count_if(calls_.begin(), calls_.end(),
                      [&](const SystemdCall& c) { return c.method == method && c.unit == unit; }));
  }
  // Transient units created, in order.
  const std::vector<std::string>& started_copies() const { return started_copies_; }
  // Units stop() was called for, in order.
  const std::vector<std::string>& stopped() const { return stopped_; }
  // Transient units that exist (running or failed) and were never stopped.
  std::vector<std::string> running_copies() const {
    std::vector<std::string> out;
    for (const auto& [name, u] : units_) {
      if (u.transient && !u.stopped) out.push_back(name);
    }
    return out;
  }
  // Whether a real unit is running (started and not stopped since).
  bool is_active(const std::string& unit) const {
    auto it = units_.find(unit);
    return it != units_.end() && current(it->second).active_state == "active";
  }
  // The StartTransientUnit properties a copy got.
  const PropertyList& properties_of(const std::string& copy) const {
    return units_.at(copy).started_with;
  }

  FakeJournalReader journal;  // filled with each started unit's scripted journal lines

  // --- SystemdClient ----------------------------------------------------------------------

  Result<UnitInfo> load_unit(const std::string& name) override {
    if (auto e = called(SystemdMethod::kLoadUnit, name)) return *e;
    auto it = units_.find(name);
    if (it == units_.end()) {
      UnitInfo missing;
      missing.id = name;
      missing.load_state = "not-found";
      missing.load_error = "Unit " + name + " not found.";
      missing.active_state = "inactive";
      return missing;
    }
    auto info = it->second.info;
    auto now = current(it->second);
    info.active_state = now.active_state;
    info.sub_state = now.sub_state;
    return info;
  }

  Result<PropertyList> read_properties(const std::string& unit, const std::string&,
                                       const std::vector<PropertySpec>& specs) override {
    if (auto e = called(SystemdMethod::kReadProperties, unit)) return *e;
    auto it = units_.find(unit);
    if (it == units_.end()) return fake_bus_error("no unit " + unit);
    PropertyList out;  // what the copy was started with, restricted to what was asked
    for (const auto& p : it->second.started_with) {
      if (std::any_of(specs.begin(), specs.end(),
                      [&](const PropertySpec& s) { return s.name == p.name; })) {
        out.push_back(p);
      }
    }
    return out;
  }

  Result<std::map<std::string, std::string>> dump_properties(const std::string& unit,
                                                             const std::string&) override {
    if (auto e = called(SystemdMethod::kDumpProperties, unit)) return *e;
    auto it = units_.find(unit);
    if (it == units_.end()) return fake_bus_error("no unit " + unit);
    if (!it->second.transient) return it->second.dump;
    if (copy_dump_) return *copy_dump_;
    for (const auto& [name, u] : units_) {
      if (!u.transient) return u.dump;  // a faithful copy of the (first) original
    }
    return std::map<std::string, std::string>{};
  }

  Result<std::set<std::string>> service_property_names() override {
    if (auto e = called(SystemdMethod::kServicePropertyNames, "")) return *e;
    return known_;
  }

  Result<StartOutcome> start_transient(const std::string& name, const PropertyList& properties,
                                       std::chrono::milliseconds timeout) override {
    if (auto e = called(SystemdMethod::kStartTransient, name)) return *e;
    auto script = copy_script_ ? copy_script_(name, properties) : UnitScript{};
    if (script.rejection) {
      return StartOutcome{true, "org.freedesktop.DBus.Error.InvalidArgs: " + *script.rejection, ""};
    }
    if (units_.count(name) && !units_[name].stopped) {
      return fake_bus_error("Unit " + name + " already exists");
    }
    auto& u = units_[name];
    u = FakeUnit{};
    u.info = UnitInfo{name, "loaded", "", "", "", "", {}, {}};
    u.transient = true;
    u.started_with = properties;
    started_copies_.push_back(name);
    auto job = begin(u, script, timeout);
    if (script.reply_lost) return fake_bus_error("Connection timed out", true);
    return StartOutcome{false, "", job};
  }

  Result<UnitStatus> status(const std::string& name) override {
    if (auto e = called(SystemdMethod::kStatus, name)) return *e;
    auto it = units_.find(name);
    if (it == units_.end()) return fake_inactive("");
    return current(it->second);
  }

  Status stop(const std::string& name, std::chrono::milliseconds) override {
    if (auto e = called(SystemdMethod::kStop, name)) return *e;
    stopped_.push_back(name);
    auto it = units_.find(name);
    if (it == units_.end()) return {};
    auto& u = it->second;
    u.stopped = true;
    u.since = clock_.now();
    u.timeline = {{{}, fake_inactive(u.transient ? "" : "success")}};
    return {};
  }

  Result<std::string> start(const std::string& name, bool,
                            std::chrono::milliseconds timeout) override {
    if (auto e = called(SystemdMethod::kStart, name)) return *e;
    auto& u = units_[name];
    if (u.info.id.empty()) u.info.id = name;
    UnitScript script;
    if (auto& queue = start_scripts_[name]; !queue.empty()) {
      script = queue.front();
      queue.pop_front();
    }
    u.stopped = false;
    return begin(u, script, timeout);
  }

  Status reload() override {
    if (auto e = called(SystemdMethod::kReload, "")) return *e;
    return {};
  }

  Result<std::string> manager_version() override {
    if (auto e = called(SystemdMethod::kManagerVersion, "")) return *e;
    return version_;
  }

  Result<std::vector<std::string>> list_units(const std::string& prefix) override {
    if (auto e = called(SystemdMethod::kListUnits, prefix)) return *e;
    std::vector<std::string> out;
    for (const auto& [name, u] : units_) {
      if (u.transient && !u.stopped && name.rfind(prefix, 0) == 0) out.push_back(name);
    }
    return out;
  }

 private:
  struct FakeUnit {
    UnitInfo info;
    std::map<std::string, std::string> dump;
    PropertyList started_with;
    std::vector<Phase> timeline{{{}, fake_inactive("")}};
    Clock::TimePoint since{};
    std::string invocation;
    bool transient = false;
    bool stopped = false;
  };

  // Records the call; returns the scripted error it must fail with, if any.
  std::optional<Error> called(SystemdMethod method, const std::string& unit) {
    calls_.push_back({method, unit});
    if (reexec_calls_ > 0) {
      --reexec_calls_;
      return fake_bus_error("org.freedesktop.DBus.Error.NoReply: systemd is re-executing", true);
    }
    if (auto& queue = failures_[method]; !queue.empty()) {
      auto e = queue.front();  // nullopt: a call scripted to succeed
      queue.pop_front();
      return e;
    }
    return std::nullopt;
  }

  // Starts `u` along `script`; returns the job result.
  std::string begin(FakeUnit& u, const UnitScript& script, std::chrono::milliseconds timeout) {
    const auto takes = std::min(script.start_takes, timeout);
    clock_.advance(takes);
    u.since = clock_.now() - takes;
    u.timeline = script.timeline;
    u.invocation = "invocation-" + std::to_string(++invocations_);
    journal.add(u.invocation, script.journal);
    return script.start_takes > timeout ? "timeout" : script.job_result;
  }

  UnitStatus current(const FakeUnit& u) const {
    UnitStatus now = u.timeline.front().status;
    for (const auto& phase : u.timeline) {
      if (clock_.now() - u.since >= phase.at) now = phase.status;
    }
    now.invocation_id = u.invocation;
    return now;
  }

  FakeClock& clock_;
  std::map<std::string, FakeUnit> units_;
  std::function<UnitScript(const std::string&, const PropertyList&)> copy_script_;
  std::map<std::string, std::deque<UnitScript>> start_scripts_;
  std::map<SystemdMethod, std::deque<std::optional<Error>>> failures_;
  int reexec_calls_ = 0;
  std::set<std::string> known_;
  std::string version_ = "252.39-1~deb12u1";
  std::optional<std::map<std::string, std::string>> copy_dump_;
  std::vector<SystemdCall> calls_;
  std::vector<std::string> started_copies_;
  std::vector<std::string> stopped_;
  int invocations_ = 0;
};

}  // namespace hb::testing
