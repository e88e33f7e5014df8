// Exposure score exactly as `systemd-analyze security --offline` of systemd 252 computes it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "harden_bisect/property.hpp"

namespace hb {

// The unit properties systemd-analyze reads (names and D-Bus types as in GetAll on the unit).
// Missing properties take systemd's defaults.
struct SecurityState {
  PropertyList properties;

  // The value of `name`, or nullptr.
  const PropertyValue* find(const std::string& name) const;
};

struct AssessorScore {
  std::string id;          // "ProtectSystem=", "CapabilityBoundingSet=~CAP_SYS_ADMIN"
  std::string json_field;  // "ProtectSystem"
  uint64_t weight = 0;
  uint64_t range = 1;
  std::optional<uint64_t> badness;  // nullopt = not applicable
};

struct Exposure {
  int tenths = 100;  // E: 0..100, shown as E/10 ("9.6")
  std::vector<AssessorScore> rows;

  std::string score_text() const;  // "9.6"
  std::string level() const;       // "UNSAFE", "MEDIUM", ... per the v252 table
};

// Scores a service unit. `user_manager` selects per-user defaults (KeyringMode=inherit).
Exposure assess_exposure(const SecurityState& state, bool user_manager = false);

}  // namespace hb
