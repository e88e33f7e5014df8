// probe_path_problem: the one-line "bad probe" errors, checked before anything is started.
// resolve_probe_path: `--probe http-ok URL` finds the bundled probes, installed or not.
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "harden_bisect/probe_runner.hpp"

namespace hb {

std::string resolve_probe_path(const std::string& name) {
  struct stat st {};
  if (name.empty() || name.find('/') != std::string::npos || stat(name.c_str(), &st) == 0) {
    return name;
  }
  const char* env_dir = std::getenv("HARDEN_BISECT_PROBEDIR");
  for (const char* dir : {env_dir, HB_PROBEDIR, HB_SOURCE_PROBEDIR}) {
    if (dir == nullptr || *dir == '\0') continue;
    const std::string candidate = std::string(dir) + "/" + name;
    if (stat(candidate.c_str(), &st) == 0 && S_ISREG(st.st_mode)) return candidate;
  }
  return name;
}

std::optional<std::string> probe_path_problem(const std::string& path) {
  const std::string prefix = "probe " + path + ": ";
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT || errno == ENOTDIR) return prefix + "no such file";
    return prefix + std::strerror(errno);
  }
  if (S_ISDIR(st.st_mode)) return prefix + "is a directory";
  if (!S_ISREG(st.st_mode)) return prefix + "not a regular file";
  // access() asks the kernel (real ids): covers mode bits, ACLs and noexec mounts alike.
  if (access(path.c_str(), X_OK) != 0) return prefix + "not executable";
  return std::nullopt;
}

}  // namespace hb
