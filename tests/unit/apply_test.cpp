// --apply against the fakes and a temporary root: the drop-in stays when the unit passes its
// probes, and the earlier state comes back on every failure after the file was written.
#include "harden_bisect/apply.hpp"

#include <doctest/doctest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "fake_clock.hpp"
#include "fake_probe_runner.hpp"
#include "fake_systemd_client.hpp"
#include "temp_dir.hpp"

namespace {

using hb::ErrorKind;
using hb::testing::FakeClock;
using hb::testing::FakeProbe;
using hb::testing::FakeProbeRunner;
using hb::testing::FakeSystemdClient;
using hb::testing::SystemdMethod;
using std::chrono::milliseconds;
namespace fs = std::filesystem;

using hb::testing::TempDir;

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  return {std::istreambuf_iterator<char>(in), {}};
}

struct Bench {
  TempDir root;
  FakeClock clock;
  FakeSystemdClient systemd{clock};
  FakeProbeRunner probes{clock};
  hb::CancellationToken cancel;
  hb::ApplyRequest request;

  explicit Bench(const std::string& state = "active") {
    systemd.add_unit({"web.service", "loaded", "", state, "running", "/x", {}, {}});
    fs::create_directories(root.str() + "/etc/systemd/system");
    request.unit = "web.service";
    request.root = root.str();
    request.dropin = "[Service]\nNoNewPrivileges=yes\n";
    hb::ProbeSpec probe;
    probe.argv = {"/usr/bin/probe"};
    request.probes = {probe};
    request.timing.settle = milliseconds(1'000);
  }
  std::string path() const { return hb::dropin_path(root.str(), "web.service"); }
  void write_old() {
    fs::create_directories(fs::path(path()).parent_path());
    std::ofstream(path()) << "[Service]\nPrivateTmp=yes\n";
  }
  hb::Status apply() { return hb::apply_dropin(request, {systemd, probes, &cancel, &clock}); }
  bool no_temp_files() const {
    for (const auto& e : fs::directory_iterator(fs::path(path()).parent_path())) {
      if (e.path().filename().string().find(".tmp-") != std::string::npos) return false;
    }
    return true;
  }
};

TEST_SUITE("apply") {
  TEST_CASE("a unit that passes its probes after the restart keeps the drop-in") {
    Bench b;
    b.probes.then(FakeProbe::exits(1, "starting"), 2);  // needs a moment after the restart
    auto s = b.apply();
    REQUIRE(s.ok());
    CHECK(slurp(b.path()) == b.request.dropin);
    CHECK((fs::status(b.path()).permissions() & fs::perms::all) ==
          (fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read |
           fs::perms::others_read));
    CHECK(b.systemd.count(SystemdMethod::kReload) == 1);
    CHECK(b.systemd.count(SystemdMethod::kStart, "web.service") == 1);
    REQUIRE(b.probes.runs() == 3);
    CHECK(b.probes.env(0, "HB_TRIAL") == "apply");
    CHECK(b.probes.env(0, "HB_UNIT") == "web.service");
    CHECK(b.probes.env(2, "HB_ATTEMPT") == "3");
    CHECK(b.probes.specs()[0].timeout == b.request.timing.probe_timeout);
    CHECK(b.no_temp_files());
  }

  TEST_CASE("a probe that never passes rolls back to the earlier drop-in and restarts") {
    Bench b;
    b.write_old();
    b.probes.otherwise(FakeProbe::exits(1, "500"));
    auto s = b.apply();
    REQUIRE_FALSE(s.ok());
    CHECK(s.error().kind == ErrorKind::kApplyFailed);
    CHECK(slurp(b.path()) == "[Service]\nPrivateTmp=yes\n");
    CHECK(b.systemd.count(SystemdMethod::kReload) == 2);  // with the drop-in, then without
    CHECK(b.systemd.count(SystemdMethod::kStart, "web.service") == 2);
    CHECK(b.clock.elapsed() >= b.request.timing.settle - b.request.timing.retry_pause);
    CHECK(b.no_temp_files());
  }

  TEST_CASE("without an earlier drop-in, a rollback removes the new one") {
    Bench b;
    b.probes.otherwise(FakeProbe::exits(1));
    auto s = b.apply();
    REQUIRE_FALSE(s.ok());
    CHECK(s.error().kind == ErrorKind::kApplyFailed);
    CHECK_FALSE(fs::exists(b.path()));
  }

  TEST_CASE("a restart that does not finish or fails rolls back, starts again, never probes") {
    for (const char* job_result : {"timeout", "failed"}) {
      CAPTURE(job_result);
      Bench b;
      b.write_old();
      hb::testing::UnitScript restart;
      restart.job_result = job_result;
      b.systemd.script_start("web.service", restart);
      auto s = b.apply();
      REQUIRE_FALSE(s.ok());
      CHECK(s.error().kind == ErrorKind::kApplyFailed);
      CHECK(b.probes.runs() == 0);
      CHECK(slurp(b.path()) == "[Service]\nPrivateTmp=yes\n");
      CHECK(b.systemd.count(SystemdMethod::kStart, "web.service") == 2);  // restart, then again
      CHECK(b.no_temp_files());
    }
  }

  TEST_CASE("a failed load_unit after the drop-in was written restores the earlier one") {
    Bench b;
    b.write_old();
    b.systemd.fail(SystemdMethod::kLoadUnit, hb::testing::fake_bus_error("Access denied"));
    auto s = b.apply();
    REQUIRE_FALSE(s.ok());
    CHECK(s.error().kind == ErrorKind::kSystemd);
    CHECK(s.error().message.find("Access denied") != std::string::npos);
    CHECK(slurp(b.path()) == "[Service]\nPrivateTmp=yes\n");
    CHECK(b.systemd.count(SystemdMethod::kReload) == 2);
    CHECK(b.systemd.count(SystemdMethod::kStart, "web.service") == 0);
  }

  TEST_CASE("a failed reload restores the earlier drop-in") {
    Bench b;
    b.write_old();
    b.systemd.fail(SystemdMethod::kReload, hb::testing::fake_bus_error("no reload for you"));
    auto s = b.apply();
    REQUIRE_FALSE(s.ok());
    CHECK(s.error().kind == ErrorKind::kSystemd);
    CHECK(slurp(b.path()) == "[Service]\nPrivateTmp=yes\n");
  }

  TEST_CASE("a rollback that cannot reload still restores the file, and says so") {
    Bench b;
    b.write_old();
    b.systemd.fail(SystemdMethod::kReload, hb::testing::fake_bus_error("bus gone"), 2);
    auto s = b.apply();
    REQUIRE_FALSE(s.ok());
    CHECK(s.error().message.find("bus gone") != std::string::npos);
    CHECK(slurp(b.path()) == "[Service]\nPrivateTmp=yes\n");
    CHECK(b.systemd.count(SystemdMethod::kReload) == 2);
  }

  TEST_CASE("a drop-in directory that is a symlink is refused before any reload") {
    Bench b;
    TempDir elsewhere;
    fs::create_directory_symlink(elsewhere.str(), fs::path(b.path()).parent_path());
    auto s = b.apply();
    REQUIRE_FALSE(s.ok());
    CHECK(s.error().message.find("symlink") != std::string::npos);
    CHECK(b.systemd.count(SystemdMethod::kReload) == 0);
    CHECK(fs::is_empty(elsewhere.str()));
  }

  TEST_CASE("--apply needs no cancellation token and no clock of its own") {
    Bench b;
    b.request.timing.settle = milliseconds(0);  // the steady clock: no waiting in a test
    REQUIRE(hb::apply_dropin(b.request, {b.systemd, b.probes, nullptr, nullptr}).ok());
    CHECK(slurp(b.path()) == b.request.dropin);
    CHECK(b.probes.runs() == 1);
  }

  TEST_CASE("a unit that is not running keeps the drop-in for its next start") {
    Bench b("inactive");
    auto s = b.apply();
    REQUIRE(s.ok());
    CHECK(slurp(b.path()) == b.request.dropin);
    CHECK(b.systemd.count(SystemdMethod::kStart) == 0);
    CHECK(b.probes.runs() == 0);
  }

  TEST_CASE("a cancelled apply writes nothing") {
    Bench b;
    b.write_old();
    b.cancel.cancel();
    auto s = b.apply();
    REQUIRE_FALSE(s.ok());
    CHECK(s.error().kind == ErrorKind::kInterrupted);
    CHECK(slurp(b.path()) == "[Service]\nPrivateTmp=yes\n");
    CHECK(b.systemd.calls().empty());
  }

  TEST_CASE("dropin_path puts the file under the target root") {
    CHECK(hb::dropin_path("", "a.service") ==
          "/etc/systemd/system/a.service.d/50-harden-bisect.conf");
    CHECK(hb::dropin_path("/", "a.service") ==
          "/etc/systemd/system/a.service.d/50-harden-bisect.conf");
    CHECK(hb::dropin_path("/srv/c//", "a.service") ==
          "/srv/c/etc/systemd/system/a.service.d/50-harden-bisect.conf");
  }
  TEST_CASE("the drop-in is never written through a symlink or over a non-file") {
    TempDir dir;
    const auto target = dir.str() + "/elsewhere.conf";
    std::ofstream(target) << "kept\n";
    const auto link = dir.str() + "/50-harden-bisect.conf";
    fs::create_symlink(target, link);
    auto through_link = hb::write_file_atomically(link, "new\n");
    REQUIRE_FALSE(through_link.ok());
    CHECK(through_link.error().message.find("refusing to replace symlink") != std::string::npos);
    CHECK(slurp(target) == "kept\n");

    fs::create_directory(dir.str() + "/a-directory");
    auto over_dir = hb::write_file_atomically(dir.str() + "/a-directory", "new\n");
    REQUIRE_FALSE(over_dir.ok());
    CHECK(over_dir.error().message.find("non-regular file") != std::string::npos);

    fs::create_directory_symlink(dir.str(), dir.str() + "/linked.d");
    auto in_linked_dir = hb::write_file_atomically(dir.str() + "/linked.d/x.conf", "new\n");
    REQUIRE_FALSE(in_linked_dir.ok());
    CHECK(in_linked_dir.error().message.find("symlink") != std::string::npos);

    auto under_a_file = hb::write_file_atomically(target + "/x.conf", "new\n");
    REQUIRE_FALSE(under_a_file.ok());
    CHECK(under_a_file.error().message.find("not a directory") != std::string::npos);

    auto no_parent = hb::write_file_atomically(dir.str() + "/no/such/x.conf", "new\n");
    CHECK_FALSE(no_parent.ok());  // one level is created, never a whole tree
  }

  TEST_CASE("a file system that takes no new files is an error naming the step") {
    auto no_temp = hb::write_file_atomically("/proc/hb-test.conf", "x\n");  // procfs: no creat
    REQUIRE_FALSE(no_temp.ok());
    CHECK(no_temp.error().message.rfind("cannot create a temporary file next to /proc/", 0) == 0);
    auto no_dir = hb::write_file_atomically("/proc/hb-test.d/x.conf", "x\n");
    REQUIRE_FALSE(no_dir.ok());
    CHECK(no_dir.error().message.rfind("cannot create /proc/hb-test.d", 0) == 0);
  }

  TEST_CASE("a relative path is written in the current directory") {
    TempDir dir;
    const auto cwd = fs::current_path();
    fs::current_path(dir.str());
    const auto written = hb::write_file_atomically("plain.conf", "x\n");
    fs::current_path(cwd);
    REQUIRE(written.ok());
    CHECK(slurp(dir.file("plain.conf")) == "x\n");
  }

  TEST_CASE("an atomic write creates the unit's .d directory and leaves no temporary file") {
    TempDir dir;
    const auto path = dir.str() + "/web.service.d/50-harden-bisect.conf";
    REQUIRE(hb::write_file_atomically(path, "[Service]\n").ok());
    CHECK(slurp(path) == "[Service]\n");
    REQUIRE(hb::write_file_atomically(path, "[Service]\nPrivateTmp=yes\n").ok());
    CHECK(slurp(path) == "[Service]\nPrivateTmp=yes\n");
    CHECK((fs::status(path).permissions() & fs::perms::all) ==
          (fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read |
           fs::perms::others_read));
    std::size_t entries = 0;
    for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir.str() + "/web.service.d"))
      ++entries;
    CHECK(entries == 1);
  }

  TEST_CASE("reading: a missing file is no error for read_file_if_exists, but is for read_file") {
    TempDir dir;
    auto none = hb::read_file_if_exists(dir.str() + "/missing.conf");
    REQUIRE(none.ok());
    CHECK_FALSE(none->has_value());
    auto missing = hb::read_file(dir.str() + "/missing.conf");
    REQUIRE_FALSE(missing.ok());
    CHECK(missing.error().message.find("cannot read") != std::string::npos);
    auto below_a_file = hb::read_file_if_exists(std::string("/etc/hostname/x"));
    CHECK_FALSE(below_a_file.ok());  // ENOTDIR is not "missing"
  }

  TEST_CASE(
      "write_output: nothing for \"\", stdout for -, atomic for a file, refuses a directory") {
    TempDir dir;
    CHECK(hb::write_output("", "ignored").ok());
    std::ostringstream captured;
    auto* old = std::cout.rdbuf(captured.rdbuf());
    const auto to_stdout = hb::write_output("-", "report\n");
    std::cout.rdbuf(old);
    CHECK(to_stdout.ok());
    CHECK(captured.str() == "report\n");
    const auto file = dir.str() + "/report.json";
    REQUIRE(hb::write_output(file, "{}\n").ok());
    CHECK(slurp(file) == "{}\n");
    auto over_dir = hb::write_output(dir.str(), "x");  // not a regular file: written in place
    REQUIRE_FALSE(over_dir.ok());
    CHECK(over_dir.error().message == "cannot write " + dir.str());
  }

  TEST_CASE("an unreadable earlier drop-in stops --apply before it writes anything") {
    Bench b;
    b.request.root = "/etc/hostname";  // its etc/systemd/... lies below a file: ENOTDIR
    auto applied = b.apply();
    REQUIRE_FALSE(applied.ok());
    CHECK(applied.error().message.find("cannot inspect") != std::string::npos);
    CHECK(b.systemd.count(SystemdMethod::kReload) == 0);
  }
}

}  // namespace
