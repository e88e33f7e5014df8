// Weak probes: probes that prove a copy runs, not that it does its job. A run with only such a
// probe keeps every option that does not kill the service outright, so every report says so.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace hb {

// The default probe `plan discover` writes for every unit: the bundled unit-active probe,
// checking that the copy is still active after this many seconds.
inline constexpr std::chrono::seconds kDiscoverSettle{5};
// The probe timeout of a discovered plan: the default probe itself takes kDiscoverSettle.
inline constexpr std::chrono::seconds kDiscoverProbeTimeout =
    kDiscoverSettle + std::chrono::seconds(10);
std::vector<std::string> default_discover_probe();

// Why the probe command line `command` (as given: "unit-active --settle 5") is weak, in one
// line; nullopt for a probe that checks what the service does.
std::optional<std::string> weak_probe_reason(const std::string& command);

// The command lines among `commands` that are weak, each followed by ": " and the reason.
std::vector<std::string> weak_probe_notes(const std::vector<std::string>& commands);

}  // namespace hb
