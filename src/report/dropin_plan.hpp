// Which lines the drop-in holds: the kept settings rewritten the way a careful admin writes them
// (one effective line per setting, no line that changes nothing), proven to mean exactly what the
// trials ran (internal to src/report).
#pragma once

#include <string>
#include <vector>

#include "harden_bisect/result.hpp"
#include "harden_bisect/run_report.hpp"

namespace hb::report {

// One written line and the kept options it expresses.
struct DropinLine {
  Assignment setting;
  std::vector<const KeptOption*> from;  // never empty; the first decides the section
};

// A kept setting that gets no line, because without it systemd enforces the same.
struct OmittedSetting {
  Assignment setting;
  const KeptOption* from = nullptr;
  std::string because;  // plain words: "DynamicUser=yes implies it"
};

struct DropinPlan {
  std::vector<DropinLine> lines;  // in the order of the kept options
  std::vector<OmittedSetting> omitted;
  bool rewritten = false;  // false: the rewriting could not be proven equal; raw lines written
};

// The lines for `kept` (their assignments are the effective ones, see effective_assignments())
// on a unit whose own settings are `unit_settings`. dropin_meaning() of the written lines always
// equals that of the kept assignments; when the rewriting cannot show that, the kept assignments
// are written as they are (same-key lines merged), and nothing is omitted.
DropinPlan plan_dropin(const PropertyList& unit_settings, const std::vector<KeptOption>& kept);

// What systemd 252 enforces when `lines` are appended after a unit whose own settings are
// `unit_settings`: one property per name, sorted by name, with load-time implications applied
// (DynamicUser=yes, PrivateDevices=yes, ProtectClock=yes, ... as in unit_patch_contexts()),
// SystemCallFilter as one expanded list of syscall names (allow lists include @default),
// RestrictAddressFamilies as one list, capability masks limited to the kernel's capabilities.
// Two line lists with equal meanings give the same exposure score and the same sandbox.
Result<PropertyList> dropin_meaning(const PropertyList& unit_settings,
                                    const std::vector<Assignment>& lines);

}  // namespace hb::report
