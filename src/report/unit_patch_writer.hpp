// Upstreaming a drop-in: the unit file with the drop-in's settings merged into [Service], and a
// unified diff of that against the original, for a maintainer to send upstream. Pure writers.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "harden_bisect/catalogue.hpp"

namespace hb {

// `fragment` (a unit file's text) with `assignments` (a drop-in's [Service] lines, in order)
// merged so that the result means what the unit plus the drop-in means:
// - a setting that replaces its value when set again (booleans, enums, UMask, ...) replaces the
//   unit's own line(s) in place; it is never duplicated;
// - an empty assignment (a reset) replaces every line of its key;
// - a setting that merges with earlier lines (capability sets, syscall and address-family
//   lists, IP and device lists, namespaces, paths) is added right after the unit's last line of
//   that key, which is where a drop-in's line takes effect;
// - a new key goes at the end of [Service] (created if missing).
// Comments, blank lines and the other sections are kept byte for byte.
std::string merge_into_unit(std::string_view fragment, const std::vector<Assignment>& assignments);

// A unified diff (3 lines of context, "--- a/PATH" / "+++ b/PATH") turning `fragment` into
// merge_into_unit(fragment, assignments); applies with `patch -p1` in the tree `relative_path`
// is relative to. Empty when nothing changes.
std::string render_unit_patch(std::string_view fragment, const std::string& relative_path,
                              const std::vector<Assignment>& assignments);

// A unified diff between two texts, with `path` named on both sides (a/ and b/ prefixes).
std::string unified_diff(std::string_view before, std::string_view after, const std::string& path);

}  // namespace hb
