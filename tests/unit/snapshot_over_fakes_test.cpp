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
}

}  // namespace
