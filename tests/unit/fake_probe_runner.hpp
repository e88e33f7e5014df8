// FakeProbeRunner: scripted probe results (in call order, or chosen per call from the spec, e.g.
// per copy through HB_COPY), taking fake time. A running probe asks spec.cancel every
// cancel_interval like the real runner, so a copy dying mid-probe ends it. Records every spec.
#pragma once

#include <algorithm>
#include <chrono>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "fake_clock.hpp"
#include "harden_bisect/probe_runner.hpp"

namespace hb::testing {

// One scripted probe run.
struct FakeProbe {
  ProbeResult result;                  // status, exit code, output
  std::chrono::milliseconds takes{0};  // fake time the run lasts (a hang lasts spec.timeout)
  bool hangs = false;                  // no answer: kTimedOut at the probe deadline

  static FakeProbe passes(std::chrono::milliseconds takes = std::chrono::milliseconds(5)) {
    FakeProbe p;
    p.result.status = ProbeStatus::kExited;
    p.result.exit_code = 0;
    p.takes = takes;
    return p;
  }
  static FakeProbe exits(int code, std::string output = "",
                         std::chrono::milliseconds takes = std::chrono::milliseconds(5)) {
    FakeProbe p;
    p.result.status = ProbeStatus::kExited;
    p.result.exit_code = code;
    p.result.output = std::move(output);
    p.takes = takes;
    return p;
  }
  static FakeProbe killed_by(int signal) {
    FakeProbe p;
    p.result.status = ProbeStatus::kSignaled;
    p.result.signal = signal;
    return p;
  }
  static FakeProbe hang(std::string output = "") {
    FakeProbe p;
    p.hangs = true;
    p.result.status = ProbeStatus::kTimedOut;
    p.result.output = std::move(output);
    return p;
  }
  static FakeProbe spawn_fails(std::string why) {
    FakeProbe p;
    p.result.status = ProbeStatus::kSpawnFailed;
    p.result.spawn_error = std::move(why);
    return p;
  }
};

class FakeProbeRunner final : public ProbeRunner {
 public:
  explicit FakeProbeRunner(FakeClock& clock) : clock_(clock) {}

  // The next runs, in order; they take precedence over respond() and the default.
  FakeProbeRunner& then(FakeProbe probe, int times = 1) {
    for (int i = 0; i < times; ++i) queue_.push_back(probe);
    return *this;
  }
  // Chooses a run from its spec (argv, env: HB_COPY, HB_TRIAL, HB_ATTEMPT ...).
  FakeProbeRunner& respond(std::function<FakeProbe(const ProbeSpec&)> rule) {
    rule_ = std::move(rule);
    return *this;
  }
  // What runs do when nothing else is scripted (default: pass).
  FakeProbeRunner& otherwise(FakeProbe probe) {
    default_ = std::move(probe);
    return *this;
  }

  ProbeResult run(const ProbeSpec& spec) override {
    specs_.push_back(spec);
    FakeProbe probe = default_;
    if (!queue_.empty()) {
      probe = queue_.front();
      queue_.pop_front();
    } else if (rule_) {
      probe = rule_(spec);
    }
    ProbeResult result = probe.result;
    if (result.status == ProbeStatus::kSpawnFailed) return result;
    const auto takes = probe.hangs ? spec.timeout : std::min(probe.takes, spec.timeout);
    std::chrono::milliseconds spent{0};
    while (spent < takes) {  // like PosixProbeRunner: ask cancel every cancel_interval
      auto step = std::min(spec.cancel_interval, takes - spent);
      clock_.advance(step);
      spent += step;
      if (spec.cancel && spec.cancel()) {
        result = ProbeResult{};
        result.status = ProbeStatus::kCancelled;
        result.output = probe.result.output;
        result.duration = spent;
        return result;
      }
    }
    if (!probe.hangs && probe.takes > spec.timeout) result.status = ProbeStatus::kTimedOut;
    result.duration = spent;
    return result;
  }

  // Every spec run() got, in order.
  const std::vector<ProbeSpec>& specs() const { return specs_; }
  std::size_t runs() const { return specs_.size(); }

  // The value of environment variable `name` in run `index` (nullopt when not set).
  std::optional<std::string> env(std::size_t index, const std::string& name) const {
    return env_of(specs_.at(index), name);
  }
  static std::optional<std::string> env_of(const ProbeSpec& spec, const std::string& name) {
    std::optional<std::string> value;  // the last entry wins, like an exec environment
    for (const auto& [key, v] : spec.env) {
      if (key == name) value = v;
    }
    return value;
  }

 private:
  FakeClock& clock_;
  std::deque<FakeProbe> queue_;
  std::function<FakeProbe(const ProbeSpec&)> rule_;
  FakeProbe default_ = FakeProbe::passes();
  std::vector<ProbeSpec> specs_;
};

}  // namespace hb::testing
