// FakeClock: time that moves only when code sleeps or a test advances it, so settle windows,
// retry pauses and probe deadlines cost nothing in unit tests.
#pragma once

#include <chrono>
#include <vector>

#include "harden_bisect/clock.hpp"

namespace hb::testing {

class FakeClock final : public Clock {
 public:
  TimePoint now() override { return TimePoint{} + elapsed_; }

  // Advances time instantly and records the sleep.
  void sleep_for(std::chrono::milliseconds duration) override {
    sleeps_.push_back(duration);
    advance(duration);
  }

  // Moves time forward without counting it as a sleep (a probe or a start job taking time).
  void advance(std::chrono::milliseconds duration) { elapsed_ += duration; }

  // Time since the fake epoch.
  std::chrono::milliseconds elapsed() const { return elapsed_; }
  const std::vector<std::chrono::milliseconds>& sleeps() const { return sleeps_; }

 private:
  std::chrono::milliseconds elapsed_{0};
  std::vector<std::chrono::milliseconds> sleeps_;
};

}  // namespace hb::testing
