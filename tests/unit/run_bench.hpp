// A whole run over the fakes, shared by the run-driver and verify tests: "web.service" (running)
// with five options, one of which (PrivateTmp=yes) breaks its probe.
#pragma once

#include <doctest/doctest.h>

#include <algorithm>
#include <functional>
#include <string>
#include <vector>

#include "fake_clock.hpp"
#include "fake_probe_runner.hpp"
#include "fake_systemd_client.hpp"
#include "harden_bisect/run_driver.hpp"
#include "harden_bisect/run_journal.hpp"
#include "temp_dir.hpp"

namespace hb::testing {

inline hb::CatalogueOption option(std::string id, std::vector<std::vector<hb::Assignment>> rungs,
                                  double risk = 0.1) {
  hb::CatalogueOption o;
  o.id = std::move(id);
  o.group = "process";
  for (auto& r : rungs) o.rungs.push_back({"", std::move(r)});
  o.risk = risk;
  o.why = "test";
  return o;
}

// Records everything the run tells its observer.
struct RecordingObserver final : hb::RunObserver {
  std::vector<RunPhase> phases;
  std::vector<hb::TrialStart> started;
  std::vector<hb::TrialRecord> finished;
  std::function<void(RunPhase)> on_phase;  // called after recording each phase
  void phase_changed(RunPhase phase) override {
    phases.push_back(phase);
    if (on_phase) on_phase(phase);
  }
  void trial_started(const hb::TrialStart& trial) override { started.push_back(trial); }
  void trial_finished(const hb::TrialRecord& record) override { finished.push_back(record); }
};

// "web.service", running, with five options; the service breaks under PrivateTmp=yes (its
// probe fails on any copy started with it).
struct Bench {
  TempDir dir;
  FakeClock clock;
  FakeSystemdClient systemd{clock};
  FakeProbeRunner probes{clock};
  hb::CancellationToken cancel;
  RecordingObserver observer;
  hb::RunConfig config;
  hb::Catalogue catalogue;
  // Called before each probe run with its number (1-based); may throw or cancel.
  std::function<void(std::size_t)> before_probe;
  std::size_t probe_runs = 0;

  Bench() {
    systemd.add_unit({"web.service", "loaded", "", "active", "running", "/x", {}, {}},
                     {{"Nice", "VARIANT \"i\" { INT32 0; };"}});
    systemd.known_properties(
        {"NoNewPrivileges", "PrivateTmp", "ProtectSystem", "LockPersonality", "RestrictRealtime"});
    catalogue.options = {
        option("NoNewPrivileges", {{{"NoNewPrivileges", "yes"}}}),
        option("PrivateTmp", {{{"PrivateTmp", "yes"}}}),
        option("ProtectSystem", {{{"ProtectSystem", "strict"}}, {{"ProtectSystem", "full"}}}),
        option("LockPersonality", {{{"LockPersonality", "yes"}}}),
        option("RestrictRealtime", {{{"RestrictRealtime", "yes"}}})};
    config.unit = "web.service";
    config.probes = {{"/usr/bin/probe"}};
    config.state_directory = dir.str();
    config.stop_original = true;
    config.timing.settle = std::chrono::milliseconds(0);  // one probe round per trial
    probes.respond([this](const hb::ProbeSpec& spec) {
      if (before_probe) before_probe(++probe_runs);
      auto copy = FakeProbeRunner::env_of(spec, "HB_COPY");
      REQUIRE(copy.has_value());
      const auto& props = systemd.properties_of(*copy);
      bool broken = std::any_of(props.begin(), props.end(),
                                [](const hb::Property& p) { return p.name == "PrivateTmp"; });
      return broken ? FakeProbe::exits(1, "cannot write /tmp") : FakeProbe::passes();
    });
  }

  // One run; `token` replaces the bench's own cancellation token (a token cannot be reset).
  hb::Result<hb::RunReport> run(const hb::CancellationToken* token = nullptr) {
    return hb::run_hardening(
        config, catalogue,
        {systemd, probes, &systemd.journal, token ? token : &cancel, &observer, &clock});
  }

  std::size_t journal_trials() {
    auto saved = hb::StateStore(dir.str()).load("web.service");
    REQUIRE(saved.ok());
    return saved->has_value() ? (**saved).trials.size() : 0;
  }

  // Every exit path: no copy left running, the original running again.
  void check_cleaned_up() {
    CHECK(systemd.running_copies().empty());
    CHECK(systemd.is_active("web.service"));
  }
};

}  // namespace hb::testing
