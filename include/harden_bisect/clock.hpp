// Time as a port: everything that waits (settle windows, retry pauses, the retry decorator)
// asks a Clock, so unit tests can run minutes of waiting in microseconds with a fake one.
#pragma once

#include <chrono>

namespace hb {

class Clock {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;
  virtual ~Clock() = default;
  // Monotonic now; only differences mean anything.
  virtual TimePoint now() = 0;
  // Blocks for `duration` (a fake advances now() by it and returns at once).
  virtual void sleep_for(std::chrono::milliseconds duration) = 0;
};

// std::chrono::steady_clock and std::this_thread::sleep_for.
class SteadyClock final : public Clock {
 public:
  TimePoint now() override;
  void sleep_for(std::chrono::milliseconds duration) override;
  // A process-wide instance, the default wherever a Clock is optional.
  static SteadyClock& instance();
};

// Milliseconds from `start` to `clock.now()`.
inline std::chrono::milliseconds elapsed_since(Clock& clock, Clock::TimePoint start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(clock.now() - start);
}

}  // namespace hb
