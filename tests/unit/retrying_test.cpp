// The retrying SystemdClient decorator over a FakeSystemdClient that re-executes: retryable
// errors are repeated until the patience runs out (on the fake clock), others pass at once.
#include <doctest/doctest.h>

#include "fake_clock.hpp"
#include "fake_systemd_client.hpp"
#include "harden_bisect/retrying_systemd_client.hpp"

namespace {

using hb::testing::fake_bus_error;
using hb::testing::FakeClock;
using hb::testing::FakeSystemdClient;
using hb::testing::SystemdMethod;
using hb::testing::UnitScript;
using std::chrono::milliseconds;

constexpr milliseconds kPatience{2'000};

struct Bench {
  FakeClock clock;
  FakeSystemdClient* fake = nullptr;  // owned by `client`
  std::unique_ptr<hb::SystemdClient> client;

  Bench() {
    auto inner = std::make_unique<FakeSystemdClient>(clock);
    fake = inner.get();
    fake->add_unit({"web.service", "loaded", "", "active", "running", "/x", {}, {}},
                   {{"Nice", "0"}});
    fake->known_properties({"NoNewPrivileges"});
    client = hb::make_retrying(std::move(inner), kPatience, clock);
  }
};

TEST_SUITE("retrying") {
  TEST_CASE("a manager that re-executes for a few calls is waited for") {
    Bench b;
    b.fake->reexec_for(3);
    auto info = b.client->load_unit("web.service");
    REQUIRE(info.ok());
    CHECK(info->active_state == "active");
    CHECK(b.fake->count(SystemdMethod::kLoadUnit) == 4);
    CHECK(b.clock.sleeps() == std::vector<milliseconds>(3, milliseconds(200)));
  }

  TEST_CASE("a non-retryable error passes through at once") {
    Bench b;
    b.fake->fail(SystemdMethod::kStop, fake_bus_error("Access denied"));
    auto s = b.client->stop("web.service", milliseconds(100));
    REQUIRE_FALSE(s.ok());
    CHECK(s.error().message == "Access denied");
    CHECK(b.fake->count(SystemdMethod::kStop) == 1);
    CHECK(b.clock.sleeps().empty());
  }

  TEST_CASE("patience runs out: the last retryable error is returned") {
    Bench b;
    b.fake->reexec_for(1'000);
    auto names = b.client->service_property_names();
    REQUIRE_FALSE(names.ok());
    CHECK(names.error().retryable);
    CHECK(b.clock.elapsed() >= kPatience);
    CHECK(b.clock.elapsed() < kPatience + milliseconds(200));
    CHECK(b.fake->count(SystemdMethod::kServicePropertyNames) == 11);  // first + 10 in 2 s
  }

  TEST_CASE("patience counts from the first failure of each call, not from the first call") {
    Bench b;
    b.fake->reexec_for(5);
    CHECK(b.client->reload().ok());
    b.clock.advance(std::chrono::minutes(10));
    b.fake->reexec_for(5);
    CHECK(b.client->reload().ok());
    CHECK(b.fake->count(SystemdMethod::kReload) == 12);
  }

  TEST_CASE("every call of the interface is retried") {
    Bench b;
    auto check = [&](SystemdMethod method, auto call) {
      const auto before = b.fake->count(method);
      b.fake->reexec_for(1);
      CHECK(call());
      CHECK(b.fake->count(method) == before + 2);
    };
    check(SystemdMethod::kLoadUnit, [&] { return b.client->load_unit("web.service").ok(); });
    check(SystemdMethod::kReadProperties,
          [&] { return b.client->read_properties("web.service", "x", {}).ok(); });
    check(SystemdMethod::kDumpProperties, [&] {
      auto d = b.client->dump_properties("web.service", "x");
      return d.ok() && d->at("Nice") == "0";
    });
    check(SystemdMethod::kServicePropertyNames,
          [&] { return b.client->service_property_names().ok(); });
    check(SystemdMethod::kStatus, [&] { return b.client->status("web.service").ok(); });
    check(SystemdMethod::kStop, [&] { return b.client->stop("web.service", {}).ok(); });
    check(SystemdMethod::kStart, [&] {
      auto job = b.client->start("web.service", true, milliseconds(100));
      return job.ok() && *job == "done";
    });
    check(SystemdMethod::kReload, [&] { return b.client->reload().ok(); });
    check(SystemdMethod::kListUnits, [&] { return b.client->list_units("x-").ok(); });
  }

  TEST_CASE("a start that never reached the manager is sent again") {
    Bench b;
    b.fake->fail(SystemdMethod::kStartTransient, fake_bus_error("systemd is re-executing", true));
    auto started = b.client->start_transient("copy-1.service", {}, milliseconds(1'000));
    REQUIRE(started.ok());
    CHECK(started->job_result == "done");
    CHECK(b.fake->count(SystemdMethod::kStartTransient) == 2);
    CHECK(b.fake->started_copies() == std::vector<std::string>{"copy-1.service"});
  }

  TEST_CASE("a start whose reply was lost is not repeated; the unit's state tells the outcome") {
    Bench b;
    b.fake->script_copies([](const std::string&, const hb::PropertyList&) {
      UnitScript s;
      s.reply_lost = true;
      s.timeline = {{milliseconds(0), hb::testing::fake_activating()},
                    {milliseconds(700), hb::testing::fake_running()}};
      return s;
    });
    auto started = b.client->start_transient("copy-1.service", {}, milliseconds(5'000));
    REQUIRE(started.ok());
    CHECK_FALSE(started->rejected);
    CHECK(started->job_result == "done");
    CHECK(b.fake->count(SystemdMethod::kStartTransient) == 1);  // never created twice
    CHECK(b.clock.elapsed() >= milliseconds(700));
  }

  TEST_CASE("a lost start whose unit failed, or stays activating past the timeout, failed") {
    for (bool hangs : {false, true}) {
      CAPTURE(hangs);
      Bench b;
      b.fake->script_copies([&](const std::string&, const hb::PropertyList&) {
        UnitScript s;
        s.reply_lost = true;
        s.timeline = {
            {milliseconds(0), hangs ? hb::testing::fake_activating() : hb::testing::fake_failed()}};
        return s;
      });
      auto started = b.client->start_transient("copy-1.service", {}, milliseconds(1'000));
      REQUIRE(started.ok());
      CHECK(started->job_result == "failed");
      CHECK(b.clock.elapsed() <= milliseconds(1'200));
    }
  }

  TEST_CASE("a lost start whose state cannot be read returns that error") {
    Bench b;
    b.fake->script_copies([&](const std::string&, const hb::PropertyList&) {
      UnitScript s;
      s.reply_lost = true;
      s.timeline = {{milliseconds(0), hb::testing::fake_activating()}};
      return s;
    });
    SUBCASE("at once") {
      b.fake->fail(SystemdMethod::kStatus, fake_bus_error("Access denied"));
      auto started = b.client->start_transient("copy-1.service", {}, milliseconds(1'000));
      REQUIRE_FALSE(started.ok());
      CHECK(started.error().message == "Access denied");
    }
    SUBCASE("while waiting for it to activate") {
      b.fake->fail(SystemdMethod::kStatus, fake_bus_error("Access denied"), 1, 2);
      auto started = b.client->start_transient("copy-1.service", {}, milliseconds(1'000));
      REQUIRE_FALSE(started.ok());
      CHECK(started.error().message == "Access denied");
      CHECK(b.fake->count(SystemdMethod::kStatus) == 3);
    }
  }

  TEST_CASE("a start rejected for good is passed through without waiting") {
    Bench b;
    b.fake->fail(SystemdMethod::kStartTransient, fake_bus_error("Access denied"));
    auto started = b.client->start_transient("copy-1.service", {}, milliseconds(1'000));
    REQUIRE_FALSE(started.ok());
    CHECK(b.fake->count(SystemdMethod::kStatus) == 0);
    CHECK(b.clock.sleeps().empty());
  }
}

}  // namespace
