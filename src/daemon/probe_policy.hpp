// Which probes the daemon runs for its callers. A probe runs with the daemon's choice of
// identity while root starts and stops the unit, so a file an unprivileged user could change
// would let them run code in that window: the executable and every directory above it must be
// owned by root and writable by nobody else.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

namespace hb::daemon {

// What the policy needs to know about one path (lstat: a symlink is seen as one).
struct PathFacts {
  bool exists = false;
  bool is_regular = false;
  bool is_directory = false;
  bool is_symlink = false;
  uid_t owner = 0;
  mode_t mode = 0;  // permission bits
};

// lstat(2) of `path`; a seam for tests.
using PathInspector = PathFacts (*)(const std::string& path);
PathFacts inspect_path(const std::string& path);

// nullopt when `argv` may be run as a probe; else one line naming the problem: empty argv,
// argv[0] not absolute (or with "." / ".." parts), not a regular file, a symlink, not owned by
// root, writable by group or others, not executable, or a parent directory that is not owned by
// root or writable by group or others (the sticky /tmp too: anybody may create files there).
std::optional<std::string> probe_policy_problem(const std::vector<std::string>& argv,
                                                PathInspector inspect = &inspect_path);

}  // namespace hb::daemon
