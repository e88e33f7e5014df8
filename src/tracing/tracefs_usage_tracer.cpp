// UsageTracer on tracefs with plain file I/O: a private instance, kernel-side filtered to the
// systemd managers and everything they fork during the trace (set_event_pid + event-fork), and
// attributed to the copy in user space by cgroup (cgroup_attach_task), fork and exec events.
// PIDs are the kernel's global ones, so this works from outside the manager's PID namespace.
// libtracefs would add only instance helpers here; the text of trace_pipe is all we read.
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "harden_bisect/usage_tracer.hpp"
#include "usage_recorder.hpp"

namespace hb {
namespace {

using tracing::UsageRecorder;

constexpr const char* kInstancePrefix = "harden-bisect-";
constexpr const char* kBufferKib = "8192";  // per CPU; a trial's events fit many times over

// Events the recorder needs besides the syscall entries.
constexpr const char* kEvents[] = {"capability/cap_capable", "sched/sched_process_fork",
                                   "sched/sched_process_exec", "cgroup/cgroup_attach_task"};

bool exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

Status write_file(const std::string& path, const std::string& text) {
  int fd = ::open(path.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC);
  if (fd < 0) return Error{"tracefs: cannot open " + path + ": " + std::strerror(errno)};
  const ssize_t n = ::write(fd, text.data(), text.size());
  const int saved = errno;
  ::close(fd);
  if (n != static_cast<ssize_t>(text.size())) {
    return Error{"tracefs: cannot write '" + text + "' to " + path + ": " + std::strerror(saved)};
  }
  return {};
}

std::vector<std::string> list_dir(const std::string& path) {
  std::vector<std::string> names;
  if (DIR* dir = ::opendir(path.c_str())) {
    while (dirent* entry = ::readdir(dir)) names.emplace_back(entry->d_name);
    ::closedir(dir);
  }
  return names;
}

// The systemd managers on this machine, system and user, in any PID namespace: the processes
// that fork copies. Their global PIDs, as set_event_pid wants them.
std::string manager_pids() {
  std::string pids;
  for (const std::string& name : list_dir("/proc")) {
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream comm("/proc/" + name + "/comm");
    std::string text;
    if (std::getline(comm, text) && text == "systemd") pids += (pids.empty() ? "" : " ") + name;
  }
  return pids;
}

// The mounted tracefs, mounting it where systemd would if nothing is mounted.
Result<std::string> find_tracefs() {
  for (const char* root : {"/sys/kernel/tracing", "/sys/kernel/debug/tracing"}) {
    if (exists(std::string(root) + "/instances")) return std::string(root);
  }
  if (::mount("tracefs", "/sys/kernel/tracing", "tracefs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
              nullptr) != 0) {
    return Error{std::string("tracefs is not mounted and mounting it failed: ") +
                 std::strerror(errno)};
  }
  if (!exists("/sys/kernel/tracing/instances")) return Error{"tracefs has no instances"};
  return std::string("/sys/kernel/tracing");
}

// Instances left by runs that were killed (their PID is gone).
void remove_stale_instances(const std::string& root) {
  for (const std::string& name : list_dir(root + "/instances")) {
    if (!name.starts_with(kInstancePrefix)) continue;
    const std::string pid = name.substr(std::strlen(kInstancePrefix));
    if (pid.empty() || exists("/proc/" + pid)) continue;
    (void)::rmdir((root + "/instances/" + name).c_str());
  }
}

class TracefsUsageTracer final : public UsageTracer {
 public:
  explicit TracefsUsageTracer(std::string root) : root_(std::move(root)) {}
  TracefsUsageTracer(const TracefsUsageTracer&) = delete;
  TracefsUsageTracer& operator=(const TracefsUsageTracer&) = delete;
  ~TracefsUsageTracer() override { teardown(); }

  Status start(const std::string& cgroup_prefix) override {
    teardown();
    instance_ = root_ + "/instances/" + kInstancePrefix + std::to_string(::getpid());
    if (::mkdir(instance_.c_str(), 0700) != 0 && errno != EEXIST) {
      Error e{"tracefs: cannot create instance " + instance_ + ": " + std::strerror(errno)};
      instance_.clear();
      return e;
    }
    auto failed = [&](Status s) {
      teardown();
      return s;
    };
    // The PID filter first: an event enabled before it would trace every task.
    if (auto s = write_file(instance_ + "/buffer_size_kb", kBufferKib); !s) return failed(s);
    if (auto s = write_file(instance_ + "/options/event-fork", "1"); !s) return failed(s);
    const std::string pids = manager_pids();
    if (pids.empty()) return failed(Error{"no systemd manager process found to trace"});
    if (auto s = write_file(instance_ + "/set_event_pid", pids); !s) return failed(s);
    for (const std::string& name : list_dir(instance_ + "/events/syscalls")) {
      if (!name.starts_with("sys_enter_")) continue;
      if (auto s = write_file(instance_ + "/events/syscalls/" + name + "/enable", "1"); !s) {
        return failed(s);
      }
    }
    for (const char* event : kEvents) {
      if (auto s = write_file(instance_ + "/events/" + event + "/enable", "1"); !s) {
        return failed(s);
      }
    }
    pipe_fd_ = ::open((instance_ + "/trace_pipe").c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (pipe_fd_ < 0) {
      return failed(Error{"tracefs: cannot open trace_pipe: " + std::string(std::strerror(errno))});
    }
    recorder_.emplace(cgroup_prefix);
    stopping_ = false;
    reader_ = std::thread([this] { read_loop(); });
    return {};
  }

  Result<ObservedUsage> stop() override {
    if (!recorder_) return Error{"usage tracer was not started"};
    (void)write_file(instance_ + "/tracing_on", "0");
    stopping_ = true;
    if (reader_.joinable()) reader_.join();
    ObservedUsage usage = recorder_->usage();
    usage.lost_events = lost_events();
    teardown();
    return usage;
  }

 private:
  void read_loop() {
    std::vector<char> buffer(1 << 16);
    std::string partial;
    while (true) {
      pollfd pfd{pipe_fd_, POLLIN, 0};
      const bool last = stopping_;  // after tracing_on=0: drain what is left, then end
      if (!last) (void)::poll(&pfd, 1, 100);
      while (true) {
        const ssize_t n = ::read(pipe_fd_, buffer.data(), buffer.size());
        if (n <= 0) break;
        partial.append(buffer.data(), static_cast<std::size_t>(n));
        std::size_t begin = 0;
        for (std::size_t end; (end = partial.find('\n', begin)) != std::string::npos;
             begin = end + 1) {
          recorder_->feed_line(std::string_view(partial).substr(begin, end - begin));
        }
        partial.erase(0, begin);
      }
      if (last) return;
    }
  }

  // Whether the kernel overwrote or dropped events in this instance's buffer.
  bool lost_events() const {
    for (const std::string& cpu : list_dir(instance_ + "/per_cpu")) {
      if (!cpu.starts_with("cpu")) continue;
      std::ifstream stats(instance_ + "/per_cpu/" + cpu + "/stats");
      std::string line;
      while (std::getline(stats, line)) {
        if ((line.starts_with("overrun: ") || line.starts_with("dropped events: ")) &&
            line.substr(line.find(':') + 2) != "0") {
          return true;
        }
      }
    }
    return false;
  }

  // Stops the reader and removes the instance (the kernel disables its events with it).
  void teardown() {
    stopping_ = true;
    if (reader_.joinable()) reader_.join();
    if (pipe_fd_ >= 0) ::close(pipe_fd_);
    pipe_fd_ = -1;
    if (!instance_.empty()) {
      (void)write_file(instance_ + "/tracing_on", "0");
      for (int i = 0; i < 50 && ::rmdir(instance_.c_str()) != 0 && errno == EBUSY; ++i) {
        ::usleep(20'000);
      }
      instance_.clear();
    }
  }

  std::string root_;
  std::string instance_;  // path while an instance exists
  int pipe_fd_ = -1;
  std::thread reader_;
  std::atomic<bool> stopping_{false};
  std::optional<UsageRecorder> recorder_;
};

}  // namespace

Result<std::unique_ptr<UsageTracer>> open_tracefs_usage_tracer() {
  if (::geteuid() != 0) return Error{"tracing needs root"};
  auto root = find_tracefs();
  if (!root) return root.error();
  const std::string events = *root + "/events/";
  for (const char* needed :
       {"capability/cap_capable", "syscalls/sys_enter_socket", "sched/sched_process_fork",
        "sched/sched_process_exec", "cgroup/cgroup_attach_task"}) {
    if (!exists(events + needed)) {
      return Error{std::string("the kernel has no tracepoint ") + needed};
    }
  }
  remove_stale_instances(*root);
  return std::unique_ptr<UsageTracer>(std::make_unique<TracefsUsageTracer>(*root));
}

}  // namespace hb
