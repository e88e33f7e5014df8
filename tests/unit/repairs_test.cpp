// Repair rungs: what they are derived from (src/run/repairs.hpp), that the search tries a weaker
// rung only when the gate lets it, and, over the fakes, that a repair is tried only after the
// strong option failed and kept only when the probe passes.
#include "../../src/run/repairs.hpp"

#include <doctest/doctest.h>

#include <algorithm>

#include "fake_clock.hpp"
#include "fake_probe_runner.hpp"
#include "fake_service.hpp"
#include "fake_systemd_client.hpp"
#include "harden_bisect/assignment.hpp"
#include "harden_bisect/capabilities.hpp"
#include "harden_bisect/catalogue.hpp"
#include "harden_bisect/report_writers.hpp"
#include "harden_bisect/run_driver.hpp"
#include "temp_dir.hpp"

namespace {

using hb::Assignment;
using hb::RepairKind;
constexpr auto kWorks = hb::UserManagerSupport::kWorks;
using hb::testing::FakeClock;
using hb::testing::FakeProbe;
using hb::testing::FakeProbeRunner;
using hb::testing::FakeSystemdClient;

hb::Verdict failing(std::string output, std::vector<std::string> journal = {}) {
  hb::Verdict v;
  v.kind = hb::VerdictKind::kFail;
  v.evidence.summary = "probe exited 1";
  v.evidence.probe_output_tail = std::move(output);
  v.evidence.journal = std::move(journal);
  return v;
}

const hb::Property* find(const hb::PropertyList& props, std::string_view name) {
  auto it = std::find_if(props.begin(), props.end(),
                         [&](const hb::Property& p) { return p.name == name; });
  return it == props.end() ? nullptr : &*it;
}

bool has_word(const hb::PropertyList& props, std::string_view name, std::string_view word) {
  const auto* p = find(props, name);
  if (!p) return false;
  const auto* list = std::get_if<std::vector<std::string>>(&p->value);
  return list && std::find(list->begin(), list->end(), word) != list->end();
}

bool is_yes(const hb::PropertyList& props, std::string_view name) {
  const auto* p = find(props, name);
  return p && std::holds_alternative<bool>(p->value) && std::get<bool>(p->value);
}

std::string text(const std::vector<Assignment>& as) {
  std::string out;
  for (const auto& a : as) out += (out.empty() ? "" : " | ") + a.key + "=" + a.value;
  return out;
}

// A root service that writes /var/lib/web itself: ProtectSystem=strict breaks it unless
// StateDirectory=web (or its own directory) is writable. `needs_port` adds a low port: it needs
// CAP_NET_BIND_SERVICE in its bounding set and, as a non-root user, as an ambient capability.
struct Bench {
  hb::testing::TempDir dir;
  FakeClock clock;
  FakeSystemdClient systemd{clock};
  FakeProbeRunner probes{clock};
  hb::RunConfig config;
  hb::Catalogue catalogue;
  bool repair_works = true;  // false: strict breaks the service whatever is added
  bool needs_port = false;
  bool writes_state = true;
  std::vector<hb::PropertyList> probed;  // the properties of every copy probed

  Bench() {
    systemd.add_unit({"web.service", "loaded", "", "inactive", "dead", "/x", {}, {}},
                     {{"Nice", "VARIANT \"i\" { INT32 0; };"}});
    systemd.known_properties({"ProtectSystem", "StateDirectory", "NoNewPrivileges", "DynamicUser",
                              "AmbientCapabilities", "CapabilityBoundingSet", "ReadWritePaths"});
    auto rung = [](std::string k, std::string v, RepairKind repair = RepairKind::kNone) {
      return hb::Rung{k + "=" + v, {{k, v}}, repair};
    };
    catalogue.options = {
        {"DynamicUser",
         "identity",
         {rung("DynamicUser", "yes"), rung("DynamicUser", "yes", RepairKind::kIdentity)},
         {},
         0.6,
         kWorks,
         "test"},
        {"ProtectSystem",
         "filesystem",
         {rung("ProtectSystem", "strict"),
          rung("ProtectSystem", "strict", RepairKind::kWritablePaths),
          rung("ProtectSystem", "full")},
         {},
         0.4,
         kWorks,
         "test"},
        {"CapabilityBoundingSet=~CAP_NET_BIND_SERVICE",
         "capabilities",
         {rung("CapabilityBoundingSet", "~CAP_NET_BIND_SERVICE")},
         {},
         0.05,
         kWorks,
         "test"},
        {"NoNewPrivileges", "process", {rung("NoNewPrivileges", "yes")}, {}, 0.1, kWorks, "test"}};
    config.unit = "web.service";
    config.probes = {{"/usr/bin/probe"}};
    config.state_directory = dir.str();
    config.trace = false;
    config.timing.settle = std::chrono::milliseconds(0);
    probes.respond([this](const hb::ProbeSpec& spec) {
      const auto& props = systemd.properties_of(*FakeProbeRunner::env_of(spec, "HB_COPY"));
      probed.push_back(props);
      return health(props);
    });
  }

  FakeProbe health(const hb::PropertyList& props) const {
    const auto* protect = find(props, "ProtectSystem");
    const bool strict = (protect && std::get<std::string>(protect->value) == "strict") ||
                        is_yes(props, "DynamicUser");
    if (writes_state && strict && !(repair_works && has_word(props, "StateDirectory", "web"))) {
      return FakeProbe::exits(1,
                              "FAIL: HTTP 500: cannot write /var/lib/web/state: [Errno 30] "
                              "Read-only file system: '/var/lib/web/state'");
    }
    if (!needs_port) return FakeProbe::passes();
    const uint64_t bind = uint64_t{1} << *hb::capability_number("CAP_NET_BIND_SERVICE");
    const auto* bounding = find(props, "CapabilityBoundingSet");
    const auto* ambient = find(props, "AmbientCapabilities");
    const bool bounded = bounding && (std::get<uint64_t>(bounding->value) & bind) == 0;
    const bool unprivileged = is_yes(props, "DynamicUser");
    const bool granted = ambient && (std::get<uint64_t>(ambient->value) & bind) != 0;
    if (bounded || (unprivileged && !granted)) return FakeProbe::exits(1, "bind: EACCES");
    return FakeProbe::passes();
  }

  hb::RunReport run() {
    auto report = hb::run_hardening(config, catalogue,
                                    {systemd, probes, &systemd.journal, nullptr, nullptr, &clock});
    REQUIRE(report.ok());
    return *report;
  }

  const hb::KeptOption* kept(std::string_view id, const hb::RunReport& r) const {
    for (const auto& k : r.kept)
      if (k.id == id) return &k;
    return nullptr;
  }

  std::size_t copies_with_state_directory() const {
    return std::count_if(probed.begin(), probed.end(), [](const hb::PropertyList& p) {
      return has_word(p, "StateDirectory", "web");
    });
  }
};

}  // namespace

TEST_SUITE("repairs") {
  TEST_CASE("paths a failing trial could not write come from its EROFS lines only") {
    auto v = failing(
        "FAIL: http://127.0.0.1:18103/: HTTP 500: cannot write /var/lib/app/log.txt: [Errno 30] "
        "Read-only file system: '/var/lib/app/log.txt'\nother /etc/shadow line",
        {"mkdir: cannot create directory '/srv/data': Read-only file system",
         "open(/etc/passwd): Permission denied"});
    CHECK(hb::repairs::unwritable_paths(v) ==
          std::vector<std::string>{"/var/lib/app/log.txt", "/srv/data"});
    CHECK(hb::repairs::unwritable_paths(failing("Permission denied: '/var/lib/x'")).empty());
  }

  TEST_CASE("writable paths: managed directories by their root, ReadWritePaths= for the rest") {
    hb::repairs::Evidence e;
    e.unwritable_paths = {"/var/lib/app/db/x",
                          "/var/lib/app/y",
                          "/var/log/app/a.log",
                          "/var/cache/app",
                          "/run/app/pid",
                          "/srv/data/file",
                          "/tmp/x",
                          "/home/u/f",
                          "/proc/sys/net/x"};
    auto r = hb::repairs::repair(RepairKind::kWritablePaths, {{"ProtectSystem", "strict"}}, e);
    REQUIRE(r.has_value());
    CHECK(text(r->grants) ==
          "StateDirectory=app | LogsDirectory=app | CacheDirectory=app | RuntimeDirectory=app | "
          "ReadWritePaths=-/srv/data/file");
    CHECK(text(r->assignments) == "ProtectSystem=strict | " + text(r->grants));
    for (const auto& a : r->assignments) CHECK(hb::parse_assignment(a).ok());
    e.unwritable_paths = {"/tmp/x", "/dev/shm/y"};
    CHECK_FALSE(hb::repairs::repair(RepairKind::kWritablePaths, {}, e).has_value());
  }

  TEST_CASE("ambient capabilities: exactly those whose drop from the bounding set failed") {
    auto caps =
        hb::repairs::needed_capabilities({{{"CapabilityBoundingSet", "~CAP_NET_BIND_SERVICE"}},
                                          {{"PrivateUsers", "yes"}},
                                          {{"CapabilityBoundingSet", "~CAP_NET_RAW"}}});
    CHECK(caps == std::vector<std::string>{"CAP_NET_BIND_SERVICE", "CAP_NET_RAW"});
    hb::repairs::Evidence e;
    e.needed_capabilities = caps;
    auto r = hb::repairs::repair(RepairKind::kIdentity, {{"DynamicUser", "yes"}}, e);
    REQUIRE(r.has_value());
    CHECK(text(r->assignments) ==
          "DynamicUser=yes | AmbientCapabilities=CAP_NET_BIND_SERVICE CAP_NET_RAW");
    CHECK(hb::parse_assignment(r->grants[0]).ok());
    CHECK_FALSE(
        hb::repairs::repair(RepairKind::kIdentity, {{"DynamicUser", "yes"}}, {}).has_value());
  }

  TEST_CASE("syscall groups: the allow list plus the groups of observed calls it lacks") {
    hb::repairs::Evidence e;
    e.observed_syscalls = {"read", "write", "clock_settime", "openat"};
    auto r = hb::repairs::repair(RepairKind::kSyscallGroups,
                                 {{"SystemCallFilter", "@system-service"}}, e);
    REQUIRE(r.has_value());
    CHECK(text(r->assignments) == "SystemCallFilter=@system-service @clock");
    CHECK(text(r->grants) == "SystemCallFilter=@clock");
    e.observed_syscalls = {"read", "write"};
    CHECK_FALSE(hb::repairs::repair(RepairKind::kSyscallGroups,
                                    {{"SystemCallFilter", "@system-service"}}, e)
                    .has_value());
  }

  TEST_CASE("a grant is merged and sent, never counted as weakening") {
    hb::PropertyList unit = {{"StateDirectory", std::vector<std::string>{"other"}}};
    CHECK(hb::assess(unit, {{"ProtectSystem", "strict"}, {"StateDirectory", "web"}}) ==
          hb::Applicability::kStrengthens);
    auto props = hb::apply_assignments(unit, {{"ProtectSystem", "strict"},
                                              {"StateDirectory", "web"},
                                              {"AmbientCapabilities", "CAP_NET_BIND_SERVICE"}});
    REQUIRE(props.ok());
    CHECK(has_word(*props, "StateDirectory", "other"));
    CHECK(has_word(*props, "StateDirectory", "web"));
    CHECK(std::get<uint64_t>(find(*props, "AmbientCapabilities")->value) ==
          uint64_t{1} << *hb::capability_number("CAP_NET_BIND_SERVICE"));
    CHECK_FALSE(hb::parse_assignment({"AmbientCapabilities", "~CAP_NET_RAW"}).ok());
    CHECK_FALSE(hb::parse_assignment({"StateDirectory", "/abs"}).ok());
    CHECK_FALSE(hb::parse_assignment({"ReadWritePaths", "relative"}).ok());
  }

  TEST_CASE("the search tries a weaker rung only if the gate lets it") {
    hb::testing::FakeService service;
    service.breaks(0, 0).breaks(0, 1);  // rungs 0 and 1 break; rung 2 works
    std::vector<hb::SearchItem> items = {{"a", 3, 0.1, 1.0}, {"b", 1, 0.1, 1.0}};
    std::vector<hb::Candidate> asked;
    hb::RungGate refuse_1 = [&](hb::Candidate c, const std::vector<hb::Rejection>& rejected) {
      asked.push_back(c);
      CHECK_FALSE(rejected.empty());  // asked only after the stronger rung was rejected
      return c.rung != 1;
    };
    auto result = hb::run_search(items, service, {}, {}, {}, refuse_1);
    CHECK(asked == std::vector<hb::Candidate>{{0, 1}, {0, 2}});
    REQUIRE(result.kept.size() == 2);
    CHECK(result.kept[0] == hb::Candidate{0, 2});
    REQUIRE(result.rejected.size() == 1);  // rung 1 was never tried
    CHECK(result.rejected[0].candidate == hb::Candidate{0, 0});
  }

  TEST_CASE("ProtectSystem=strict and DynamicUser=yes are kept through StateDirectory=") {
    Bench b;
    b.config.check_maximal = true;
    auto report = b.run();
    const auto* k = b.kept("ProtectSystem", report);
    REQUIRE(k != nullptr);
    CHECK(k->rung == "ProtectSystem=strict + StateDirectory=web");
    CHECK(text(k->repairs) == "StateDirectory=web");
    REQUIRE(b.kept("DynamicUser", report) != nullptr);
    CHECK(b.kept("DynamicUser", report)->rung == "DynamicUser=yes + StateDirectory=web");
    CHECK(std::any_of(report.rejected.begin(), report.rejected.end(), [](const auto& r) {
      return r.id == "ProtectSystem" && r.rung == "ProtectSystem=strict" && r.repairs.empty();
    }));
    // The rejected strong rungs are in the final set with their grants: their own failures
    // are their maximality evidence (adding them back would only repeat the final set).
    for (const auto& r : report.rejected) {
      REQUIRE(r.maximality.has_value());
      CHECK_FALSE(r.maximality->passed());
    }
    CHECK(report.confirmed);
    auto dropin = hb::render_dropin_file(report, {});
    CHECK(dropin.find("StateDirectory=web\n") != std::string::npos);
    CHECK(dropin.find("# Repairs: StateDirectory=web") != std::string::npos);
    // One StateDirectory= line, attributed to the first repair that grants it.
    CHECK(dropin.find("# REPAIR for DynamicUser=yes: adds access back") != std::string::npos);
  }

  TEST_CASE("a repair is not tried when the strong option passes") {
    Bench b;
    b.catalogue.options.erase(b.catalogue.options.begin());  // no DynamicUser
    b.probes.respond([&](const hb::ProbeSpec& spec) {
      b.probed.push_back(b.systemd.properties_of(*FakeProbeRunner::env_of(spec, "HB_COPY")));
      return FakeProbe::passes();
    });
    auto report = b.run();
    REQUIRE(b.kept("ProtectSystem", report) != nullptr);
    CHECK(b.kept("ProtectSystem", report)->rung == "ProtectSystem=strict");
    CHECK(b.copies_with_state_directory() == 0);
  }

  TEST_CASE("a repair that fails its probe is rejected, and the weaker rung is kept") {
    Bench b;
    b.repair_works = false;
    auto report = b.run();
    CHECK(b.kept("DynamicUser", report) == nullptr);
    REQUIRE(b.kept("ProtectSystem", report) != nullptr);
    CHECK(b.kept("ProtectSystem", report)->rung == "ProtectSystem=full");
    CHECK(b.kept("ProtectSystem", report)->repairs.empty());
    CHECK(std::any_of(report.rejected.begin(), report.rejected.end(), [](const auto& r) {
      return r.rung == "ProtectSystem=strict + StateDirectory=web" &&
             text(r.repairs) == "StateDirectory=web";
    }));
    CHECK(b.copies_with_state_directory() > 0);
  }

  TEST_CASE("--no-repairs never tries a repair and ends at the weaker rung") {
    Bench b;
    b.config.repairs = false;
    auto report = b.run();
    CHECK(b.kept("ProtectSystem", report)->rung == "ProtectSystem=full");
    CHECK(b.copies_with_state_directory() == 0);
    CHECK(b.kept("DynamicUser", report) == nullptr);
  }

  TEST_CASE("a non-root identity keeps exactly the capabilities proven needed, as ambient ones") {
    Bench b;
    b.needs_port = true;
    b.writes_state = false;
    auto report = b.run();
    const auto* k = b.kept("DynamicUser", report);
    REQUIRE(k != nullptr);
    CHECK(k->rung == "DynamicUser=yes + AmbientCapabilities=CAP_NET_BIND_SERVICE");
    CHECK(text(k->repairs) == "AmbientCapabilities=CAP_NET_BIND_SERVICE");
    CHECK(b.kept("CapabilityBoundingSet=~CAP_NET_BIND_SERVICE", report) == nullptr);
    CHECK(report.confirmed);
  }

  TEST_CASE("nothing to repair: the repair rung is not tried") {
    Bench b;  // DynamicUser=yes fails for a reason no grant repairs; nothing else fails
    b.probes.respond([&](const hb::ProbeSpec& spec) {
      const auto& props = b.systemd.properties_of(*FakeProbeRunner::env_of(spec, "HB_COPY"));
      b.probed.push_back(props);
      return is_yes(props, "DynamicUser") ? FakeProbe::exits(1, "getpwnam: no such user")
                                          : FakeProbe::passes();
    });
    auto report = b.run();
    CHECK(b.kept("DynamicUser", report) == nullptr);
    CHECK(b.kept("ProtectSystem", report)->rung == "ProtectSystem=strict");
    CHECK(std::none_of(b.probed.begin(), b.probed.end(), [](const hb::PropertyList& p) {
      const auto* ambient = find(p, "AmbientCapabilities");
      return has_word(p, "StateDirectory", "web") ||
             (ambient && std::get<uint64_t>(ambient->value) != 0);
    }));
    CHECK(std::none_of(report.rejected.begin(), report.rejected.end(),
                       [](const auto& r) { return !r.repairs.empty(); }));
  }
}

TEST_SUITE("repairs") {
  TEST_CASE("the catalogue reads repair rungs and refuses unknown or leading ones") {
    const char* good = R"(version: 1
options:
  - id: ProtectSystem
    group: filesystem
    rungs:
      - ProtectSystem=strict
      - {set: [ProtectSystem=strict], repair: writable-paths}
      - ProtectSystem=full
)";
    auto c = hb::parse_catalogue(good, "good.yaml");
    REQUIRE(c.ok());
    REQUIRE(c->options[0].rungs.size() == 3);
    CHECK(c->options[0].rungs[1].repair == RepairKind::kWritablePaths);
    CHECK(c->options[0].rungs[2].repair == RepairKind::kNone);
    std::string unknown = good;
    unknown.replace(unknown.find("writable-paths"), 14, "everything");
    auto bad = hb::parse_catalogue(unknown, "bad.yaml");
    REQUIRE_FALSE(bad.ok());
    CHECK(bad.error().message.find("unknown repair 'everything'") != std::string::npos);
    const char* leading = R"(version: 1
options:
  - id: DynamicUser
    group: identity
    rungs: [{set: [DynamicUser=yes], repair: identity}]
)";
    auto first = hb::parse_catalogue(leading, "leading.yaml");
    REQUIRE_FALSE(first.ok());
    CHECK(first.error().message.find("cannot be the first") != std::string::npos);
  }

  TEST_CASE("the builtin catalogue puts each repair right below the rung it repairs") {
    auto c = hb::load_catalogue(std::string(HB_SOURCE_DATADIR) + "/catalogue.yaml");
    REQUIRE(c.ok());
    auto repair_of = [&](std::string_view id) {
      const auto* o = c->find(id);
      REQUIRE(o != nullptr);
      REQUIRE(o->rungs.size() >= 2);
      CHECK(o->rungs[1].assignments == o->rungs[0].assignments);
      return o->rungs[1].repair;
    };
    CHECK(repair_of("ProtectSystem") == RepairKind::kWritablePaths);
    CHECK(repair_of("DynamicUser") == RepairKind::kIdentity);
    CHECK(repair_of("SystemCallFilter=@system-service") == RepairKind::kSyscallGroups);
  }
}
