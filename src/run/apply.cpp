#include "harden_bisect/apply.hpp"

#include <fcntl.h>
#include <pwd.h>
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

// A location at `path`, owned by whoever writes it, in an existing directory.
DropinLocation location_at(std::string path) {
  DropinLocation location;
  location.path = std::move(path);
  return location;
}

// Creates the missing directories above `path` (mkdir -p), each chowned to the location's
// owner, so that a user manager's ~/.config/systemd/user/UNIT.d belongs to its user.
Status ensure_parents(const DropinLocation& location) {
  std::vector<std::string> missing;
  for (auto dir = dirname_of(location.path); dir != "/" && dir != "."; dir = dirname_of(dir)) {
    struct stat st {};
    if (lstat(dir.c_str(), &st) == 0) break;
    missing.push_back(dir);
  }
  for (auto it = missing.rbegin(); it != missing.rend(); ++it) {
    if (auto s = ensure_plain_directory(*it); !s) return s;
    if (location.owner_uid && chown(it->c_str(), *location.owner_uid,
                                    location.owner_gid.value_or(*location.owner_uid)) != 0) {
      return io_error("cannot chown", *it);
    }
  }
  return {};
}

// Gives the written file to the location's owner (when it has one).
Status give_to_owner(const DropinLocation& location) {
  if (location.owner_uid && chown(location.path.c_str(), *location.owner_uid,
                                  location.owner_gid.value_or(*location.owner_uid)) != 0) {
    return io_error("cannot chown", location.path);
  }
  return {};
}

// Writes the drop-in (or what it replaced) and gives it to the location's owner.
Status write_owned(const DropinLocation& location, const std::string& content) {
  if (auto s = write_file_atomically(location.path, content); !s) return s;
  return give_to_owner(location);
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
  Rollback(SystemdClient& systemd, DropinLocation location, std::optional<std::string> previous)
      : systemd_(systemd), location_(std::move(location)), previous_(std::move(previous)) {}
  void operator()() const {
    const auto& path = location_.path;
    if (previous_) {
      if (auto s = write_owned(location_, *previous_); !s) {
        spdlog::error("could not restore {}: {}", path, s.error().message);
      }
    } else if (unlink(path.c_str()) != 0 && errno != ENOENT) {
      spdlog::error("could not remove {}: {}", path, std::strerror(errno));
    }
    if (auto s = systemd_.reload(); !s) spdlog::error("{}", s.error().message);
  }

 private:
  SystemdClient& systemd_;
  DropinLocation location_;
  std::optional<std::string> previous_;
};

}  // namespace

Status apply_dropin(const ApplyRequest& request, ApplyPorts ports) {
  const DropinLocation location =
      request.location.value_or(location_at(dropin_path(request.root, request.unit)));
  const auto& path = location.path;
  auto previous = read_file_if_exists(path);
  if (!previous) return previous.error();
  if (ports.cancel && ports.cancel->cancelled()) {
    return Error{"interrupted before --apply wrote anything", ErrorKind::kInterrupted};
  }
  if (location.create_parents) {
    if (auto s = ensure_parents(location); !s) return s;
  }
  if (auto s = write_file_atomically(path, request.dropin); !s) return s;  // the old file is intact
  spdlog::info("wrote {}", path);
  const Rollback rollback(ports.systemd, location, std::move(*previous));
  if (auto s = give_to_owner(location); !s) {
    rollback();
    return s;
  }

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

namespace {

// The passwd entry of `user` (or of `uid` when `user` is empty) in ROOT/etc/passwd, or, with no
// root, through NSS.
std::optional<passwd> lookup_user(const std::string& root, const std::string& user, uid_t uid,
                                  std::string& storage) {
  auto matches = [&](const passwd& pw) {
    return user.empty() ? pw.pw_uid == uid : user == pw.pw_name;
  };
  auto copy = [&](const passwd& pw) {
    storage = pw.pw_dir;  // keeps pw_dir alive after the stream or NSS buffer is gone
    passwd out = pw;
    out.pw_dir = storage.data();
    return out;
  };
  if (root.empty() || root == "/") {
    const passwd* pw = user.empty() ? getpwuid(uid) : getpwnam(user.c_str());
    if (pw) return copy(*pw);
    return std::nullopt;
  }
  FILE* f = fopen((root + "/etc/passwd").c_str(), "re");
  if (!f) return std::nullopt;
  std::optional<passwd> found;
  while (const passwd* pw = fgetpwent(f)) {
    if (matches(*pw)) {
      found = copy(*pw);
      break;
    }
  }
  fclose(f);
  return found;
}

}  // namespace

Result<DropinLocation> dropin_location(const std::string& root, const std::string& unit,
                                       const ManagerTarget& manager) {
  if (!manager.user()) return location_at(dropin_path(root, unit));
  if (manager.transport == BusTransport::kRemote) {
    return Error{"--apply cannot write a remote user's drop-in", ErrorKind::kUsage};
  }
  std::string base = root.empty() || root == "/" ? "" : root;
  while (!base.empty() && base.back() == '/') base.pop_back();
  const auto user = machine_user(manager);
  std::string home;
  auto pw = lookup_user(base, user, geteuid(), home);
  if (!pw) {
    return Error{"--apply: no user " + (user.empty() ? std::to_string(geteuid()) : user) + " in " +
                     (base.empty() ? std::string("the user database") : base + "/etc/passwd"),
                 ErrorKind::kUsage};
  }
  std::string config = base + home + "/.config";
  // The caller's own manager reads $XDG_CONFIG_HOME/systemd/user (systemd.unit(5)).
  const char* xdg = getenv("XDG_CONFIG_HOME");
  if (user.empty() && base.empty() && xdg && xdg[0] == '/') config = xdg;
  auto location = location_at(config + "/systemd/user/" + unit + ".d/50-harden-bisect.conf");
  location.create_parents = true;
  if (pw->pw_uid != geteuid()) {
    location.owner_uid = pw->pw_uid;
    location.owner_gid = pw->pw_gid;
  }
  return location;
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
