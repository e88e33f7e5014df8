#include "probe_policy.hpp"

#include <sys/stat.h>

#include <algorithm>

namespace hb::daemon {
namespace {

bool has_dot_parts(const std::string& path) {
  std::size_t start = 0;
  while (start <= path.size()) {
    auto end = path.find('/', start);
    if (end == std::string::npos) end = path.size();
    const auto part = path.substr(start, end - start);
    if (part == "." || part == "..") return true;
    start = end + 1;
  }
  return false;
}

// "owned by uid 1000" / "writable by group" / "" when root-owned and writable by root only.
std::string ownership_problem(const PathFacts& f) {
  if (f.owner != 0) return "owned by uid " + std::to_string(f.owner) + ", not root";
  if (f.mode & S_IWGRP) return "writable by its group";
  if (f.mode & S_IWOTH) return "writable by others";
  return "";
}

}  // namespace

PathFacts inspect_path(const std::string& path) {
  struct stat st {};
  PathFacts f;
  if (lstat(path.c_str(), &st) != 0) return f;
  f.exists = true;
  f.is_regular = S_ISREG(st.st_mode);
  f.is_directory = S_ISDIR(st.st_mode);
  f.is_symlink = S_ISLNK(st.st_mode);
  f.owner = st.st_uid;
  f.mode = st.st_mode & 07777;
  return f;
}

std::optional<std::string> probe_policy_problem(const std::vector<std::string>& argv,
                                                PathInspector inspect) {
  if (argv.empty() || argv.front().empty()) return "probe: empty command";
  const auto& path = argv.front();
  const std::string name = "probe " + path.substr(0, 200);
  if (path.front() != '/') return name + ": not an absolute path";
  if (path.size() > 4096 || has_dot_parts(path) || path.back() == '/') {
    return name + ": not a plain absolute path to a file";
  }
  for (const auto& arg : argv) {
    if (arg.find('\0') != std::string::npos) return name + ": an argument contains a NUL byte";
  }
  const auto file = inspect(path);
  if (!file.exists) return name + ": no such file";
  if (file.is_symlink) return name + ": is a symlink (give the path it points to)";
  if (!file.is_regular) return name + ": not a regular file";
  if (auto p = ownership_problem(file); !p.empty()) return name + ": " + p;
  if ((file.mode & 0111) == 0) return name + ": not executable";
  // Every directory above it, up to /.
  std::string dir = path;
  while (dir.size() > 1) {
    dir = dir.substr(0, std::max<std::size_t>(dir.rfind('/'), 1));
    const auto facts = inspect(dir);
    if (!facts.exists || !facts.is_directory) {
      return name + ": its directory " + dir + " is not a directory";
    }
    if (auto p = ownership_problem(facts); !p.empty()) {
      return name + ": its directory " + dir + " is " + p;
    }
  }
  return std::nullopt;
}

}  // namespace hb::daemon
