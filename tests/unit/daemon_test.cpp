// harden-bisectd's pure parts: the queue (one job per unit, a parallel limit), Submit's option
// validation and probe policy, the config file, job records across a restart, and how a run's
// result becomes a job's state and exit code.
#include <doctest/doctest.h>
#include <sys/stat.h>

#include <fstream>
#include <map>

#include "daemon_config.hpp"
#include "job_options.hpp"
#include "job_outcome.hpp"
#include "job_queue.hpp"
#include "job_record.hpp"
#include "probe_policy.hpp"
#include "temp_dir.hpp"

namespace {

using namespace hb;
using namespace hb::daemon;
using std::chrono::milliseconds;

std::optional<ProbeIdentity> fake_users(const std::string& name) {
  static const std::map<std::string, ProbeIdentity> users = {
      {"root", {0, 0}}, {"nobody", {65534, 65534}}, {"alice", {1000, 1000}}, {"bob", {1001, 1001}}};
  auto it = users.find(name);
  if (it == users.end()) return std::nullopt;
  return it->second;
}

std::variant<RunConfig, ApiError> configure(const JobOptions& options, std::uint32_t caller = 0) {
  return run_config_from_options({options, Caller{caller}, "nobody", &fake_users}, RunConfig{});
}

std::string error_name(const std::variant<RunConfig, ApiError>& r) {
  auto e = std::get_if<ApiError>(&r);
  return e ? e->name : "";
}

// A file system of root-owned 0755 directories with one probe, changed per test.
std::map<std::string, PathFacts>& fake_fs() {
  static std::map<std::string, PathFacts> fs;
  return fs;
}
PathFacts fake_inspect(const std::string& path) {
  auto it = fake_fs().find(path);
  return it == fake_fs().end() ? PathFacts{} : it->second;
}
void reset_fs() {
  const PathFacts dir{true, false, true, false, 0, 0755};
  fake_fs() = {{"/", dir},
               {"/usr", dir},
               {"/usr/lib", dir},
               {"/usr/lib/probe", {true, true, false, false, 0, 0755}},
               {"/tmp", {true, false, true, false, 0, 01777}},
               {"/tmp/probe", {true, true, false, false, 0, 0755}}};
}

TEST_SUITE("daemon") {
  TEST_CASE("queue runs one job per unit and at most max_parallel jobs, in submission order") {
    JobQueue q(2);
    q.enqueue(1, "a.service");
    q.enqueue(2, "a.service");
    q.enqueue(3, "b.service");
    q.enqueue(4, "c.service");
    CHECK(q.take_startable() == std::vector<std::uint32_t>{1, 3});
    CHECK(q.take_startable().empty());  // a busy, limit reached
    q.finished(3);
    CHECK(q.take_startable() == std::vector<std::uint32_t>{4});  // 2 still waits for a
    q.finished(1);
    CHECK(q.take_startable() == std::vector<std::uint32_t>{2});
    CHECK(q.queued() == 0);
    q.finished(2);
    q.finished(4);
    CHECK(q.idle());
  }

  TEST_CASE("a queued job can be removed; a running one cannot") {
    JobQueue q(1);
    q.enqueue(1, "a.service");
    q.enqueue(2, "b.service");
    CHECK(q.take_startable() == std::vector<std::uint32_t>{1});
    CHECK_FALSE(q.remove_queued(1));
    CHECK(q.remove_queued(2));
    CHECK_FALSE(q.is_queued(2));
    q.finished(1);
    CHECK(q.take_startable().empty());
  }

  TEST_CASE("options are the CLI's run options by name, typed and range-checked") {
    auto ok = configure({{"probe-timeout", 2.5},
                         {"settle", std::uint64_t{3}},
                         {"retries", std::uint64_t{2}},
                         {"only", std::vector<std::string>{"ProtectSystem", "PrivateTmp"}},
                         {"stop-original", true}});
    REQUIRE(std::holds_alternative<RunConfig>(ok));
    const auto& c = std::get<RunConfig>(ok);
    CHECK(c.timing.probe_timeout == milliseconds(2500));
    CHECK(c.timing.settle == milliseconds(3000));
    CHECK(c.search.retries == 2);
    CHECK(c.only == std::vector<std::string>{"ProtectSystem", "PrivateTmp"});
    CHECK(c.stop_original);
    CHECK(c.probe_uid == 65534u);  // probes run as the default user

    CHECK(error_name(configure({{"no-such-option", true}})) == kErrBadOption);
    CHECK(error_name(configure({{"settle", std::string("soon")}})) == kErrBadOption);
    CHECK(error_name(configure({{"settle", -1.0}})) == kErrBadOption);
    CHECK(error_name(configure({{"settle", 1e300}})) == kErrBadOption);
    CHECK(error_name(configure({{"retries", std::int64_t{-2}}})) == kErrBadOption);
    CHECK(error_name(configure({{"retries", std::uint64_t{1} << 40}})) == kErrBadOption);
    CHECK(error_name(configure({{"stop-original", std::string("yes")}})) == kErrBadOption);
    CHECK(error_name(configure({{"only", std::vector<std::string>{"has space"}}})) ==
          kErrBadOption);
    CHECK(error_name(configure({{"probe-user", std::string("nosuchuser")}})) == kErrBadOption);
  }

  TEST_CASE("only root may run probes as another user; others get themselves or the default") {
    CHECK(std::get<RunConfig>(configure({{"probe-user", std::string("root")}}, 0)).probe_uid == 0u);
    CHECK(error_name(configure({{"probe-user", std::string("root")}}, 1000)) == kErrAccessDenied);
    CHECK(error_name(configure({{"probe-user", std::string("bob")}}, 1000)) == kErrAccessDenied);
    CHECK(std::get<RunConfig>(configure({{"probe-user", std::string("alice")}}, 1000)).probe_uid ==
          1000u);
    CHECK(std::get<RunConfig>(configure({{"probe-user", std::string("nobody")}}, 1000)).probe_uid ==
          65534u);
    CHECK(std::get<RunConfig>(configure({}, 1000)).probe_uid == 65534u);
  }

  TEST_CASE("probes must be root-owned files nobody else can change, in such directories") {
    reset_fs();
    CHECK_FALSE(probe_policy_problem({"/usr/lib/probe", "--arg"}, &fake_inspect));
    CHECK(probe_policy_problem({}, &fake_inspect));
    CHECK(probe_policy_problem({"probe"}, &fake_inspect)->find("not an absolute path") !=
          std::string::npos);
    CHECK(probe_policy_problem({"/usr/lib/../lib/probe"}, &fake_inspect));
    CHECK(probe_policy_problem({"/usr/lib/missing"}, &fake_inspect)->find("no such file") !=
          std::string::npos);
    CHECK(probe_policy_problem({"/usr/lib"}, &fake_inspect)->find("not a regular file") !=
          std::string::npos);
    // /tmp is writable by everybody (sticky or not): a probe there is refused.
    CHECK(probe_policy_problem({"/tmp/probe"}, &fake_inspect)->find("directory /tmp") !=
          std::string::npos);
    fake_fs()["/usr/lib/probe"].owner = 1000;
    CHECK(probe_policy_problem({"/usr/lib/probe"}, &fake_inspect)->find("owned by uid 1000") !=
          std::string::npos);
    reset_fs();
    fake_fs()["/usr/lib/probe"].mode = 0775;
    CHECK(probe_policy_problem({"/usr/lib/probe"}, &fake_inspect)->find("group") !=
          std::string::npos);
    reset_fs();
    fake_fs()["/usr/lib/probe"].mode = 0644;
    CHECK(probe_policy_problem({"/usr/lib/probe"}, &fake_inspect)->find("not executable") !=
          std::string::npos);
    reset_fs();
    fake_fs()["/usr"].mode = 0757;
    CHECK(probe_policy_problem({"/usr/lib/probe"}, &fake_inspect)->find("directory /usr is") !=
          std::string::npos);
    reset_fs();
    fake_fs()["/usr/lib/probe"].is_symlink = true;
    fake_fs()["/usr/lib/probe"].is_regular = false;
    CHECK(probe_policy_problem({"/usr/lib/probe"}, &fake_inspect)->find("symlink") !=
          std::string::npos);
  }

  TEST_CASE("the config file is optional; its settings are checked by name") {
    auto defaults = parse_daemon_config("");
    REQUIRE(defaults);
    CHECK(defaults->max_parallel == 2);
    CHECK(defaults->probe_user == "nobody");
    auto set = parse_daemon_config("max-parallel: 4\nidle-timeout: 0\nprobe-user: daemon\n");
    REQUIRE(set);
    CHECK(set->max_parallel == 4);
    CHECK(set->idle_timeout.count() == 0);
    CHECK(set->probe_user == "daemon");
    CHECK_FALSE(parse_daemon_config("max-parallel: 0\n"));
    CHECK_FALSE(parse_daemon_config("max-paralel: 3\n"));
    CHECK_FALSE(parse_daemon_config("[1, 2]\n"));
    CHECK_FALSE(parse_daemon_config("max-parallel: [\n"));
    CHECK(load_daemon_config("/nonexistent/daemon.yaml"));
  }

  TEST_CASE("jobs and results survive a restart, options with their bus types") {
    hb::testing::TempDir dir;
    JobStore store(dir.file("jobs"));
    REQUIRE(store.prepare());
    JobRecord job;
    job.id = 7;
    job.unit = "nginx.service";
    job.probe = {"/usr/lib/probe", "x"};
    job.options = {{"settle", 2.0},
                   {"retries", std::uint64_t{1}},
                   {"only", std::vector<std::string>{"Protect"}},
                   {"stop-original", true}};
    job.owner = 1000;
    job.state = JobState::kDone;
    job.dropin = "[Service]\nPrivateTmp=yes\n";
    job.result = "{}";
    job.exposure_before = 9.6;
    job.exposure_after = 1.2;
    REQUIRE(store.save(job));
    JobRecord other = job;
    other.id = 3;
    other.state = JobState::kRunning;
    REQUIRE(store.save(other));
    {
      std::ofstream corrupt(dir.file("jobs/job-9.json"));
      corrupt << "{not json";
    }
    auto loaded = store.load_all();
    REQUIRE(loaded.size() == 2);  // the corrupt one is left alone
    CHECK(loaded[0].id == 3);
    CHECK(loaded[0].state == JobState::kRunning);
    const auto& back = loaded[1];
    CHECK(back.unit == job.unit);
    CHECK(back.probe == job.probe);
    CHECK(back.options == job.options);
    CHECK(back.owner == 1000);
    CHECK(back.dropin == job.dropin);
    CHECK(back.exposure_after == doctest::Approx(1.2));
    struct stat st {};
    REQUIRE(stat(dir.file("jobs").c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0700);
  }

  TEST_CASE("a run's error becomes a failed job with the CLI's exit code; a cancel, cancelled") {
    const std::vector<std::string> probe{"/p"};
    auto failed = outcome_of(Error{"no such unit", ErrorKind::kUnitUnusable}, false, probe);
    CHECK(failed.state == JobState::kFailed);
    CHECK(failed.exit_code == 4);
    CHECK(failed.error == "no such unit");
    auto baseline = outcome_of(Error{"fails unhardened", ErrorKind::kBaselineFailed}, false, probe);
    CHECK(baseline.exit_code == 5);
    auto cancelled = outcome_of(Error{"bus call interrupted", ErrorKind::kSystemd}, true, probe);
    CHECK(cancelled.state == JobState::kCancelled);
    CHECK(cancelled.exit_code == 130);
    RunReport report;
    report.unit = "x.service";
    report.before.tenths = 96;
    report.after.tenths = 12;
    auto done = outcome_of(report, false, probe);
    CHECK(done.state == JobState::kDone);
    CHECK(done.exit_code == 0);
    CHECK(done.exposure_before == doctest::Approx(9.6));
    CHECK(done.dropin.find("[Service]") != std::string::npos);
    CHECK(done.result.find("\"x.service\"") != std::string::npos);
  }
}

}  // namespace
