// resolve_probe_path: how `--probe NAME ...` finds the bundled probes (installed or in the
// source tree) without shadowing a file of that name or a path.
#include <doctest/doctest.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <string>

#include "harden_bisect/probe_runner.hpp"

namespace {

namespace fs = std::filesystem;

// A fresh directory holding an executable `name`; restores the working directory and
// HARDEN_BISECT_PROBEDIR when it goes.
class ProbeDir {
 public:
  ProbeDir() {
    std::string pattern = (fs::temp_directory_path() / "hb-probe-path-XXXXXX").string();
    path_ = mkdtemp(pattern.data());
    old_cwd_ = fs::current_path();
    if (const char* old = std::getenv("HARDEN_BISECT_PROBEDIR")) old_env_ = old;
  }
  ~ProbeDir() {
    fs::current_path(old_cwd_);
    if (old_env_) {
      setenv("HARDEN_BISECT_PROBEDIR", old_env_->c_str(), 1);
    } else {
      unsetenv("HARDEN_BISECT_PROBEDIR");
    }
    fs::remove_all(path_);
  }
  std::string add(const std::string& name) {
    const auto file = path_ / name;
    std::ofstream(file) << "#!/bin/sh\nexit 0\n";
    fs::permissions(file, fs::perms::owner_all);
    return file.string();
  }
  std::string path() const { return path_.string(); }

 private:
  fs::path path_, old_cwd_;
  std::optional<std::string> old_env_;
};

}  // namespace

TEST_SUITE("probe") {
  TEST_CASE("a bare probe name resolves to the bundled probe of that name") {
    ProbeDir dir;
    const auto probe = dir.add("my-probe");
    setenv("HARDEN_BISECT_PROBEDIR", dir.path().c_str(), 1);
    CHECK(hb::resolve_probe_path("my-probe") == probe);
    CHECK(hb::resolve_probe_path("no-such-probe") == "no-such-probe");  // left for the error
  }

  TEST_CASE("without HARDEN_BISECT_PROBEDIR the source tree's probes are found") {
    ProbeDir dir;  // restores the variable afterwards
    unsetenv("HARDEN_BISECT_PROBEDIR");
    const auto resolved = hb::resolve_probe_path("http-ok");
    REQUIRE(resolved != "http-ok");
    CHECK(fs::path(resolved).filename() == "http-ok");
    CHECK(access(resolved.c_str(), X_OK) == 0);
    CHECK_FALSE(hb::probe_path_problem(resolved).has_value());
  }

  TEST_CASE("a file in the working directory or a path is never replaced by a bundled probe") {
    ProbeDir bundled;
    bundled.add("http-ok");
    setenv("HARDEN_BISECT_PROBEDIR", bundled.path().c_str(), 1);
    ProbeDir here;
    here.add("http-ok");
    fs::current_path(here.path());
    CHECK(hb::resolve_probe_path("http-ok") == "http-ok");
    CHECK(hb::resolve_probe_path("./http-ok") == "./http-ok");
    CHECK(hb::resolve_probe_path("/nonexistent/http-ok") == "/nonexistent/http-ok");
  }
}
