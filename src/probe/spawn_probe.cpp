// Starts one probe: fork + execve in a fresh process group, with credentials dropped if asked.
//
// Why fork/exec and not posix_spawn: posix_spawn cannot change credentials, and run_as_uid is
// the production case when running as root. One path for every probe means every test runs the
// code production runs; the cost (fork copies page tables) is irrelevant at one probe per trial.
// The child makes only async-signal-safe calls on data prepared before fork, since another
// thread may hold malloc or NSS locks at the moment we fork. Exec errors come back through a
// CLOEXEC pipe: EOF there means execve succeeded.
#include "spawn_probe.hpp"

#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

extern char** environ;

namespace hb::probe_detail {
namespace {

// Everything the child needs, as plain pointers and numbers built before fork.
struct ChildPlan {
  char* const* argv;
  char* const* envp;
  int stdin_fd;
  int output_fd;
  int status_fd;
  int max_fd;                // bound for the fd loop when close_range is unavailable
  const Credentials* creds;  // nullptr: keep our identity
};

// The step of the child's setup that failed, sent with errno through the status pipe.
enum class ChildStep : int { kStdio, kGroups, kGid, kUid, kExec };
struct ChildFailure {
  ChildStep step;
  int error;
};

// `what` + ": " + strerror(errno), for failures of our own setup (pipes, fork).
Error system_error(const std::string& what) {
  return Error{what + ": " + std::strerror(errno), ErrorKind::kInternal};
}

// Our environment with `overrides` applied by name; the last override of a name wins.
std::vector<std::string> merged_environment(
    const std::vector<std::pair<std::string, std::string>>& overrides) {
  const auto overridden = [&](std::string_view name, std::size_t from) {
    return std::any_of(overrides.begin() + from, overrides.end(),
                       [&](const auto& kv) { return kv.first == name; });
  };
  std::vector<std::string> env;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    const std::string_view text(*entry);
    if (!overridden(text.substr(0, text.find('=')), 0)) env.emplace_back(text);
  }
  for (std::size_t i = 0; i < overrides.size(); ++i) {
    if (!overridden(overrides[i].first, i + 1)) {
      env.push_back(overrides[i].first + "=" + overrides[i].second);
    }
  }
  return env;
}

// A null-terminated char* array over `strings` (which must outlive it).
std::vector<char*> c_array(const std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (const auto& s : strings) out.push_back(const_cast<char*>(s.c_str()));
  out.push_back(nullptr);
  return out;
}

// Reports the failed step and errno to the parent, then exits the child.
[[noreturn]] void child_fail(int status_fd, ChildStep step) {
  const ChildFailure failure{step, errno};
  // 8 bytes into an empty pipe: one atomic write. If it fails the parent sees exit code 127.
  (void)!write(status_fd, &failure, sizeof failure);
  _exit(127);
}

// Runs in the forked child; async-signal-safe calls only.
[[noreturn]] void run_child(const ChildPlan& plan) {
  // Own group, so the runner can kill the probe and all its descendants with kill(-pid).
  setpgid(0, 0);
  // exec resets caught signals but keeps ignored ones; start the probe from defaults. All
  // signals are still blocked (the parent blocked them around fork), so no handler runs here.
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  for (int sig = 1; sig < NSIG; ++sig) sigaction(sig, &dfl, nullptr);  // SIGKILL etc. just fail
  // Lift sources above 2 first, so a dup2 never overwrites one with another (callers with
  // closed stdio get pipes on 0..2).
  const int in = fcntl(plan.stdin_fd, F_DUPFD, 3);
  const int out = fcntl(plan.output_fd, F_DUPFD, 3);
  if (in < 0 || out < 0 || dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(out, 2) < 0) {
    child_fail(plan.status_fd, ChildStep::kStdio);
  }
  // Close everything else at exec, including fds other libraries opened without O_CLOEXEC.
  // CLOEXEC rather than close: the status pipe must stay open until execve.
  if (close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) != 0) {  // kernels < 5.11
    for (int fd = 3; fd < plan.max_fd; ++fd) fcntl(fd, F_SETFD, FD_CLOEXEC);
  }
  if (plan.creds != nullptr) {
    // Groups first, uid last: each step needs the privilege the next one gives up.
    const Credentials& c = *plan.creds;
    if (setgroups(c.groups.size(), c.groups.data()) != 0) {
      child_fail(plan.status_fd, ChildStep::kGroups);
    }
    if (setresgid(c.gid, c.gid, c.gid) != 0) child_fail(plan.status_fd, ChildStep::kGid);
    if (c.uid && setresuid(*c.uid, *c.uid, *c.uid) != 0) {
      child_fail(plan.status_fd, ChildStep::kUid);
    }
  }
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);  // the mask survives exec; the probe gets an empty one
  execve(plan.argv[0], plan.argv, plan.envp);
  child_fail(plan.status_fd, ChildStep::kExec);
}

// The one-line spawn error for a failure the child reported.
std::string describe(const ChildFailure& failure, const std::string& prefix,
                     const std::string& path, const Credentials* creds) {
  const std::string err = std::strerror(failure.error);
  switch (failure.step) {
    case ChildStep::kStdio:
      return prefix + "cannot set up stdin/stdout/stderr: " + err;
    case ChildStep::kGroups:
      return prefix + "cannot drop privileges: setgroups: " + err;
    case ChildStep::kGid:
      return prefix + "cannot drop privileges: setgid " + std::to_string(creds->gid) + ": " + err;
    case ChildStep::kUid:
      return prefix + "cannot drop privileges: setuid " + std::to_string(*creds->uid) + ": " + err;
    case ChildStep::kExec:
      break;
  }
  std::string text = prefix + "cannot execute";
  if (creds != nullptr && creds->uid) text += " as uid " + std::to_string(*creds->uid);
  text += ": " + err;
  // ENOENT for a file that exists: the kernel could not find what the file asks to be run by.
  if (failure.error == ENOENT && access(path.c_str(), F_OK) == 0) {
    text += " (missing #! interpreter or ELF loader?)";
  }
  return text;
}

// Reads up to `size` bytes, retrying on EINTR and short reads; returns the count read.
std::size_t read_full(int fd, void* data, std::size_t size) {
  std::size_t done = 0;
  while (done < size) {
    const ssize_t n = read(fd, static_cast<char*>(data) + done, size - done);
    if (n > 0) {
      done += n;
    } else if (n == 0 || errno != EINTR) {
      break;
    }
  }
  return done;
}

// Collects a child that failed before exec, so it does not stay a zombie.
void reap(pid_t pid) {
  while (waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
  }
}

}  // namespace

Result<SpawnedProbe> spawn_probe(const ProbeSpec& spec) {
  if (spec.argv.empty()) return Error{"probe: empty command", ErrorKind::kBadInput};
  const std::string prefix = "probe " + spec.argv[0] + ": ";
  auto creds = resolve_credentials(spec, prefix);
  if (!creds) return creds.error();
  const std::vector<std::string> env = merged_environment(spec.env);
  const std::vector<char*> argv = c_array(spec.argv);
  const std::vector<char*> envp = c_array(env);

  UniqueFd devnull(open("/dev/null", O_RDONLY | O_CLOEXEC));
  if (!devnull.valid()) return system_error(prefix + "open /dev/null");
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return system_error(prefix + "pipe");
  UniqueFd output_read(fds[0]), output_write(fds[1]);
  if (pipe2(fds, O_CLOEXEC) != 0) return system_error(prefix + "pipe");
  UniqueFd status_read(fds[0]), status_write(fds[1]);
  rlimit limit{};
  const bool bounded = getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY;
  const int max_fd =
      bounded ? static_cast<int>(std::min<rlim_t>(limit.rlim_cur, INT_MAX)) : 1 << 20;

  const ChildPlan plan{argv.data(),
                       envp.data(),
                       devnull.get(),
                       output_write.get(),
                       status_write.get(),
                       max_fd,
                       *creds ? &**creds : nullptr};
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);  // see run_child: no handler of ours in the child
  const pid_t pid = fork();
  if (pid == 0) run_child(plan);
  const int fork_errno = errno;
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  if (pid < 0) {
    errno = fork_errno;
    return system_error(prefix + "fork");
  }
  // Also done by the child; doing it here too means kill(-pid) works as soon as we return.
  // Fails harmlessly (EACCES) once the child has exec'd, by which time it did it itself.
  setpgid(pid, pid);
  output_write.reset();
  status_write.reset();

  ChildFailure failure{};
  if (read_full(status_read.get(), &failure, sizeof failure) == sizeof failure) {
    reap(pid);
    return Error{describe(failure, prefix, spec.argv[0], *creds ? &**creds : nullptr),
                 ErrorKind::kBadInput};
  }
  // Nonblocking: the poll loop reads at most one buffer per wake-up and never stalls in read().
  fcntl(output_read.get(), F_SETFL, fcntl(output_read.get(), F_GETFL) | O_NONBLOCK);
  return SpawnedProbe{pid, std::move(output_read)};
}

}  // namespace hb::probe_detail
