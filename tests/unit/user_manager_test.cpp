// Runs under a user manager (--user) against the fakes: options the catalogue knows a user
// manager cannot carry out are skipped up front, a copy failing at such a step is "infeasible"
// (not retried, not the service's need), PrivateUsers=yes goes first as the enabler, and what
// the manager does not enforce is listed, never kept. Also the ManagerTarget value type.
#include <doctest/doctest.h>

#include <algorithm>

#include "fake_clock.hpp"
#include "fake_probe_runner.hpp"
#include "fake_systemd_client.hpp"
#include "harden_bisect/manager_target.hpp"
#include "harden_bisect/run_driver.hpp"
#include "harden_bisect/unit_snapshot.hpp"
#include "harden_bisect/verdict.hpp"
#include "temp_dir.hpp"

namespace {

using hb::UserManagerSupport;
using hb::VerdictKind;
using hb::testing::FakeClock;
using hb::testing::FakeProbe;
using hb::testing::FakeProbeRunner;
using hb::testing::FakeSystemdClient;
using hb::testing::UnitScript;
using std::chrono::milliseconds;

hb::CatalogueOption option(std::string id, hb::Assignment a, UserManagerSupport support) {
  hb::CatalogueOption o;
  o.id = std::move(id);
  o.group = "process";
  o.rungs = {{a.key + "=" + a.value, {a}}};
  o.user_manager = support;
  o.why = "test";
  return o;
}

bool has(const hb::PropertyList& props, const std::string& name) {
  return std::any_of(props.begin(), props.end(),
                     [&](const hb::Property& p) { return p.name == name; });
}

bool mentions(const std::vector<std::string>& candidates, const std::string& what) {
  return std::any_of(candidates.begin(), candidates.end(),
                     [&](const std::string& c) { return c.find(what) != std::string::npos; });
}

template <class T>
std::vector<std::string> ids(const std::vector<T>& list) {
  std::vector<std::string> out;
  for (const auto& x : list) out.push_back(x.id);
  return out;
}

// "mail.service" of a user manager, as measured on systemd 252: a copy that drops capabilities
// without PrivateUsers=yes fails 218/CAPABILITIES, RestrictSUIDSGID= here fails 213/SECUREBITS (the
// catalogue here does not know it), everything else runs.
struct UserBench {
  hb::testing::TempDir dir;
  FakeClock clock;
  FakeSystemdClient systemd{clock};
  FakeProbeRunner probes{clock};
  hb::RunConfig config;
  hb::Catalogue catalogue;
  bool fails_with_private_users = false;

  UserBench() {
    systemd.add_unit({"mail.service", "loaded", "", "inactive", "dead", "/x", {}, {}},
                     {{"Nice", "VARIANT \"i\" { INT32 0; };"}});
    systemd.known_properties({"NoNewPrivileges", "DynamicUser", "CapabilityBoundingSet",
                              "PrivateUsers", "ProtectProc", "RestrictSUIDSGID"});
    catalogue.options = {
        option("NoNewPrivileges", {"NoNewPrivileges", "yes"}, UserManagerSupport::kWorks),
        option("DynamicUser", {"DynamicUser", "yes"}, UserManagerSupport::kFails),
        option("CapabilityBoundingSet=~CAP_SYS_ADMIN", {"CapabilityBoundingSet", "~CAP_SYS_ADMIN"},
               UserManagerSupport::kNeedsPrivateUsers),
        option("ProtectProc", {"ProtectProc", "invisible"}, UserManagerSupport::kNotEnforced),
        option("PrivateUsers", {"PrivateUsers", "yes"}, UserManagerSupport::kWorks)};
    config.unit = "mail.service";
    config.probes = {{"/usr/bin/probe"}};
    config.state_directory = dir.str();
    config.timing.settle = milliseconds(0);
    config.manager.scope = hb::ManagerScope::kUser;
    systemd.script_copies([](const std::string&, const hb::PropertyList& props) {
      if (has(props, "CapabilityBoundingSet") && !has(props, "PrivateUsers"))
        return UnitScript::dies_at(milliseconds(0), "exit-code", 218);
      if (has(props, "RestrictSUIDSGID"))
        return UnitScript::dies_at(milliseconds(0), "exit-code", 213);
      return UnitScript::running();
    });
    probes.respond([this](const hb::ProbeSpec& spec) {
      auto copy = FakeProbeRunner::env_of(spec, "HB_COPY");
      REQUIRE(copy.has_value());
      const bool broken =
          fails_with_private_users && has(systemd.properties_of(*copy), "PrivateUsers");
      return broken ? FakeProbe::exits(1, "cannot read the maildir") : FakeProbe::passes();
    });
  }

  hb::Result<hb::RunReport> run() {
    return hb::run_hardening(config, catalogue,
                             {systemd, probes, &systemd.journal, nullptr, nullptr, &clock});
  }

  // Copies started with the D-Bus property `name`.
  std::size_t copies_with(const std::string& name) const {
    std::size_t n = 0;
    for (const auto& copy : systemd.started_copies()) n += has(systemd.properties_of(copy), name);
    return n;
  }
};

hb::Verdict start_failed(std::string result, int code, int status) {
  hb::Verdict v;
  v.kind = VerdictKind::kStartFailed;
  v.evidence.unit_result = std::move(result);
  v.evidence.exec_main_code = code;
  v.evidence.exec_main_status = status;
  v.evidence.summary = "copy died";
  return v;
}

}  // namespace

TEST_SUITE("user-manager") {
  TEST_CASE("exec steps a user manager cannot carry out are infeasible, and never ambiguous") {
    for (int status : {210, 213, 216, 217, 218, 226}) {
      auto v = hb::classify_under_user_manager(start_failed("exit-code", 1, status));
      CHECK(v.kind == VerdictKind::kInfeasible);
      CHECK_FALSE(hb::is_ambiguous(v));
    }
    auto v = hb::classify_under_user_manager(start_failed("exit-code", 1, 218));
    CHECK(v.evidence.summary ==
          "the user manager cannot carry out step 218/CAPABILITIES (not a need of the service): "
          "copy died");
    CHECK(std::string(hb::to_string(VerdictKind::kInfeasible)) == "infeasible");
  }

  TEST_CASE("the service's own failures stay what they are under a user manager") {
    CHECK(hb::classify_under_user_manager(start_failed("exit-code", 1, 1)).kind ==
          VerdictKind::kStartFailed);
    CHECK(hb::classify_under_user_manager(start_failed("signal", 2, 31)).kind ==
          VerdictKind::kStartFailed);  // SIGSYS: the seccomp filter, which a user manager does load
    CHECK(hb::classify_under_user_manager(start_failed("timeout", 0, 0)).kind ==
          VerdictKind::kStartFailed);
    hb::Verdict pass;
    CHECK(hb::classify_under_user_manager(pass).kind == VerdictKind::kPass);
    CHECK(hb::infeasible_step(start_failed("exit-code", 1, 216).evidence) == "216/GROUP");
    CHECK(hb::infeasible_step(start_failed("exit-code", 1, 203).evidence).empty());  // EXEC
  }

  TEST_CASE("options the catalogue marks as failing are skipped up front and never started") {
    UserBench b;
    auto report = b.run();
    REQUIRE(report.ok());
    auto skipped = std::find_if(report->skipped.begin(), report->skipped.end(),
                                [](const hb::SkippedOption& s) { return s.id == "DynamicUser"; });
    REQUIRE(skipped != report->skipped.end());
    CHECK(skipped->reason.starts_with("infeasible under this manager"));
    CHECK(b.copies_with("DynamicUser") == 0);
    CHECK(report->user_manager);
  }

  TEST_CASE("the same catalogue under the system manager tries every option") {
    UserBench b;
    b.config.manager = {};
    auto report = b.run();
    REQUIRE(report.ok());
    CHECK(b.copies_with("DynamicUser") > 0);
    CHECK(report->unenforced.empty());
    CHECK_FALSE(report->after_enforced.has_value());
  }

  TEST_CASE("PrivateUsers=yes is tried first and carried by every later trial when it passes") {
    UserBench b;
    auto report = b.run();
    REQUIRE(report.ok());
    REQUIRE_FALSE(report->trials.empty());
    CHECK(report->trials.front().candidates == std::vector<std::string>{"PrivateUsers=yes"});
    for (const auto& t : report->trials) CHECK(mentions(t.candidates, "PrivateUsers=yes"));
    auto kept = ids(report->kept);
    CHECK(std::find(kept.begin(), kept.end(), "PrivateUsers") != kept.end());
    CHECK(std::find(kept.begin(), kept.end(), "CapabilityBoundingSet=~CAP_SYS_ADMIN") !=
          kept.end());
    CHECK(report->rejected.empty());  // with the enabler, nothing failed 218
  }

  TEST_CASE("what a user manager does not enforce is listed, never tried and never kept") {
    UserBench b;
    auto report = b.run();
    REQUIRE(report.ok());
    CHECK(ids(report->unenforced) == std::vector<std::string>{"ProtectProc"});
    CHECK(b.copies_with("ProtectProc") == 0);
    REQUIRE(report->after_enforced.has_value());
    REQUIRE(report->before_enforced.has_value());
  }

  TEST_CASE("when the service fails with PrivateUsers=yes, what it would enable is unenforced") {
    UserBench b;
    b.fails_with_private_users = true;
    auto report = b.run();
    REQUIRE(report.ok());
    CHECK(ids(report->kept) == std::vector<std::string>{"NoNewPrivileges"});
    CHECK(ids(report->rejected) == std::vector<std::string>{"PrivateUsers"});
    CHECK(ids(report->unenforced) ==
          std::vector<std::string>{"ProtectProc", "CapabilityBoundingSet=~CAP_SYS_ADMIN"});
    CHECK(report->unenforced.back().reason.find("PrivateUsers=yes") != std::string::npos);
    CHECK(b.copies_with("CapabilityBoundingSet") == 0);  // never searched without its enabler
  }

  TEST_CASE("a step failure the catalogue did not predict is infeasible and is not retried") {
    UserBench b;
    b.catalogue.options.push_back(
        option("RestrictSUIDSGID", {"RestrictSUIDSGID", "yes"}, UserManagerSupport::kWorks));
    b.config.search.retries = 3;
    auto report = b.run();
    REQUIRE(report.ok());
    REQUIRE(ids(report->rejected) == std::vector<std::string>{"RestrictSUIDSGID"});
    CHECK(report->rejected[0].verdict.kind == VerdictKind::kInfeasible);
    CHECK(report->rejected[0].why == "infeasible under this manager");
    // Each set with it was started once: a failure that repeats is believed.
    std::vector<std::vector<std::string>> infeasible_sets;
    for (const auto& t : report->trials) {
      if (t.verdict.kind == VerdictKind::kInfeasible) infeasible_sets.push_back(t.candidates);
    }
    CHECK_FALSE(infeasible_sets.empty());
    std::sort(infeasible_sets.begin(), infeasible_sets.end());
    CHECK(std::adjacent_find(infeasible_sets.begin(), infeasible_sets.end()) ==
          infeasible_sets.end());
  }

  TEST_CASE("a user unit's WorkingDirectory=!HOME is copied as -HOME, the form systemd takes") {
    UserBench b;
    b.systemd.unit_properties("mail.service", {{"WorkingDirectory", std::string("!/home/mail")}});
    auto snapshot = hb::snapshot_unit(b.systemd, "mail.service");
    REQUIRE(snapshot.ok());
    auto it = std::find_if(snapshot->copy.begin(), snapshot->copy.end(),
                           [](const hb::Property& p) { return p.name == "WorkingDirectory"; });
    REQUIRE(it != snapshot->copy.end());
    CHECK(std::get<std::string>(it->value) == "-/home/mail");
  }

  TEST_CASE("under the system manager the same step failure is the service's start failure") {
    UserBench b;
    b.config.manager = {};
    b.catalogue.options = {
        option("RestrictSUIDSGID", {"RestrictSUIDSGID", "yes"}, UserManagerSupport::kWorks)};
    auto report = b.run();
    REQUIRE(report.ok());
    REQUIRE(report->rejected.size() == 1);
    CHECK(report->rejected[0].verdict.kind == VerdictKind::kStartFailed);
  }
}

TEST_SUITE("user-manager") {
  TEST_CASE("--user, -M and -H make a manager target the way systemctl reads them") {
    auto local = hb::make_manager_target(true, "", "");
    REQUIRE(local.ok());
    CHECK(local->user());
    CHECK(local->transport == hb::BusTransport::kLocal);
    CHECK(hb::describe(*local) == "the user manager of the caller");

    auto other = hb::make_manager_target(true, "alice@.host", "");
    REQUIRE(other.ok());
    CHECK(other->transport == hb::BusTransport::kMachine);
    CHECK(hb::machine_user(*other) == "alice");
    CHECK(hb::describe(*other) == "the user manager of alice@.host");

    auto container = hb::make_manager_target(false, "web1", "");
    REQUIRE(container.ok());
    CHECK(hb::machine_user(*container).empty());
    CHECK(hb::describe(*container) == "the system manager of web1");

    auto remote = hb::make_manager_target(false, "", "root@example.org");
    REQUIRE(remote.ok());
    CHECK(remote->transport == hb::BusTransport::kRemote);
    CHECK(hb::describe(*remote) == "the system manager of host root@example.org");

    CHECK(hb::describe(*hb::make_manager_target(false, "", "")) == "the system manager");
  }

  TEST_CASE("combinations systemctl refuses are usage errors") {
    for (auto [user, machine, host] :
         {std::tuple{false, "web1", "example.org"}, std::tuple{true, "", "example.org"},
          std::tuple{false, "alice@.host", ""}, std::tuple{true, "@.host", ""},
          std::tuple{true, "alice@", ""}, std::tuple{false, "", "root@"}}) {
      auto target = hb::make_manager_target(user, machine, host);
      REQUIRE_FALSE(target.ok());
      CHECK(target.error().kind == hb::ErrorKind::kUsage);
    }
  }
}
