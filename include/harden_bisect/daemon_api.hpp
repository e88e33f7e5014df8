// The D-Bus API of harden-bisectd, as names: bus name, object paths, interfaces and the error
// names every refused call carries. dbus/org.hardenbisect1.*.xml is the introspection data.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "harden_bisect/interrupt.hpp"
#include "harden_bisect/result.hpp"

namespace hb::daemon {

// The trailing 1 is the API version (as in org.freedesktop.systemd1).
inline constexpr const char* kBusName = "org.hardenbisect1";
inline constexpr const char* kManagerPath = "/org/hardenbisect1";
inline constexpr const char* kJobPathPrefix = "/org/hardenbisect1/job/";

// D-Bus error names; see dbus/org.hardenbisect1.Manager.xml.
inline constexpr const char* kErrUnknownUnit = "org.hardenbisect1.Error.UnknownUnit";
inline constexpr const char* kErrTemplate = "org.hardenbisect1.Error.Template";
inline constexpr const char* kErrBadUnitName = "org.hardenbisect1.Error.BadUnitName";
inline constexpr const char* kErrBadProbe = "org.hardenbisect1.Error.BadProbe";
inline constexpr const char* kErrBadOption = "org.hardenbisect1.Error.BadOption";
inline constexpr const char* kErrAccessDenied = "org.hardenbisect1.Error.AccessDenied";
inline constexpr const char* kErrNoSuchJob = "org.hardenbisect1.Error.NoSuchJob";
inline constexpr const char* kErrBadState = "org.hardenbisect1.Error.BadState";
inline constexpr const char* kErrApplyFailed = "org.hardenbisect1.Error.ApplyFailed";
inline constexpr const char* kErrFailed = "org.hardenbisect1.Error.Failed";

// A refused call: the D-Bus error name and a one-line message saying what is wrong.
struct ApiError {
  std::string name;
  std::string message;
};

// "/org/hardenbisect1/job/7" for 7.
inline std::string job_path(std::uint32_t id) { return kJobPathPrefix + std::to_string(id); }

// One Submit option value as the bus carries it (b, x/i, t/u, d, s, as).
using OptionValue =
    std::variant<bool, std::int64_t, std::uint64_t, double, std::string, std::vector<std::string>>;
using JobOptions = std::map<std::string, OptionValue>;

// A job as a client sees it (the job object's properties).
struct JobView {
  std::string path;
  std::uint32_t id = 0;
  std::string unit;
  std::string state;  // queued, running, done, failed, cancelled
  std::uint32_t trials_done = 0;
  std::uint32_t trials_estimated = 0;
  std::string current_trial;
  double exposure_before = -1;
  double exposure_after = -1;
  std::int32_t exit_code = 0;
  std::string error;
  std::string dropin;
  std::string result;
};

// TrialFinished of a job.
struct TrialEvent {
  std::uint32_t number = 0;
  std::vector<std::string> options;
  std::string verdict;
  std::string summary;
  std::uint64_t duration_ms = 0;
};

// Finished of a job.
struct FinishedEvent {
  std::string state;
  std::int32_t exit_code = 0;
  std::string message;
};

// The daemon seen from a client (the CLI's submit, jobs and cancel). Errors carry the D-Bus
// error name and message in their text ("org.hardenbisect1.Error.BadProbe: probe x: ...").
class DaemonClient {
 public:
  virtual ~DaemonClient() = default;
  // Submit; the job's path. Signals of the job are buffered from before the call on, so wait()
  // misses none of them.
  virtual Result<std::string> submit(const std::string& unit, const std::vector<std::string>& probe,
                                     const JobOptions& options) = 0;
  virtual Result<std::vector<JobView>> jobs() = 0;
  // The job with this path, or with this id ("7").
  virtual Result<JobView> job(const std::string& path_or_id) = 0;
  virtual Status cancel(const std::string& path) = 0;
  // Blocks until the job's apply is finished (its own, long timeout).
  virtual Status apply(const std::string& path) = 0;
  // Calls `on_trial` for each TrialFinished of the job until its Finished; a job that has already
  // finished returns at once. Once `cancel` is tripped the job is cancelled and waited for.
  virtual Result<FinishedEvent> wait(const std::string& path,
                                     const std::function<void(const TrialEvent&)>& on_trial,
                                     const CancellationToken* cancel) = 0;
};

// Connects to the system bus ($DBUS_SYSTEM_BUS_ADDRESS honoured); the daemon itself is started
// by bus activation on the first call.
Result<std::unique_ptr<DaemonClient>> connect_daemon();

}  // namespace hb::daemon
