#include "harden_bisect/apply.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace hb {
namespace {

Error io_error(const std::string& what, const std::string& path, int err = errno) {
  return Error{what + " " + path + ": " + std::strerror(err), ExitCode::kFailure};
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

}  // namespace

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

Result<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return io_error("cannot read", path);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

}  // namespace hb
