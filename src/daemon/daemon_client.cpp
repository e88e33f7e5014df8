// The daemon's client side over the generated proxies (sdbus-c++-xml2cpp of dbus/*.xml).
#include <sdbus-c++/sdbus-c++.h>

#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>

#include "harden_bisect/daemon_api.hpp"
#include "job_proxy.h"
#include "manager_proxy.h"

namespace hb::daemon {
namespace {

using namespace std::chrono_literals;

Error bus_error(const sdbus::Error& e) {
  const auto& name = e.getName();
  ErrorKind kind = ErrorKind::kSystemd;
  if (name == kErrBadProbe || name == kErrBadOption) kind = ErrorKind::kBadInput;
  if (name == kErrUnknownUnit || name == kErrTemplate || name == kErrBadUnitName) {
    kind = ErrorKind::kUnitUnusable;
  }
  if (name == kErrNoSuchJob || name == kErrBadState) kind = ErrorKind::kUsage;
  if (name == kErrApplyFailed) kind = ErrorKind::kApplyFailed;
  return Error{name + ": " + e.getMessage(), kind};
}

class ManagerProxy final : public sdbus::ProxyInterfaces<org::hardenbisect1::Manager_proxy> {
 public:
  explicit ManagerProxy(sdbus::IConnection& bus) : ProxyInterfaces(bus, kBusName, kManagerPath) {
    registerProxy();
  }
  ~ManagerProxy() { unregisterProxy(); }
};

// Properties and methods of one job; its signals come through the client's match (below).
class JobProxy final : public sdbus::ProxyInterfaces<org::hardenbisect1::Job_proxy> {
 public:
  JobProxy(sdbus::IConnection& bus, const std::string& path)
      : ProxyInterfaces(bus, kBusName, path) {
    registerProxy();
  }
  ~JobProxy() { unregisterProxy(); }
  // Apply with a timeout long enough for restart, settle and probes.
  void apply_long() {
    getProxy().callMethod("Apply").onInterface(INTERFACE_NAME).withTimeout(10min);
  }

 private:
  void onTrialFinished(const uint32_t&, const std::vector<std::string>&, const std::string&,
                       const std::string&, const uint64_t&) override {}
  void onFinished(const std::string&, const int32_t&, const std::string&) override {}
};

class SdbusDaemonClient final : public DaemonClient {
 public:
  explicit SdbusDaemonClient(std::unique_ptr<sdbus::IConnection> bus) : bus_(std::move(bus)) {
    // Every job signal from now on, buffered by path: a job may finish trials before the
    // caller of submit() gets to wait().
    match_ = bus_->addMatch(std::string("type='signal',interface='") +
                                org::hardenbisect1::Job_proxy::INTERFACE_NAME + "'",
                            [this](sdbus::Message& message) { on_signal(message); });
    bus_->enterEventLoopAsync();
    manager_ = std::make_unique<ManagerProxy>(*bus_);
  }
  ~SdbusDaemonClient() override {
    manager_.reset();
    bus_->leaveEventLoop();
  }

  Result<std::string> submit(const std::string& unit, const std::vector<std::string>& probe,
                             const JobOptions& options) override {
    std::map<std::string, sdbus::Variant> bus_options;
    for (const auto& [name, value] : options) {
      std::visit([&](const auto& v) { bus_options[name] = sdbus::Variant(v); }, value);
    }
    try {
      return std::string(manager_->Submit(unit, probe, bus_options));
    } catch (const sdbus::Error& e) {
      return bus_error(e);
    }
  }

  Result<std::vector<JobView>> jobs() override {
    try {
      std::vector<JobView> out;
      for (const auto& entry : manager_->ListJobs()) {
        auto view = job(std::get<0>(entry));
        if (!view) return view.error();
        out.push_back(std::move(*view));
      }
      return out;
    } catch (const sdbus::Error& e) {
      return bus_error(e);
    }
  }

  Result<JobView> job(const std::string& path_or_id) override {
    try {
      std::string path = path_or_id;
      if (!path.empty() && path.front() != '/') {
        std::uint32_t id = 0;
        try {
          id = static_cast<std::uint32_t>(std::stoul(path));
        } catch (const std::exception&) {
          return Error{"not a job id or path: " + path, ErrorKind::kUsage};
        }
        path = manager_->GetJob(id);
      }
      JobProxy proxy(*bus_, path);
      JobView v;
      v.path = path;
      v.id = proxy.Id();
      v.unit = proxy.Unit();
      v.state = proxy.State();
      v.trials_done = proxy.TrialsDone();
      v.trials_estimated = proxy.TrialsEstimated();
      v.current_trial = proxy.CurrentTrial();
      v.exposure_before = proxy.ExposureBefore();
      v.exposure_after = proxy.ExposureAfter();
      v.exit_code = proxy.ExitCode();
      v.error = proxy.Error();
      v.dropin = proxy.DropIn();
      v.result = proxy.Result();
      return v;
    } catch (const sdbus::Error& e) {
      return bus_error(e);
    }
  }

  Status cancel(const std::string& path) override {
    try {
      JobProxy(*bus_, path).Cancel();
      return {};
    } catch (const sdbus::Error& e) {
      return bus_error(e);
    }
  }

  Status apply(const std::string& path) override {
    try {
      JobProxy(*bus_, path).apply_long();
      return {};
    } catch (const sdbus::Error& e) {
      return bus_error(e);
    }
  }

  Result<FinishedEvent> wait(const std::string& path,
                             const std::function<void(const TrialEvent&)>& on_trial,
                             const CancellationToken* cancel) override {
    bool cancel_sent = false;
    bool seen_finished = false;
    auto last_check = std::chrono::steady_clock::now();
    while (true) {
      std::deque<TrialEvent> trials;
      std::optional<FinishedEvent> finished;
      {
        std::unique_lock lock(mutex_);
        cv_.wait_for(lock, 200ms, [&] { return !inbox_[path].empty() || done_.count(path); });
        trials.swap(inbox_[path]);
        if (auto it = done_.find(path); it != done_.end()) finished = it->second;
      }
      for (const auto& t : trials) on_trial(t);
      if (finished) return *finished;
      if (cancel && cancel->cancelled() && !cancel_sent) {
        cancel_sent = true;
        if (auto s = this->cancel(path); !s) return s.error();
      }
      // A job that finished before our match, or a daemon that went away: ask now and then.
      if (std::chrono::steady_clock::now() - last_check > 2s) {
        last_check = std::chrono::steady_clock::now();
        auto view = job(path);
        if (!view) return view.error();
        if (view->state != "queued" && view->state != "running") {
          // Its Finished went by before our match; signals sent before the state changed have
          // arrived by now (one sender's messages keep their order): one more round drains them.
          if (seen_finished) return FinishedEvent{view->state, view->exit_code, view->error};
          seen_finished = true;
          last_check = {};
        }
      }
    }
  }

 private:
  void on_signal(sdbus::Message& message) {
    const std::string path = message.getPath();
    const std::string member = message.getMemberName();
    std::lock_guard lock(mutex_);
    if (member == "TrialFinished") {
      TrialEvent t;
      message >> t.number >> t.options >> t.verdict >> t.summary >> t.duration_ms;
      inbox_[path].push_back(std::move(t));
    } else if (member == "Finished") {
      FinishedEvent f;
      message >> f.state >> f.exit_code >> f.message;
      done_[path] = f;
    }
    cv_.notify_all();
  }

  std::unique_ptr<sdbus::IConnection> bus_;
  sdbus::Slot match_;
  std::unique_ptr<ManagerProxy> manager_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::map<std::string, std::deque<TrialEvent>> inbox_;
  std::map<std::string, FinishedEvent> done_;
};

}  // namespace

Result<std::unique_ptr<DaemonClient>> connect_daemon() {
  try {
    return std::unique_ptr<DaemonClient>(
        std::make_unique<SdbusDaemonClient>(sdbus::createSystemBusConnection()));
  } catch (const sdbus::Error& e) {
    return Error{"cannot connect to the system bus: " + e.getMessage(), ErrorKind::kSystemd};
  }
}

}  // namespace hb::daemon
