// Exposure score exactly as `systemd-analyze security --offline` of systemd 252 computes it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "harden_bisect/property.hpp"

namespace hb {

// The unit properties systemd-analyze reads (names and D-Bus types as in GetAll on the unit).
// Missing properties take the values systemd 252 reports for an unset option (CapabilityBoundingSet
// all, RestrictNamespaces all allowed, UMask 0022, KeyringMode private/inherit, strings "no",
// "default", "all", "auto", ...; see src/exposure/security_info.hpp). SystemCallFilter names are
// single syscalls as systemd reports them (":errno" suffixes are ignored, "@group"s not expanded).
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

  // The row with this json_field ("ProtectSystem"), or nullptr.
  const AssessorScore* find(std::string_view json_field) const;
};

// The v252 level name of an exposure of `tenths` (0..100): PERFECT, SAFE, OK, MEDIUM, ...
const char* exposure_level(int tenths);

// Scores a service unit. `user_manager` selects per-user defaults (KeyringMode=inherit).
// Matches `systemd-analyze security --offline=true`: the online-only PrivateMounts implication
// is not applied. Load-time implications (DynamicUser => PrivateTmp, ...) must already be in
// `state`, as they are in properties read over D-Bus.
Exposure assess_exposure(const SecurityState& state, bool user_manager = false);

}  // namespace hb
