// A SystemdClient decorator that rides out short manager outages (daemon-reexec, a restart
// of the bus name) by repeating calls whose errors are marked retryable, for a bounded time.
#pragma once

#include <chrono>
#include <memory>

#include "harden_bisect/clock.hpp"
#include "harden_bisect/systemd_client.hpp"

namespace hb {

// Wraps `inner`; a call failing with a retryable error is repeated (pausing through `clock`)
// until `patience` has passed since its first failure. Other errors pass through at once.
std::unique_ptr<SystemdClient> make_retrying(std::unique_ptr<SystemdClient> inner,
                                             std::chrono::milliseconds patience,
                                             Clock& clock = SteadyClock::instance());

}  // namespace hb
