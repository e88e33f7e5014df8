// Internals of lint: checks systemd makes before it accepts a loaded service.
#pragma once

#include <optional>
#include <string>

#include "harden_bisect/lint.hpp"

namespace hb {

// The reason systemd 252 refuses to load `unit` (service_verify()), as the analyzer prints it,
// or nullopt when it loads.
std::optional<std::string> refused_by_systemd(const LoadedUnit& unit);

}  // namespace hb
