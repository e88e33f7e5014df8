// D-Bus property values for StartTransientUnit, free of any D-Bus library.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace hb {

// (bas): allow-list (true) or deny-list (false) of names; SystemCallFilter,
// RestrictAddressFamilies.
struct NameList {
  bool allow = false;
  std::vector<std::string> names;
  bool operator==(const NameList&) const = default;
};

// a(iayu) element: IPAddressAllow/IPAddressDeny.
struct IpPrefix {
  int32_t family = 0;  // AF_INET or AF_INET6
  std::vector<uint8_t> address;
  uint32_t prefix_length = 0;
  bool operator==(const IpPrefix&) const = default;
};

// a(sasas) element: ExecStartEx and friends (flags like "ignore-failure", "privileged").
struct ExecCommand {
  std::string path;
  std::vector<std::string> argv;
  std::vector<std::string> flags;
  bool operator==(const ExecCommand&) const = default;
};

// a(ssbt) element: BindPaths/BindReadOnlyPaths.
struct BindPath {
  std::string source;
  std::string destination;
  bool ignore_missing = false;
  uint64_t flags = 0;
  bool operator==(const BindPath&) const = default;
};

// A value of any D-Bus type, carried from the original to a copy without being looked into:
// the systemd adapter keeps its wire form; `text` is systemd's dump of it, for equality and logs.
struct OpaqueValue {
  std::string signature;             // e.g. "(aiai)" for SuccessExitStatus
  std::string text;                  // sd_bus_message_dump of the value
  std::shared_ptr<const void> wire;  // owned and read by the adapter only
  bool operator==(const OpaqueValue& o) const { return signature == o.signature && text == o.text; }
};

using StringPairs = std::vector<std::pair<std::string, std::string>>;  // a(ss)
using StringBools = std::vector<std::pair<std::string, bool>>;         // a(sb)

// One value of a supported D-Bus signature; the variant index fixes the signature:
// b s t u i as (bas) a(iayu) a(ss) a(sb) a(sasas) a(ssbt) x, or any other (opaque)
using PropertyValue =
    std::variant<bool, std::string, uint64_t, uint32_t, int32_t, std::vector<std::string>, NameList,
                 std::vector<IpPrefix>, StringPairs, StringBools, std::vector<ExecCommand>,
                 std::vector<BindPath>, int64_t, OpaqueValue>;

// D-Bus signature of the value held ("b", "a(iayu)", ...).
const char* signature_of(const PropertyValue& value);

// Human-readable rendering for logs and reports, close to unit-file syntax.
std::string to_string(const PropertyValue& value);

struct Property {
  std::string name;  // D-Bus property name, e.g. "ProtectSystem"
  PropertyValue value;
  bool operator==(const Property&) const = default;
};

using PropertyList = std::vector<Property>;

}  // namespace hb
