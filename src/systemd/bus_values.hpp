// Conversions between hb::PropertyValue and sdbus::Variant, chosen by D-Bus signature.
#pragma once

#include <sdbus-c++/sdbus-c++.h>

#include <optional>
#include <string>

#include "harden_bisect/property.hpp"
#include "harden_bisect/systemd_client.hpp"

namespace hb {

// Reads `variant` as the given manager-side signature. ExecStart-style a(sasbttttuii) and
// a(sasasttttuii) lose their runtime fields. nullopt when the signature is not supported
// or does not match.
std::optional<PropertyValue> from_variant(const sdbus::Variant& variant,
                                          const std::string& signature);

// Wraps a value for StartTransientUnit (signature from the variant index).
sdbus::Variant to_variant(const PropertyValue& value);

}  // namespace hb
