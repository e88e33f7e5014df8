// Text helpers shared by the report writers (internal to src/report).
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "harden_bisect/run_report.hpp"
#include "harden_bisect/text.hpp"

namespace hb::report {

// `text` with every invalid UTF-8 byte replaced by U+FFFD, so JSON and XML encoders never choke.
std::string valid_utf8(std::string_view text);

// `text` as one line: ANSI codes removed, valid UTF-8, control characters turned into spaces,
// runs of whitespace collapsed, ends trimmed. A newline in evidence must never start a new line
// in a drop-in.
std::string one_line(std::string_view text);

// Display columns of UTF-8 `text` (one per code point; good enough for log text).
std::size_t columns(std::string_view text);

// `text` cut to at most `max` columns, ending in "…" when something was cut.
std::string truncate(std::string_view text, std::size_t max);

// `text` cut to at most `max` columns at a word boundary, ending in " …" when something was
// cut (a single word longer than `max` is cut inside, as truncate() does).
std::string truncate_words(std::string_view text, std::size_t max);

// `text` followed by spaces up to `width` columns (never cut).
std::string pad(std::string_view text, std::size_t width);

// "ProtectSystem=strict"; one entry per assignment.
std::vector<std::string> setting_lines(const std::vector<Assignment>& assignments);

// How a rung is named to users: its assignments joined by spaces ("PrivateUsers=yes
// DynamicUser=yes"), or "id=rung" when it has none.
std::string setting_label(const std::vector<Assignment>& assignments, const std::string& id,
                          const std::string& rung);

// Groups present in `groups`, in drop-in order: the catalogue's groups in their fixed order,
// then unknown ones in order of first appearance.
std::vector<std::string> ordered_groups(const std::vector<std::string>& groups);

// "PASS", "FAIL", "HANG", "START-FAILED", "UNSUPPORTED".
std::string verdict_label(VerdictKind kind);

// Why a rung was rejected, as one line: "probe failed: ...", "unit failed: ...". Not truncated.
std::string rejection_reason(const Verdict& verdict);

// "412 ms", "5.2 s", "3m 07s".
std::string format_duration(std::chrono::milliseconds duration);

}  // namespace hb::report
