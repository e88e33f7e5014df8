// A SystemdClient decorator that rides out short manager outages (daemon-reexec, a restart
// of the bus name) by repeating calls whose errors are marked retryable, for a bounded time.
#pragma once

#include <chrono>
#include <memory>

#include "harden_bisect/systemd_client.hpp"

namespace hb {

// Wraps `inner`; each call is retried until `patience` has passed since its first failure.
std::unique_ptr<SystemdClient> make_retrying(std::unique_ptr<SystemdClient> inner,
                                             std::chrono::milliseconds patience);

}  // namespace hb
