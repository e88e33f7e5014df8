#include "harden_bisect/apply.hpp"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>

#include "harden_bisect/probe_until_healthy.hpp"

namespace hb {
namespace {

Error io_error(const std::string& what, const std::string& path, int err = errno) {
  return Error{what + " " + path + ": " + std::strerror(err), ErrorKind::kInternal};
}

std::string dirname_of(const std::string& path) {
  auto slash = path.rfind('/');
  return slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
}

// Creates `dir` (one level) if missing; refuses a symlink there.
Status ensure_plain_directory(const std::string& dir) {
  struct stat st {};
  if (lstat(dir.c_str(), &st) == 0) {
    if (S_ISLNK(st.st_mode)) return io_error("refusing to write through symlink", dir, ELOOP);
    if (!S_ISDIR(st.st_mode)) return io_error("not a directory:", dir, ENOTDIR);
    return {};
  }
  if (errno != ENOENT) return io_error("cannot inspect", dir);
  if (mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) return io_error("cannot create", dir);
  return {};
}

// Every probe passes in one round, repeated retry_pause apart until `settle` has passed (the
// restarted unit may need a moment, as a trial's copy does). The probes see HB_UNIT and HB_COPY
// = the unit, HB_TRIAL = "apply" and HB_ATTEMPT.
bool probed_healthy(const ApplyRequest& request, ProbeRunner& runner, Clock& clock) {
  ProbeHooks hooks;
  hooks.env = [&](int attempt) {
    return ProbeEnv{{"HB_UNIT", request.unit},
                    {"HB_COPY", request.unit},
                    {"HB_TRIAL", "apply"},
                    {"HB_ATTEMPT", std::to_string(attempt)}};
  };
  const ProbeWindow window{clock.now() + request.timing.settle, request.timing.probe_timeout,
                           request.timing.retry_pause};
  return probe_until_healthy(runner, clock, request.probes, window, hooks).outcome ==
         ProbeOutcome::kHealthy;
}

// Puts back what was there before the drop-in was written, and reloads.
class Rollback {
 public:
  Rollback(SystemdClient& systemd, std::string path, std::optional<std::string> previous)
      : systemd_(systemd), path_(std::move(path)), previous_(std::move(previous)) {}
  void operator()() const {
    if (previous_) {
      if (auto s = write_file_atomically(path_, *previous_); !s) {
        spdlog::error("could not restore {}: {}", path_, s.error().message);
      }
    } else if (unlink(path_.c_str()) != 0 && errno != ENOENT) {
      spdlog::error("could not remove {}: {}", path_, std::strerror(errno));
    }
    if (auto s = systemd_.reload(); !s) spdlog::error("{}", s.error().message);
  }

 private:
  SystemdClient& systemd_;
  std::string path_;
  std::optional<std::string> previous_;
};

}  // namespace

Status apply_dropin(const ApplyRequest& request, ApplyPorts ports) {
  const auto path = dropin_path(request.root, request.unit);
  auto previous = read_file_if_exists(path);
  if (!previous) return previous.error();
  if (ports.cancel && ports.cancel->cancelled()) {
    return Error{"interrupted before --apply wrote anything", ErrorKind::kInterrupted};
  }
  if (auto s = write_file_atomically(path, request.dropin); !s) return s;
  spdlog::info("wrote {}", path);
  const Rollback rollback(ports.systemd, path, std::move(*previous));

  if (auto s = ports.systemd.reload(); !s) {
    rollback();
    return s;
  }
  auto info = ports.systemd.load_unit(request.unit);
  if (!info) {
    rollback();
    return with_context(info.error(), "while loading " + request.unit + " with the drop-in");
  }
  if (info->active_state != "active") {
    spdlog::info("{} is not running; the drop-in takes effect at its next start", request.unit);
    return {};
  }
  auto restarted = ports.systemd.start(request.unit, true, request.timing.start_timeout);
  Clock& clock = ports.clock ? *ports.clock : SteadyClock::instance();
  const bool healthy =
      restarted && *restarted == "done" && probed_healthy(request, ports.probes, clock);
  if (healthy) return {};
  spdlog::error("{} failed its probe with the drop-in; rolling back", request.unit);
  rollback();
  (void)ports.systemd.start(request.unit, true, request.timing.start_timeout);
  return Error{"the hardened " + request.unit + " failed its probe after --apply; rolled back",
               ErrorKind::kApplyFailed};
}

std::string dropin_path(const std::string& root, const std::string& unit) {
  std::string base = root.empty() || root == "/" ? "" : root;
  while (!base.empty() && base.back() == '/') base.pop_back();
  return base + "/etc/systemd/system/" + unit + ".d/50-harden-bisect.conf";
}

Status write_file_atomically(const std::string& path, const std::string& content) {
  const auto dir = dirname_of(path);
  if (auto s = ensure_plain_directory(dir); !s) return s;
  struct stat st {};
  if (lstat(path.c_str(), &st) == 0 && S_ISLNK(st.st_mode)) {
    return io_error("refusing to replace symlink", path, ELOOP);
  }
  if (lstat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode)) {
    return io_error("refusing to replace non-regular file", path, EINVAL);
  }
  std::string temp = path + ".tmp-XXXXXX";
  int fd = mkostemp(temp.data(), O_CLOEXEC);
  if (fd < 0) return io_error("cannot create a temporary file next to", path);
  auto fail = [&](const std::string& what) {
    Error e = io_error(what, temp);
    close(fd);
    unlink(temp.c_str());
    return e;
  };
  if (fchmod(fd, 0644) != 0) return fail("cannot chmod");
  std::size_t written = 0;
  while (written < content.size()) {
    auto n = write(fd, content.data() + written, content.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail("cannot write");
    written += static_cast<std::size_t>(n);
  }
  if (fsync(fd) != 0) return fail("cannot sync");
  if (close(fd) != 0) {
    Error e = io_error("cannot close", temp);
    unlink(temp.c_str());
    return e;
  }
  if (rename(temp.c_str(), path.c_str()) != 0) {
    Error e = io_error("cannot rename onto", path);
    unlink(temp.c_str());
    return e;
  }
  int dfd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    fsync(dfd);  // make the rename durable
    close(dfd);
  }
  return {};
}

Status write_output(const std::string& path, const std::string& content) {
  if (path.empty()) return {};
  if (path == "-") {
    std::cout << content << std::flush;
    return {};
  }
  struct stat st {};
  if (stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode)) {
    std::ofstream out(path, std::ios::binary);
    out << content;
    out.flush();
    if (!out) return Error{"cannot write " + path, ErrorKind::kInternal};
    return {};
  }
  return write_file_atomically(path, content);
}

Result<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return io_error("cannot read", path);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

Result<std::optional<std::string>> read_file_if_exists(const std::string& path) {
  struct stat st {};
  if (lstat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return std::optional<std::string>{};
    return io_error("cannot inspect", path);
  }
  auto content = read_file(path);
  if (!content) return content.error();
  return std::optional<std::string>{std::move(*content)};
}

}  // namespace hb
