// The systemd adapter against a real systemd (run inside tests/sandbox/with-sandbox.sh):
// transient copies with hardening properties start, are reachable, report failures, and stop.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include <chrono>
#include <thread>

#include "harden_bisect/probe_runner.hpp"
#include "harden_bisect/sdbus_systemd_client.hpp"

using namespace std::chrono_literals;

namespace {

hb::SystemdClient& client() {
  static auto connected = hb::connect_system_manager();
  REQUIRE_MESSAGE(connected.ok(), (connected.ok() ? "" : connected.error().message));
  return **connected;
}

hb::PropertyList python_server(int port) {
  return {
      {"Type", std::string("exec")},
      {"ExecStartEx", std::vector<hb::ExecCommand>{{"/usr/bin/python3",
                                                    {"/usr/bin/python3", "-m", "http.server",
                                                     std::to_string(port), "--bind", "127.0.0.1"},
                                                    {}}}},
  };
}

// Polls the server from the host until it answers or ~5 s pass.
bool reachable(int port) {
  hb::PosixProbeRunner runner;
  hb::ProbeSpec spec;
  spec.argv = {"/usr/bin/curl",
               "-sf",
               "-m",
               "1",
               "-o",
               "/dev/null",
               "http://127.0.0.1:" + std::to_string(port) + "/"};
  for (int i = 0; i < 50; ++i) {
    if (runner.run(spec).healthy()) return true;
    std::this_thread::sleep_for(100ms);
  }
  return false;
}

}  // namespace

TEST_CASE("a hardened transient service starts, answers a host probe and is stopped") {
  auto& systemd = client();
  auto props = python_server(18301);
  props.push_back({"NoNewPrivileges", true});
  props.push_back({"ProtectSystem", std::string("strict")});
  props.push_back({"CapabilityBoundingSet", uint64_t{0}});
  props.push_back({"RestrictAddressFamilies", hb::NameList{true, {"AF_INET", "AF_INET6"}}});
  auto started = systemd.start_transient("hb-adapter-ok.service", props, 10s);
  REQUIRE(started.ok());
  CHECK_FALSE(started->rejected);
  CHECK(started->job_result == "done");
  CHECK(reachable(18301));

  auto bset = systemd.read_properties("hb-adapter-ok.service", "org.freedesktop.systemd1.Service",
                                      {{"CapabilityBoundingSet", "t"}, {"ProtectSystem", "s"}});
  REQUIRE(bset.ok());
  REQUIRE(bset->size() == 2);
  CHECK(std::get<uint64_t>((*bset)[0].value) == 0);
  CHECK(std::get<std::string>((*bset)[1].value) == "strict");

  REQUIRE(systemd.stop("hb-adapter-ok.service", 10s).ok());
  auto after = systemd.status("hb-adapter-ok.service");
  REQUIRE(after.ok());
  CHECK(after->active_state == "inactive");
  CHECK_FALSE(reachable(18301) == true);
}

TEST_CASE("a port-80 server without CAP_NET_BIND_SERVICE fails and the adapter says why") {
  auto& systemd = client();
  auto props = python_server(80);
  props.push_back({"CapabilityBoundingSet", uint64_t{1} << 0});  // CAP_CHOWN only
  auto started = systemd.start_transient("hb-adapter-port80.service", props, 10s);
  REQUIRE(started.ok());
  // Type=exec: the job is done once exec succeeded; python then fails to bind and exits 1.
  hb::UnitStatus status;
  for (int i = 0; i < 100; ++i) {
    auto s = systemd.status("hb-adapter-port80.service");
    REQUIRE(s.ok());
    status = *s;
    if (status.active_state == "failed") break;
    std::this_thread::sleep_for(50ms);
  }
  CHECK(status.active_state == "failed");
  CHECK(status.result == "exit-code");
  CHECK(status.exec_main_code == 1);  // CLD_EXITED
  CHECK(status.exec_main_status == 1);
  CHECK(systemd.stop("hb-adapter-port80.service", 10s).ok());
}

TEST_CASE("systemd rejects an unknown property as data, not as an error") {
  auto props = python_server(18302);
  props.push_back({"ProtectFoo", true});
  auto started = client().start_transient("hb-adapter-bogus.service", props, 10s);
  REQUIRE(started.ok());
  CHECK(started->rejected);
  CHECK(started->rejection.find("ProtectFoo") != std::string::npos);
}

TEST_CASE("loading a missing unit reports not-found") {
  auto info = client().load_unit("hb-no-such-unit.service");
  REQUIRE(info.ok());
  CHECK(info->load_state == "not-found");
}

TEST_CASE("the manager's Version is read over the bus: the sandbox runs systemd 252") {
  auto version = client().manager_version();
  REQUIRE_MESSAGE(version.ok(), (version.ok() ? "" : version.error().message));
  CHECK(version->rfind("252", 0) == 0);
}
