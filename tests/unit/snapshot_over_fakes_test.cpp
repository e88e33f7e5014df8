// snapshot_unit against a scripted manager: which units it refuses, and what it keeps.
#include <doctest/doctest.h>

#include "fake_clock.hpp"
#include "fake_systemd_client.hpp"
#include "harden_bisect/unit_snapshot.hpp"

namespace {

using hb::testing::FakeClock;
using hb::testing::FakeSystemdClient;
using hb::testing::SystemdMethod;

hb::UnitInfo info(std::string load_state, std::string load_error = "") {
  hb::UnitInfo i;
  i.id = "web.service";
  i.load_state = std::move(load_state);
  i.load_error = std::move(load_error);
  i.active_state = "inactive";
  return i;
}

TEST_SUITE("snapshot") {
  TEST_CASE("missing, masked and broken units are refused as unusable, naming why") {
    FakeClock clock;
    FakeSystemdClient systemd(clock);
    auto missing = hb::snapshot_unit(systemd, "web.service");
    REQUIRE_FALSE(missing.ok());
    CHECK(missing.error().message == "unit web.service not found");
    systemd.add_unit(info("masked"));
    CHECK(hb::snapshot_unit(systemd, "web.service").error().message ==
          "unit web.service is masked");
    systemd.add_unit(info("bad-setting", "Unit configuration has fatal error"));
    CHECK(hb::snapshot_unit(systemd, "web.service").error().message ==
          "unit web.service failed to load (bad-setting): Unit configuration has fatal error");
    systemd.add_unit(info("error"));
    CHECK(hb::snapshot_unit(systemd, "web.service").error().message ==
          "unit web.service failed to load (error)");
    CHECK_FALSE(hb::snapshot_unit(systemd, "web").ok());  // checked before asking systemd
  }

  TEST_CASE("the copy keeps settings, drops empty values and a disabled watchdog") {
    FakeClock clock;
    FakeSystemdClient systemd(clock);
    systemd.add_unit(info("loaded"));
    systemd.unit_properties("web.service", {{"Type", std::string("oneshot")},
                                            {"RemainAfterExit", true},
                                            {"PIDFile", std::string()},
                                            {"WatchdogUSec", uint64_t{0}},
                                            {"UMask", uint32_t{0022}},
                                            {"Id", std::string("web.service")}});
    auto snap = hb::snapshot_unit(systemd, "web.service");
    REQUIRE(snap.ok());
    CHECK(snap->type == "oneshot");
    std::vector<std::string> copied;
    for (const auto& p : snap->copy) copied.push_back(p.name);
    CHECK(std::find(copied.begin(), copied.end(), "RemainAfterExit") != copied.end());
    CHECK(std::find(copied.begin(), copied.end(), "PIDFile") == copied.end());
    CHECK(std::find(copied.begin(), copied.end(), "WatchdogUSec") == copied.end());
    std::vector<std::string> scored;
    for (const auto& p : snap->security) scored.push_back(p.name);
    CHECK(std::find(scored.begin(), scored.end(), "UMask") != scored.end());
    CHECK(std::find(scored.begin(), scored.end(), "Id") != scored.end());  // unit level
  }

  TEST_CASE("a unit without Type= is simple; read errors are passed on") {
    FakeClock clock;
    FakeSystemdClient systemd(clock);
    systemd.add_unit(info("loaded"));
    auto snap = hb::snapshot_unit(systemd, "web.service");
    REQUIRE(snap.ok());
    CHECK(snap->type == "simple");
    for (int after = 0; after < 3; ++after) {
      CAPTURE(after);
      systemd.fail(SystemdMethod::kReadProperties, hb::testing::fake_bus_error("denied"), 1, after);
      auto failed = hb::snapshot_unit(systemd, "web.service");
      REQUIRE_FALSE(failed.ok());
      CHECK(failed.error().message == "denied");
    }
    systemd.fail(SystemdMethod::kLoadUnit, hb::testing::fake_bus_error("no bus"));
    CHECK(hb::snapshot_unit(systemd, "web.service").error().message == "no bus");
  }
  TEST_CASE("a socket of the same name, or one in TriggeredBy=, is named in the refusal") {
    FakeClock clock;
    FakeSystemdClient systemd(clock);
    auto web = info("loaded");
    web.triggered_by = {"web-admin.socket", "web.path"};
    systemd.add_unit(web);
    auto refused = hb::snapshot_unit(systemd, "web.service");
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.error().kind == hb::ErrorKind::kUnitUnusable);
    CHECK(refused.error().message.find("socket-activated by web-admin.socket") !=
          std::string::npos);
    web.triggered_by = {"web.path"};  // a path unit is no reason to refuse
    systemd.add_unit(web);
    CHECK(hb::snapshot_unit(systemd, "web.service").ok());
    hb::UnitInfo socket = info("loaded");
    socket.id = "web.socket";
    systemd.add_unit(socket);  // loaded, even though TriggeredBy= does not name it yet
    CHECK(hb::snapshot_unit(systemd, "web.service").error().message.find("by web.socket") !=
          std::string::npos);
  }

  TEST_CASE("settings carried as they are go to the copy only when the unit sets them") {
    FakeClock clock;
    FakeSystemdClient systemd(clock);
    const hb::OpaqueValue custom{"(aiai)", "STRUCT { ARRAY [ INT32 75; ]; ARRAY [ ]; }", nullptr};
    systemd.add_unit(
        info("loaded"),
        {{"SuccessExitStatus", custom.text}, {"SyslogLevel", "INT32 6;"}, {"Nonexistent", "x"}});
    systemd.unit_properties("web.service", {{"SuccessExitStatus", custom},
                                            {"SyslogLevel", hb::OpaqueValue{"i", "INT32 6;", {}}}});
    auto copied = [&]() {
      auto snap = hb::snapshot_unit(systemd, "web.service");
      REQUIRE(snap.ok());
      std::vector<std::string> names;
      for (const auto& p : snap->copy) names.push_back(p.name);
      return names;
    };
    auto has = [](const std::vector<std::string>& names, const char* name) {
      return std::find(names.begin(), names.end(), name) != names.end();
    };
    // No defaults reference readable: nothing tells what the unit set, so none is carried.
    CHECK_FALSE(has(copied(), "SuccessExitStatus"));
    auto reference = info("loaded");
    reference.id = "harden-bisect-defaults-reference.service";
    systemd.add_unit(reference, {{"SuccessExitStatus", "STRUCT { ARRAY [ ]; ARRAY [ ]; }"},
                                 {"SyslogLevel", "INT32 6;"}});
    auto names = copied();
    CHECK(has(names, "SuccessExitStatus"));  // differs from the defaults
    CHECK_FALSE(has(names, "SyslogLevel"));  // reads as on a unit that sets nothing
    systemd.fail(SystemdMethod::kDumpProperties, hb::testing::fake_bus_error("denied"));
    CHECK(hb::snapshot_unit(systemd, "web.service").error().message == "denied");
  }

  TEST_CASE("implied DeviceAllow= entries of ProtectClock= and RootImage= are not sent") {
    hb::PropertyList copy = {{"ProtectClock", true},
                             {"RootImage", std::string("/srv/image.raw")},
                             {"DeviceAllow", hb::StringPairs{{"char-rtc", "r"},
                                                             {"/dev/loop-control", "rw"},
                                                             {"block-loop", "rwm"},
                                                             {"/dev/dri", "rw"}}}};
    hb::strip_implied_entries(copy);
    REQUIRE(copy.size() == 3);
    CHECK(std::get<hb::StringPairs>(copy[2].value) == hb::StringPairs{{"/dev/dri", "rw"}});
    hb::PropertyList only_implied = {{"ProtectClock", true},
                                     {"DeviceAllow", hb::StringPairs{{"char-rtc", "r"}}}};
    hb::strip_implied_entries(only_implied);
    CHECK(only_implied.size() == 1);  // an empty DeviceAllow= would reset the list: left out
    hb::PropertyList not_implied = {{"ProtectClock", false},
                                    {"DeviceAllow", hb::StringPairs{{"char-rtc", "r"}}}};
    hb::strip_implied_entries(not_implied);
    CHECK(not_implied.size() == 2);
  }
}

}  // namespace
