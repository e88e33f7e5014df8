// Internal to src/probe: starting one probe process (spawn_probe.cpp); the wait loop is in
// posix_probe_runner.cpp.
#pragma once

#include <sys/types.h>
#include <unistd.h>

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "harden_bisect/probe_runner.hpp"
#include "harden_bisect/result.hpp"

namespace hb::probe_detail {

// Owns one file descriptor; closes it on destruction.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    reset(std::exchange(other.fd_, -1));
    return *this;
  }
  ~UniqueFd() { reset(); }

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  // No EINTR retry: on Linux the fd is gone even when close() reports EINTR.
  void reset(int fd = -1) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_ = -1;
};

// Who the probe runs as. Resolved before fork (credentials.cpp): NSS lookups are not
// async-signal-safe.
struct Credentials {
  std::optional<uid_t> uid;  // unset: keep the uid, change only groups and gid
  gid_t gid = 0;
  std::vector<gid_t> groups;  // supplementary groups, as initgroups() would set them
};

// The credentials spec.run_as_uid/gid ask for, or nullopt when there is nothing to change
// (none asked, or already that identity). Errors start with `prefix`.
Result<std::optional<Credentials>> resolve_credentials(const ProbeSpec& spec,
                                                       const std::string& prefix);

// A started probe: its pid (also its process group id) and the read end of its output pipe.
struct SpawnedProbe {
  pid_t pid = -1;
  UniqueFd output;  // stdout+stderr of the whole group; O_NONBLOCK, O_CLOEXEC
};

// Starts spec.argv as described in ProbeSpec: no shell, own process group, stdin /dev/null,
// stdout+stderr into one pipe, no other fds, default signals, dropped credentials. On error
// nothing is left running and the message starts with "probe <argv[0]>: ".
Result<SpawnedProbe> spawn_probe(const ProbeSpec& spec);

}  // namespace hb::probe_detail
