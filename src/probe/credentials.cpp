// resolve_credentials: turns run_as_uid/gid into the numbers the forked child switches to.
#include <grp.h>
#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "spawn_probe.hpp"

namespace hb::probe_detail {
namespace {

// The supplementary groups initgroups(user, gid) would set, computed without setting them.
std::vector<gid_t> group_list(const char* user, gid_t gid) {
  std::vector<gid_t> groups(32);
  for (;;) {
    int count = static_cast<int>(groups.size());
    if (getgrouplist(user, gid, groups.data(), &count) >= 0) {
      groups.resize(count);
      return groups;
    }
    groups.resize(std::max<std::size_t>(count, groups.size() * 2));  // count: the size needed
  }
}

}  // namespace

Result<std::optional<Credentials>> resolve_credentials(const ProbeSpec& spec,
                                                       const std::string& prefix) {
  if (!spec.run_as_uid && !spec.run_as_gid) return std::optional<Credentials>{};
  Credentials creds;
  if (spec.run_as_uid) {
    creds.uid = *spec.run_as_uid;
    passwd entry{};
    passwd* found = nullptr;
    std::vector<char> buffer(4096);
    int err;
    while ((err = getpwuid_r(*creds.uid, &entry, buffer.data(), buffer.size(), &found)) == ERANGE) {
      buffer.resize(buffer.size() * 2);
    }
    if (found == nullptr && !spec.run_as_gid) {
      return Error{prefix + "uid " + std::to_string(*creds.uid) +
                       (err != 0 ? " cannot be looked up (" + std::string(std::strerror(err)) + ")"
                                 : " has no passwd entry") +
                       "; set run_as_gid too",
                   ErrorKind::kBadInput};
    }
    creds.gid = spec.run_as_gid ? *spec.run_as_gid : found->pw_gid;
    // Without a passwd entry there is no name to look groups up by: the gid alone.
    creds.groups = found ? group_list(found->pw_name, creds.gid) : std::vector<gid_t>{creds.gid};
  } else {
    creds.gid = *spec.run_as_gid;
    creds.groups = {creds.gid};
  }
  // Already this identity: nothing to drop, and setgroups() would need CAP_SETGID.
  const bool same_uid = !creds.uid || (*creds.uid == getuid() && *creds.uid == geteuid());
  if (same_uid && creds.gid == getgid() && creds.gid == getegid()) {
    return std::optional<Credentials>{};
  }
  return std::optional<Credentials>{std::move(creds)};
}

}  // namespace hb::probe_detail
