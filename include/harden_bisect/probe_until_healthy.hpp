// One "probe until healthy" loop for everything that waits for a service to answer: a trial's
// copy within its settle window, and the real unit after --apply. Runs every probe in order
// (all must pass); a failing round is repeated after a pause until the window closes.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "harden_bisect/clock.hpp"
#include "harden_bisect/probe_runner.hpp"
#include "harden_bisect/result.hpp"

namespace hb {

using ProbeEnv = std::vector<std::pair<std::string, std::string>>;

struct ProbeWindow {
  Clock::TimePoint deadline;                       // no new round starts at or after this
  std::chrono::milliseconds probe_timeout{5'000};  // one probe run; hitting it = hang
  std::chrono::milliseconds retry_pause{200};      // between rounds
};

// Optional questions the loop asks; each may be empty.
struct ProbeHooks {
  // Variables added to every probe's environment in round `attempt` (1-based).
  std::function<ProbeEnv(int attempt)> env;
  // Whether the probed service is gone. Asked while a probe runs (an error counts as "not
  // gone") and after every failing round (an error ends the loop with kError).
  std::function<Result<bool>()> target_died;
  // True = stop now (Ctrl-C); asked while a probe runs and before and after every round.
  std::function<bool()> cancelled;
  // Asked after a failing round while the service is still up, with that round's failing run:
  // true = the failure will not go away (the service is up and stable), so the loop ends with
  // kUnhealthy now instead of at the end of the window.
  std::function<bool(const ProbeResult& failing)> failure_certain;
};

enum class ProbeOutcome {
  kHealthy,      // one round in which every probe passed
  kUnhealthy,    // the window closed (or failure_certain said so); `last` is the last failing
                 // run (kTimedOut = a hang)
  kTargetDied,   // the service died while being probed
  kSpawnFailed,  // a probe could not be started: `last.spawn_error`
  kCancelled,    // `cancelled` said stop
  kError,        // `target_died` failed: `error`
};

struct ProbeAttempts {
  ProbeOutcome outcome = ProbeOutcome::kUnhealthy;
  ProbeResult last;              // the last probe run (the failing one unless kHealthy)
  int rounds = 0;                // rounds started
  bool ended_early = false;      // kUnhealthy before the window closed (failure_certain)
  std::optional<Error> error{};  // for kError
};

// Runs `probes` (their timeout replaced by window.probe_timeout, hooks.env added) in rounds
// until one round passes or the window closes. Sleeps only through `clock`.
ProbeAttempts probe_until_healthy(ProbeRunner& runner, Clock& clock,
                                  const std::vector<ProbeSpec>& probes, const ProbeWindow& window,
                                  const ProbeHooks& hooks = {});

}  // namespace hb
