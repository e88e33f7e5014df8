// The assignment model: unit-file hardening assignments ("ProtectSystem=strict") as typed D-Bus
// properties, merged onto a unit's own settings the way systemd merges a drop-in, never
// weakening them.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "harden_bisect/catalogue.hpp"
#include "harden_bisect/property.hpp"
#include "harden_bisect/result.hpp"
#include "harden_bisect/settings.hpp"

namespace hb {

// What adding assignments would do to a unit.
enum class Applicability {
  kStrengthens,       // restricts something the unit allows and loosens nothing
  kAlreadySatisfied,  // the unit already has it, or something at least as strong
  kWouldWeaken,       // merging it would loosen something, or cannot express it on this unit
};

// Stable lower-case name: "strengthens", "already-satisfied", "would-weaken".
const char* to_string(Applicability applicability);

// Every registry setting the model merges, in table order.
const std::vector<Setting>& known_settings();

// The merged setting for a unit-file key, or nullptr.
const Setting* find_setting(std::string_view key);

// D-Bus property names `assignments` are sent as, each once, in first-use order (for checking
// that the running systemd knows them). Unknown keys are left out.
std::vector<std::string> dbus_properties(const std::vector<Assignment>& assignments);

// "KEY=value KEY=value": a rung or a set of settings on one line, as reports and logs show it.
std::string join_assignments(const std::vector<Assignment>& assignments);

// Validates one assignment and returns the value systemd would hold if it were the unit's only
// assignment of that key ("CapabilityBoundingSet=~CAP_NET_RAW" -> all bits but 13). Names are
// checked strictly (capabilities via libcap, address families, namespaces, syscall groups of
// v252, architectures, IP prefixes). Errors (kBadInput) are one line naming key and value.
Result<Property> parse_assignment(const Assignment& assignment);

// Whether adding `rung` (applied together) to a unit whose current properties are `baseline`
// (as read over D-Bus; a missing property is systemd's default) strengthens it. A rung the
// baseline already matches or beats is kAlreadySatisfied even when applying it literally would
// loosen the unit (ProtectSystem=yes on a ProtectSystem=full unit). An unparseable rung, or a
// baseline property of the wrong type, is kWouldWeaken.
Applicability assess(const PropertyList& baseline, const std::vector<Assignment>& rung);

// The assignments of `added` that apply_assignments merges, in merge order: per key, allow-list
// entries of SystemCallFilter/RestrictAddressFamilies come first; each assignment (all IPAddress*
// ones together) is kept only if it strengthens the baseline merged with those kept before it.
// Render the drop-in from this list so that it means exactly what the trial ran.
std::vector<Assignment> effective_assignments(const PropertyList& baseline,
                                              const std::vector<Assignment>& added);

// The full StartTransientUnit property list: `baseline` with effective_assignments(baseline,
// added) merged as systemd merges them. Replace-type values (bool, enum, UMask, bit masks,
// SystemCallArchitectures, IP lists) are replaced in place or appended; SystemCallFilter and
// RestrictAddressFamilies get extra (bas) entries after the baseline's own, so the list may
// hold one name several times. Assignments that would not strengthen are skipped, never sent.
// Errors (kBadInput): an invalid assignment, or a baseline property of the wrong type.
Result<PropertyList> apply_assignments(const PropertyList& baseline,
                                       const std::vector<Assignment>& added);

// "Key=value" drop-in lines for `kept` (pass effective_assignments()), in order, with same-key
// set-like lines merged ("CapabilityBoundingSet=~CAP_A CAP_B", allow line before "~" line) and
// replace-type keys written once with their last value. Appended after the unit's own file they
// mean what apply_assignments sends. Invalid assignments are written unchanged.
std::vector<std::string> render_dropin(const std::vector<Assignment>& kept);

}  // namespace hb
