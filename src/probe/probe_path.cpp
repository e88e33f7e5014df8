// probe_path_problem: the one-line "bad probe" errors, checked before anything is started.
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "harden_bisect/probe_runner.hpp"

namespace hb {

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
