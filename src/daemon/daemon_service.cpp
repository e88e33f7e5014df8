#include "daemon_service.hpp"

#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <sdbus-c++/sdbus-c++.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include <algorithm>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <thread>

#include "harden_bisect/daemon_api.hpp"
#include "harden_bisect/run_journal.hpp"
#include "harden_bisect/sdbus_systemd_client.hpp"
#include "harden_bisect/unit_snapshot.hpp"
#include "job_adaptor.h"
#include "job_options.hpp"
#include "job_queue.hpp"
#include "job_record.hpp"
#include "job_worker.hpp"
#include "manager_adaptor.h"
#include "polkit_check.hpp"
#include "probe_policy.hpp"

namespace hb::daemon {
namespace {

using Clock = std::chrono::steady_clock;
constexpr std::size_t kMaxQueued = 64;  // Submit refuses more (a flood must not exhaust memory)

// Functions posted by worker threads, run on the bus thread. An eventfd wakes the loop.
class EventQueue {
 public:
  EventQueue() : fd_(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {}
  ~EventQueue() { close(fd_); }
  void post(std::function<void()> event) {
    {
      std::lock_guard lock(mutex_);
      events_.push_back(std::move(event));
    }
    const std::uint64_t one = 1;
    [[maybe_unused]] auto n = write(fd_, &one, sizeof one);
  }
  // Runs every posted event in order; true if there were any.
  bool drain() {
    std::uint64_t count = 0;
    [[maybe_unused]] auto n = read(fd_, &count, sizeof count);
    std::deque<std::function<void()>> events;
    {
      std::lock_guard lock(mutex_);
      events.swap(events_);
    }
    for (auto& event : events) event();
    return !events.empty();
  }
  int fd() const { return fd_; }

 private:
  int fd_;
  std::mutex mutex_;
  std::deque<std::function<void()>> events_;
};

// What a trial tests, for CurrentTrial and STATUS=.
std::string describe_trial(const TrialStart& trial) {
  if (trial.testing.empty()) {
    return trial.on_top_of_kept == 0 ? "baseline (nothing added)" : "the kept set again";
  }
  std::string what = trial.testing.front();
  if (trial.testing.size() > 1) {
    what += " +" + std::to_string(trial.testing.size() - 1) + " more";
  }
  if (trial.on_top_of_kept > 0) what += " on top of " + std::to_string(trial.on_top_of_kept);
  return what;
}

// A bus variant as an option value; nullopt for a type no option has.
std::optional<OptionValue> option_value(const sdbus::Variant& v) {
  const auto type = v.peekValueType();
  if (type == "b") return v.get<bool>();
  if (type == "y") return static_cast<std::uint64_t>(v.get<std::uint8_t>());
  if (type == "n") return static_cast<std::int64_t>(v.get<std::int16_t>());
  if (type == "q") return static_cast<std::uint64_t>(v.get<std::uint16_t>());
  if (type == "i") return static_cast<std::int64_t>(v.get<std::int32_t>());
  if (type == "u") return static_cast<std::uint64_t>(v.get<std::uint32_t>());
  if (type == "x") return v.get<std::int64_t>();
  if (type == "t") return v.get<std::uint64_t>();
  if (type == "d") return v.get<double>();
  if (type == "s") return v.get<std::string>();
  if (type == "as") return v.get<std::vector<std::string>>();
  return std::nullopt;
}

[[noreturn]] void refuse(const ApiError& e) { throw sdbus::Error(e.name, e.message); }

class Daemon;

// Who called a bus method: uid (GetConnectionUnixUser) and unique bus name (for polkit).
struct BusCaller {
  std::uint32_t uid = 0;
  std::string sender;
};

// org.hardenbisect1.Manager at /org/hardenbisect1.
class ManagerObject final : public sdbus::AdaptorInterfaces<org::hardenbisect1::Manager_adaptor> {
 public:
  ManagerObject(sdbus::IConnection& bus, Daemon& daemon)
      : AdaptorInterfaces(bus, kManagerPath), daemon_(daemon) {
    registerAdaptor();
  }
  ~ManagerObject() { unregisterAdaptor(); }

 private:
  sdbus::ObjectPath Submit(const std::string& unit, const std::vector<std::string>& probe,
                           const std::map<std::string, sdbus::Variant>& options) override;
  std::vector<sdbus::Struct<sdbus::ObjectPath, std::string, std::string>> ListJobs() override;
  sdbus::ObjectPath GetJob(const uint32_t& id) override;
  std::string Version() override { return HB_VERSION; }
  uint32_t MaxParallel() override;

  Daemon& daemon_;
};

// org.hardenbisect1.Job at /org/hardenbisect1/job/N; reads the daemon's record of job N.
class JobObject final : public sdbus::AdaptorInterfaces<org::hardenbisect1::Job_adaptor> {
 public:
  JobObject(sdbus::IConnection& bus, Daemon& daemon, std::uint32_t id)
      : AdaptorInterfaces(bus, job_path(id)), daemon_(daemon), id_(id) {
    registerAdaptor();
  }
  ~JobObject() { unregisterAdaptor(); }

  void changed(const std::vector<std::string>& names) {
    getObject().emitPropertiesChangedSignal(INTERFACE_NAME, names);
  }

 private:
  void Cancel() override;
  void Apply(sdbus::Result<>&& result) override;
  const JobRecord& job() const;
  uint32_t Id() override { return id_; }
  std::string Unit() override { return job().unit; }
  std::vector<std::string> Probe() override { return job().probe; }
  std::string State() override { return to_string(job().state); }
  uint32_t TrialsDone() override { return job().trials_done; }
  uint32_t TrialsEstimated() override { return job().trials_estimated; }
  std::string CurrentTrial() override { return job().current_trial; }
  double ExposureBefore() override { return job().exposure_before; }
  double ExposureAfter() override { return job().exposure_after; }
  std::string Result() override { return job().result; }
  std::string DropIn() override { return job().dropin; }
  int32_t ExitCode() override { return job().exit_code; }
  std::string Error() override { return job().error; }
  uint32_t Owner() override { return job().owner; }

  Daemon& daemon_;
  std::uint32_t id_;
};

// A job's worker thread and how to stop it.
struct Worker {
  std::thread thread;
  std::unique_ptr<CancellationToken> token = std::make_unique<CancellationToken>();
  bool user_cancelled = false;
  std::string phase;
  std::optional<sdbus::Result<>> pending;  // Apply: the call to answer when it is finished
};

class Daemon {
 public:
  Daemon(const DaemonSettings& settings, const Catalogue& catalogue)
      : settings_(settings),
        catalogue_(catalogue),
        queue_(settings.config.max_parallel),
        store_(settings.state_directory + "/jobs") {}

  int run();

  // Bus calls (bus thread); each throws sdbus::Error to refuse.
  sdbus::ObjectPath submit(const BusCaller& caller, const std::string& unit,
                           const std::vector<std::string>& probe,
                           const std::map<std::string, sdbus::Variant>& options);
  std::vector<sdbus::Struct<sdbus::ObjectPath, std::string, std::string>> list();
  sdbus::ObjectPath get(std::uint32_t id);
  void cancel(const BusCaller& caller, std::uint32_t id);
  void apply(const BusCaller& caller, std::uint32_t id, sdbus::Result<>&& result);
  const JobRecord& record(std::uint32_t id) const { return jobs_.at(id); }
  std::size_t max_parallel() const { return queue_.max_parallel(); }
  void touch() { last_activity_ = Clock::now(); }

  // Worker events (posted to the bus thread).
  void on_phase(std::uint32_t id, RunPhase phase);
  void on_trial_started(std::uint32_t id, const TrialStart& trial);
  void on_trial_finished(std::uint32_t id, const TrialRecord& record);
  void on_run_finished(std::uint32_t id, const JobOutcome& outcome);
  void on_apply_finished(std::uint32_t id, const Status& status);

  EventQueue& events() { return events_; }

 private:
  void authorize(const BusCaller& caller, const char* what) const;
  std::optional<ApiError> check_unit(const std::string& unit);
  std::variant<RunConfig, ApiError> config_for(const JobRecord& job) const;
  void add_job(JobRecord job);
  void start_ready();
  void start(std::uint32_t id);
  void finish(std::uint32_t id, const JobOutcome& outcome);
  void save(const JobRecord& job);
  void update_status();
  bool idle_expired() const;

  const DaemonSettings& settings_;
  const Catalogue& catalogue_;
  std::unique_ptr<sdbus::IConnection> bus_;
  std::unique_ptr<ManagerObject> manager_;
  std::map<std::uint32_t, JobRecord> jobs_;
  std::map<std::uint32_t, std::unique_ptr<JobObject>> objects_;
  std::map<std::uint32_t, Worker> runs_;
  std::map<std::uint32_t, Worker> applies_;
  JobQueue queue_;
  JobStore store_;
  EventQueue events_;
  std::unique_ptr<SystemdClient> systemd_;  // for Submit's unit check
  std::uint32_t next_id_ = 1;
  bool shutting_down_ = false;
  Clock::time_point last_activity_ = Clock::now();
  std::string last_status_;
};

// Progress of one run, from its worker thread to the bus thread.
class JobProgress final : public RunObserver {
 public:
  JobProgress(Daemon& daemon, std::uint32_t id) : daemon_(daemon), id_(id) {}
  void phase_changed(RunPhase phase) override {
    daemon_.events().post([d = &daemon_, id = id_, phase] { d->on_phase(id, phase); });
  }
  void trial_started(const TrialStart& trial) override {
    daemon_.events().post([d = &daemon_, id = id_, trial] { d->on_trial_started(id, trial); });
  }
  void trial_finished(const TrialRecord& record) override {
    daemon_.events().post([d = &daemon_, id = id_, record] { d->on_trial_finished(id, record); });
  }

 private:
  Daemon& daemon_;
  std::uint32_t id_;
};

// --- bus calls -------------------------------------------------------------------------------

// Who is calling: the uid as the bus daemon knows it (GetConnectionUnixUser; sd-bus's own creds
// query needs the caller's /proc entry, which a caller from another pid namespace does not
// have) and the unique bus name, for polkit.
BusCaller bus_caller(sdbus::IObject& object) {
  const auto* message = object.getCurrentlyProcessedMessage();
  if (!message) refuse({kErrAccessDenied, "cannot tell who is calling"});
  try {
    auto driver =
        sdbus::createProxy(object.getConnection(), "org.freedesktop.DBus", "/org/freedesktop/DBus");
    BusCaller caller{0, message->getSender()};
    driver->callMethod("GetConnectionUnixUser")
        .onInterface("org.freedesktop.DBus")
        .withArguments(caller.sender)
        .storeResultsTo(caller.uid);
    return caller;
  } catch (const sdbus::Error& e) {
    refuse({kErrAccessDenied, "cannot tell who is calling: " + e.getMessage()});
  }
}

sdbus::ObjectPath ManagerObject::Submit(const std::string& unit,
                                        const std::vector<std::string>& probe,
                                        const std::map<std::string, sdbus::Variant>& options) {
  daemon_.touch();
  return daemon_.submit(bus_caller(getObject()), unit, probe, options);
}

std::vector<sdbus::Struct<sdbus::ObjectPath, std::string, std::string>> ManagerObject::ListJobs() {
  daemon_.touch();
  return daemon_.list();
}

sdbus::ObjectPath ManagerObject::GetJob(const uint32_t& id) {
  daemon_.touch();
  return daemon_.get(id);
}

uint32_t ManagerObject::MaxParallel() { return daemon_.max_parallel(); }

const JobRecord& JobObject::job() const { return daemon_.record(id_); }

void JobObject::Cancel() {
  daemon_.touch();
  daemon_.cancel(bus_caller(getObject()), id_);
}

void JobObject::Apply(sdbus::Result<>&& result) {
  daemon_.touch();
  daemon_.apply(bus_caller(getObject()), id_, std::move(result));
}

// Whether `uid` is a member of `group_name` (primary or supplementary, by the group database).
bool in_group(std::uint32_t uid, const std::string& group_name) {
  const passwd* pw = getpwuid(uid);
  const group* gr = getgrnam(group_name.c_str());
  if (!pw || !gr) return false;
  if (pw->pw_gid == gr->gr_gid) return true;
  int count = 64;
  std::vector<gid_t> groups(count);
  if (getgrouplist(pw->pw_name, pw->pw_gid, groups.data(), &count) == -1) {
    groups.resize(count);
    getgrouplist(pw->pw_name, pw->pw_gid, groups.data(), &count);
  }
  groups.resize(std::max(count, 0));
  return std::find(groups.begin(), groups.end(), gr->gr_gid) != groups.end();
}

// Root and members of the admin group without asking; anyone else as polkit decides for
// org.hardenbisect1.manage (auth_admin_keep: a local administrator after authenticating).
void Daemon::authorize(const BusCaller& caller, const char* what) const {
  if (caller.uid == 0 || in_group(caller.uid, settings_.admin_group)) return;
  const auto answer = polkit_check(*bus_, caller.sender, kPolkitAction);
  if (answer.authorized) return;
  refuse({kErrAccessDenied,
          std::string("access denied: only root, members of group ") + settings_.admin_group +
              " and administrators authorized by polkit may " + what + " (caller uid " +
              std::to_string(caller.uid) + "; " + answer.why + ")"});
}

std::optional<ApiError> Daemon::check_unit(const std::string& unit) {
  if (unit.size() > 256) return ApiError{kErrBadUnitName, "unit name too long"};
  const auto at = unit.find('@');
  if (at != std::string::npos && unit.compare(at, 2, "@.") == 0) {
    return ApiError{kErrTemplate, unit + " is a template; give an instance (" + unit.substr(0, at) +
                                      "@NAME.service)"};
  }
  if (auto s = check_unit_name(unit); !s) return ApiError{kErrBadUnitName, s.error().message};
  if (!systemd_) {
    auto connected = connect_system_manager();
    if (!connected) return ApiError{kErrFailed, connected.error().message};
    systemd_ = std::move(*connected);
  }
  auto info = systemd_->load_unit(unit);
  if (!info) {
    systemd_.reset();  // reconnect next time (systemd may have re-executed)
    return ApiError{kErrUnknownUnit, info.error().message};
  }
  if (info->load_state == "not-found") return ApiError{kErrUnknownUnit, unit + ": no such unit"};
  if (info->load_state != "loaded") {
    return ApiError{kErrUnknownUnit, unit + " cannot be loaded (" + info->load_state +
                                         (info->load_error.empty() ? "" : ": " + info->load_error) +
                                         ")"};
  }
  return std::nullopt;
}

std::variant<RunConfig, ApiError> Daemon::config_for(const JobRecord& job) const {
  RunConfig base;
  base.unit = job.unit;
  base.probes = {job.probe};
  base.trace = settings_.config.trace;
  base.state_directory = settings_.state_directory + "/runs";
  return run_config_from_options({job.options, Caller{job.owner}, settings_.config.probe_user},
                                 std::move(base));
}

sdbus::ObjectPath Daemon::submit(const BusCaller& caller, const std::string& unit,
                                 const std::vector<std::string>& probe,
                                 const std::map<std::string, sdbus::Variant>& options) {
  authorize(caller, "submit jobs");
  if (shutting_down_) refuse({kErrFailed, "the daemon is shutting down"});
  JobRecord job;
  job.unit = unit;
  job.probe = probe;
  job.owner = caller.uid;
  for (const auto& [name, value] : options) {
    auto v = option_value(value);
    if (!v) {
      refuse({kErrBadOption,
              "option " + name.substr(0, 60) + ": unsupported type " + value.peekValueType()});
    }
    job.options[name] = *v;
  }
  if (auto problem = probe_policy_problem(probe)) refuse({kErrBadProbe, *problem});
  const auto config = config_for(job);
  if (auto e = std::get_if<ApiError>(&config)) refuse(*e);
  if (auto e = check_unit(unit)) refuse(*e);
  if (queue_.queued() >= kMaxQueued) {
    refuse({kErrFailed, "too many queued jobs (" + std::to_string(kMaxQueued) + ")"});
  }
  job.id = next_id_++;
  const auto id = job.id;
  save(job);
  add_job(std::move(job));
  spdlog::info("job {}: {} queued by uid {}", id, unit, caller.uid);
  return job_path(id);
}

std::vector<sdbus::Struct<sdbus::ObjectPath, std::string, std::string>> Daemon::list() {
  std::vector<sdbus::Struct<sdbus::ObjectPath, std::string, std::string>> out;
  for (const auto& [id, job] : jobs_) {
    out.emplace_back(sdbus::ObjectPath(job_path(id)), job.unit, to_string(job.state));
  }
  return out;
}

sdbus::ObjectPath Daemon::get(std::uint32_t id) {
  if (!jobs_.count(id)) refuse({kErrNoSuchJob, "no job " + std::to_string(id)});
  return job_path(id);
}

void Daemon::cancel(const BusCaller& caller, std::uint32_t id) {
  authorize(caller, "cancel jobs");
  auto& job = jobs_.at(id);
  if (queue_.remove_queued(id)) {
    JobOutcome outcome;
    outcome.state = JobState::kCancelled;
    outcome.exit_code = static_cast<int>(ExitCode::kInterrupted);
    outcome.error = "cancelled before it started";
    finish(id, outcome);
    return;
  }
  auto run = runs_.find(id);
  if (run == runs_.end()) {
    refuse({kErrBadState, "job " + std::to_string(id) + " is " + to_string(job.state) +
                              "; only queued and running jobs can be cancelled"});
  }
  run->second.user_cancelled = true;
  run->second.token->cancel();
  spdlog::info("job {}: cancel requested by uid {}", id, caller.uid);
}

void Daemon::apply(const BusCaller& caller, std::uint32_t id, sdbus::Result<>&& result) {
  authorize(caller, "apply drop-ins");
  const auto& job = jobs_.at(id);
  if (job.state != JobState::kDone || job.dropin.empty()) {
    refuse({kErrBadState, "job " + std::to_string(id) + " is " + to_string(job.state) +
                              "; only a done job has a drop-in to apply"});
  }
  if (applies_.count(id)) refuse({kErrBadState, "job " + std::to_string(id) + " is applying"});
  for (const auto& [other, run] : runs_) {
    if (jobs_.at(other).unit == job.unit) {
      refuse({kErrBadState, "job " + std::to_string(other) + " is running on " + job.unit});
    }
  }
  auto config = config_for(job);
  if (auto e = std::get_if<ApiError>(&config)) refuse(*e);
  auto& worker = applies_[id];
  worker.pending.emplace(std::move(result));
  worker.thread = std::thread([this, id, config = std::get<RunConfig>(config), dropin = job.dropin,
                               token = worker.token.get()] {
    auto status = apply_job(config, dropin, *token);
    events_.post([this, id, status] { on_apply_finished(id, status); });
  });
  spdlog::info("job {}: applying the drop-in to {} for uid {}", id, job.unit, caller.uid);
}

// --- worker events ---------------------------------------------------------------------------

void Daemon::on_phase(std::uint32_t id, RunPhase phase) {
  if (auto it = runs_.find(id); it != runs_.end()) it->second.phase = to_string(phase);
}

void Daemon::on_trial_started(std::uint32_t id, const TrialStart& trial) {
  auto& job = jobs_.at(id);
  job.current_trial = "trial " + std::to_string(trial.number) + ": " + describe_trial(trial);
  job.trials_estimated = static_cast<std::uint32_t>(job.trials_done + trial.estimated_trials_left);
  objects_.at(id)->changed({"CurrentTrial", "TrialsEstimated"});
}

void Daemon::on_trial_finished(std::uint32_t id, const TrialRecord& record) {
  auto& job = jobs_.at(id);
  job.trials_done = static_cast<std::uint32_t>(record.number);
  job.trials_estimated = std::max(job.trials_estimated, job.trials_done);
  job.current_trial.clear();
  auto& object = *objects_.at(id);
  object.emitTrialFinished(static_cast<std::uint32_t>(record.number), record.candidates,
                           to_string(record.verdict.kind), record.verdict.evidence.summary,
                           static_cast<std::uint64_t>(record.verdict.duration.count()));
  object.changed({"TrialsDone", "TrialsEstimated", "CurrentTrial"});
}

void Daemon::on_run_finished(std::uint32_t id, const JobOutcome& outcome) {
  auto it = runs_.find(id);
  it->second.thread.join();
  const bool user_cancelled = it->second.user_cancelled;
  runs_.erase(it);
  queue_.finished(id);
  auto& job = jobs_.at(id);
  if (shutting_down_ && !user_cancelled && outcome.state == JobState::kCancelled) {
    // Stopped for the shutdown, cleaned up; the next start resumes it from its trial journal.
    job.interrupted = true;
    job.current_trial.clear();
    save(job);
    spdlog::info("job {}: stopped for the shutdown; resumes at the next start", id);
    return;
  }
  finish(id, outcome);
}

void Daemon::on_apply_finished(std::uint32_t id, const Status& status) {
  auto it = applies_.find(id);
  it->second.thread.join();
  auto pending = std::move(*it->second.pending);
  applies_.erase(it);
  if (status) {
    spdlog::info("job {}: drop-in applied to {}", id, jobs_.at(id).unit);
    pending.returnResults();
    return;
  }
  spdlog::warn("job {}: apply failed: {}", id, status.error().message);
  const bool rolled_back = status.error().kind == ErrorKind::kApplyFailed;
  pending.returnError(
      sdbus::Error(rolled_back ? kErrApplyFailed : kErrFailed, status.error().message));
}

// --- jobs ------------------------------------------------------------------------------------

void Daemon::save(const JobRecord& job) {
  if (auto s = store_.save(job); !s) spdlog::error("job {}: {}", job.id, s.error().message);
}

void Daemon::add_job(JobRecord job) {
  const auto id = job.id;
  const bool pending = !finished(job.state);
  const auto unit = job.unit;
  jobs_[id] = std::move(job);
  objects_[id] = std::make_unique<JobObject>(*bus_, *this, id);
  if (pending) queue_.enqueue(id, unit);
}

void Daemon::start_ready() {
  if (shutting_down_) return;
  for (auto id : queue_.take_startable()) start(id);
}

void Daemon::start(std::uint32_t id) {
  auto& job = jobs_.at(id);
  auto config = config_for(job);
  if (auto e = std::get_if<ApiError>(&config)) {  // e.g. the probe user is gone since a restart
    queue_.finished(id);
    JobOutcome outcome;
    outcome.exit_code = static_cast<int>(ExitCode::kBadInput);
    outcome.error = e->message;
    finish(id, outcome);
    return;
  }
  auto& run = std::get<RunConfig>(config);
  run.resume = job.interrupted;
  job.state = JobState::kRunning;
  save(job);
  objects_.at(id)->changed({"State"});
  spdlog::info("job {}: {} {}", id, job.interrupted ? "resuming" : "starting", job.unit);
  auto& worker = runs_[id];
  worker.thread =
      std::thread([this, id, run = std::move(run), probe = job.probe, token = worker.token.get()] {
        JobProgress progress(*this, id);
        auto outcome = run_job(run, catalogue_, probe, *token, progress);
        events_.post([this, id, outcome] { on_run_finished(id, outcome); });
      });
}

void Daemon::finish(std::uint32_t id, const JobOutcome& outcome) {
  auto& job = jobs_.at(id);
  job.state = outcome.state;
  job.exit_code = outcome.exit_code;
  job.error = outcome.error;
  job.result = outcome.result;
  job.dropin = outcome.dropin;
  job.interrupted = false;
  job.current_trial.clear();
  if (outcome.exposure_before >= 0) job.exposure_before = outcome.exposure_before;
  if (outcome.exposure_after >= 0) job.exposure_after = outcome.exposure_after;
  save(job);
  auto& object = *objects_.at(id);
  object.changed({"State", "ExitCode", "Error", "Result", "DropIn", "ExposureBefore",
                  "ExposureAfter", "CurrentTrial", "TrialsDone"});
  object.emitFinished(to_string(job.state), job.exit_code, job.error);
  spdlog::info("job {}: {} {}{}", id, job.unit, to_string(job.state),
               job.error.empty() ? "" : ": " + job.error);
}

void Daemon::update_status() {
  std::string status;
  for (const auto& [id, run] : runs_) {
    const auto& job = jobs_.at(id);
    if (!status.empty()) status += "; ";
    status += "job " + std::to_string(id) + " " + job.unit + ": " +
              (job.current_trial.empty() ? run.phase : job.current_trial);
  }
  if (status.empty()) status = "idle";
  if (queue_.queued() > 0) status += " (" + std::to_string(queue_.queued()) + " queued)";
  if (shutting_down_) status = "stopping: " + status;
  if (status == last_status_) return;
  last_status_ = status;
  sd_notify(0, ("STATUS=" + status).c_str());
}

bool Daemon::idle_expired() const {
  const auto timeout = settings_.config.idle_timeout;
  return timeout.count() > 0 && queue_.idle() && runs_.empty() && applies_.empty() &&
         Clock::now() - last_activity_ >= timeout;
}

int Daemon::run() {
  // SIGTERM/SIGINT/SIGHUP are read from a signalfd by this loop; blocked before any thread is
  // started, so every thread inherits the mask (probes get an empty one, see spawn_probe).
  sigset_t stop;
  sigemptyset(&stop);
  for (int s : {SIGTERM, SIGINT, SIGHUP}) sigaddset(&stop, s);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);
  signal(SIGPIPE, SIG_IGN);
  const int sigfd = signalfd(-1, &stop, SFD_CLOEXEC | SFD_NONBLOCK);

  if (auto s = store_.prepare(); !s) {
    spdlog::error("{}", s.error().message);
    return 1;
  }
  try {
    bus_ = sdbus::createSystemBusConnection();
    manager_ = std::make_unique<ManagerObject>(*bus_, *this);
    // Jobs of earlier runs: finished ones for reading, the rest queue again (resumed).
    for (auto& job : store_.load_all()) {
      if (job.state == JobState::kRunning) job.interrupted = true;
      if (!finished(job.state)) job.state = JobState::kQueued;
      next_id_ = std::max(next_id_, job.id + 1);
      add_job(std::move(job));
    }
    bus_->requestName(kBusName);
  } catch (const sdbus::Error& e) {
    spdlog::error("cannot serve {} on the system bus: {}: {}", kBusName, e.getName(),
                  e.getMessage());
    return 1;
  }
  spdlog::info("serving {} ({} jobs known, {} to run)", kBusName, jobs_.size(), queue_.queued());
  sd_notify(0, "READY=1");

  std::uint64_t watchdog_usec = 0;
  const bool watchdog = sd_watchdog_enabled(0, &watchdog_usec) > 0;
  const auto watchdog_every = std::chrono::microseconds(watchdog_usec / 2);
  auto last_ping = Clock::now();

  while (true) {
    try {
      while (bus_->processPendingRequest()) {
      }
    } catch (const sdbus::Error& e) {
      spdlog::error("bus: {}: {}", e.getName(), e.getMessage());
      break;
    }
    start_ready();
    update_status();
    if (shutting_down_ && runs_.empty() && applies_.empty()) break;
    if (!shutting_down_ && idle_expired()) {
      spdlog::info("idle for {} s; exiting", settings_.config.idle_timeout.count());
      break;
    }
    if (watchdog && Clock::now() - last_ping >= watchdog_every) {
      sd_notify(0, "WATCHDOG=1");
      last_ping = Clock::now();
    }
    auto poll_data = bus_->getEventLoopPollData();
    pollfd fds[3] = {
        {poll_data.fd, poll_data.events, 0}, {events_.fd(), POLLIN, 0}, {sigfd, POLLIN, 0}};
    int timeout_ms = poll_data.getPollTimeout();
    const int tick = 1000;  // idle and watchdog checks
    if (timeout_ms < 0 || timeout_ms > tick) timeout_ms = tick;
    if (poll(fds, 3, timeout_ms) < 0 && errno != EINTR) break;
    if (fds[2].revents & POLLIN) {
      signalfd_siginfo info{};
      while (read(sigfd, &info, sizeof info) == sizeof info) {
      }
      if (!shutting_down_) {
        spdlog::info("stopping: running jobs are stopped cleanly and resume at the next start");
        shutting_down_ = true;
        for (auto& [id, run] : runs_) run.token->cancel();
        for (auto& [id, apply] : applies_) apply.token->cancel();
      }
    }
    events_.drain();
  }
  sd_notify(0, "STOPPING=1");
  shutting_down_ = true;  // runs ending now are interrupted, not finished: they resume
  // Workers post to events_ and touch this object: none may outlive the loop.
  for (auto& [id, run] : runs_) run.token->cancel();
  while (!runs_.empty() || !applies_.empty()) {
    events_.drain();
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  try {
    bus_->releaseName(kBusName);
  } catch (const sdbus::Error&) {
  }
  objects_.clear();
  manager_.reset();
  close(sigfd);
  return 0;
}

}  // namespace

int run_daemon(const DaemonSettings& settings, const Catalogue& catalogue) {
  Daemon daemon(settings, catalogue);
  return daemon.run();
}

}  // namespace hb::daemon
