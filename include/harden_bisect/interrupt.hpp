// Cancelling a run: a token the run polls, tripped from outside it (the CLI's signal handler,
// a daemon's stop request, a test). A cancelled run still stops its copies and restarts the
// original before it returns.
#pragma once

#include <atomic>

namespace hb {

// A one-way flag. Safe to trip from a signal handler and from another thread.
class CancellationToken {
 public:
  // Asks whoever polls this token to stop as soon as it safely can.
  void cancel() noexcept { cancelled_.store(true, std::memory_order_relaxed); }
  // True once cancel() was called.
  bool cancelled() const noexcept { return cancelled_.load(std::memory_order_relaxed); }

 private:
  static_assert(std::atomic<bool>::is_always_lock_free, "tripped from a signal handler");
  std::atomic<bool> cancelled_{false};
};

// Makes SIGINT, SIGTERM and SIGHUP trip `token` (which must outlive the process's use of it;
// a later call replaces it). No SA_RESTART: a blocking wait returns EINTR and its caller
// re-checks the token.
void cancel_on_signals(CancellationToken& token);

}  // namespace hb
