#include "report_text.hpp"

#include <algorithm>
#include <array>
#include <cstdio>

#include "harden_bisect/option_groups.hpp"

namespace hb::report {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD
constexpr std::string_view kEllipsis = "\xE2\x80\xA6";     // U+2026 "…"

// Length of the well-formed UTF-8 sequence starting at s[i], or 0 (RFC 3629 table: no
// overlongs, no surrogates, nothing above U+10FFFF).
std::size_t sequence_length(std::string_view s, std::size_t i) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = byte(i);
  if (c < 0x80) return 1;
  std::size_t len = 0;
  unsigned char lo = 0x80, hi = 0xBF;  // allowed range of the second byte
  if (c >= 0xC2 && c <= 0xDF) {
    len = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    len = 3;
    if (c == 0xE0) lo = 0xA0;
    if (c == 0xED) hi = 0x9F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    len = 4;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;
  } else {
    return 0;
  }
  if (i + len > s.size()) return 0;
  if (byte(i + 1) < lo || byte(i + 1) > hi) return 0;
  for (std::size_t k = 2; k < len; ++k)
    if ((byte(i + k) & 0xC0) != 0x80) return 0;
  return len;
}

}  // namespace

std::string valid_utf8(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    if (std::size_t len = sequence_length(text, i); len > 0) {
      out.append(text.substr(i, len));
      i += len;
    } else {
      out.append(kReplacement);
      ++i;
    }
  }
  return out;
}

std::string one_line(std::string_view text) {
  const std::string valid = valid_utf8(without_ansi(text));
  std::string out;
  out.reserve(valid.size());
  bool space = false;
  for (std::size_t i = 0; i < valid.size(); ++i) {
    const auto c = static_cast<unsigned char>(valid[i]);
    // C0 controls, DEL and C1 controls (U+0080..U+009F, which some terminals treat as CSI).
    const bool c1 =
        c == 0xC2 && i + 1 < valid.size() && static_cast<unsigned char>(valid[i + 1]) <= 0x9F;
    if (c < 0x20 || c == 0x7F || c == ' ' || c1) {
      if (c1) ++i;
      space = !out.empty();
      continue;
    }
    if (space) out.push_back(' ');
    space = false;
    out.push_back(static_cast<char>(c));
  }
  return out;
}

std::size_t columns(std::string_view text) {
  return static_cast<std::size_t>(std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  }));
}

std::string truncate(std::string_view text, std::size_t max) {
  if (columns(text) <= max) return std::string(text);
  if (max == 0) return {};
  std::size_t kept = 0, end = 0;
  for (; end < text.size(); ++end) {
    if ((static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) continue;
    if (kept == max - 1) break;
    ++kept;
  }
  std::string out(text.substr(0, end));
  while (!out.empty() && out.back() == ' ') out.pop_back();
  out.append(kEllipsis);
  return out;
}

std::string truncate_words(std::string_view text, std::size_t max) {
  if (columns(text) <= max) return std::string(text);
  if (max < 2) return truncate(text, max);
  // The longest prefix of whole words that leaves room for " …".
  std::string cut = truncate(text, max - 1);  // ends in "…", at most max - 1 columns of text
  cut.resize(cut.size() - 3);                 // the ellipsis is 3 bytes
  const auto space = cut.rfind(' ');
  const bool mid_word = text.size() > cut.size() && text[cut.size()] != ' ';
  if (mid_word && space != std::string::npos) cut.resize(space);
  while (!cut.empty() && cut.back() == ' ') cut.pop_back();
  if (cut.empty()) return truncate(text, max);
  return cut + " " + std::string(kEllipsis);
}

std::string pad(std::string_view text, std::size_t width) {
  std::string out(text);
  for (std::size_t n = columns(text); n < width; ++n) out.push_back(' ');
  return out;
}

std::vector<std::string> setting_lines(const std::vector<Assignment>& assignments) {
  std::vector<std::string> lines;
  for (const auto& a : assignments) lines.push_back(a.key + "=" + a.value);
  return lines;
}

std::string setting_label(const std::vector<Assignment>& assignments, const std::string& id,
                          const std::string& rung) {
  std::string label;
  for (const auto& line : setting_lines(assignments)) label += (label.empty() ? "" : " ") + line;
  if (label.empty()) label = rung.empty() ? id : id + "=" + rung;
  return one_line(label);
}

std::vector<std::string> ordered_groups(const std::vector<std::string>& groups) {
  const auto present = [&](std::string_view g) {
    return std::find(groups.begin(), groups.end(), g) != groups.end();
  };
  std::vector<std::string> out;
  for (const auto& g : option_groups())
    if (present(g.id)) out.emplace_back(g.id);
  for (const auto& g : groups)
    if (std::find(out.begin(), out.end(), g) == out.end()) out.push_back(g);
  return out;
}

std::string verdict_label(VerdictKind kind) {
  std::string label = to_string(kind);
  for (char& c : label) c = static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
  return label;
}

std::string rejection_reason(const Verdict& verdict) {
  const char* phrase = "passed";
  switch (verdict.kind) {
    case VerdictKind::kPass:
      phrase = "passed";
      break;
    case VerdictKind::kFail:
      phrase = "probe failed";
      break;
    case VerdictKind::kHang:
      phrase = "probe hung";
      break;
    case VerdictKind::kStartFailed:
      phrase = "unit failed";
      break;
    case VerdictKind::kUnsupported:
      phrase = "unsupported by this systemd";
      break;
    case VerdictKind::kInfeasible:
      phrase = "infeasible under this manager";
      break;
  }
  const std::string summary = one_line(verdict.evidence.summary);
  if (summary.empty()) return phrase;
  // The oracle's probe summaries already say what happened ("probe exited 1: ...", "probe hung
  // (no answer within 5000 ms)"); a "probe failed:" in front would only repeat it.
  const bool probe_verdict =
      verdict.kind == VerdictKind::kFail || verdict.kind == VerdictKind::kHang;
  if (probe_verdict && summary.starts_with("probe ")) return summary;
  return std::string(phrase) + ": " + summary;
}

std::string format_duration(std::chrono::milliseconds duration) {
  const long long ms = duration.count();
  char buf[48];
  if (ms < 1000) {
    std::snprintf(buf, sizeof buf, "%lld ms", ms);
  } else if (ms < 60'000) {
    std::snprintf(buf, sizeof buf, "%lld.%lld s", ms / 1000, ms % 1000 / 100);
  } else if (ms < 3'600'000) {
    std::snprintf(buf, sizeof buf, "%lldm %02llds", ms / 60'000, ms % 60'000 / 1000);
  } else {
    std::snprintf(buf, sizeof buf, "%lldh %02lldm", ms / 3'600'000, ms % 3'600'000 / 60'000);
  }
  return buf;
}

}  // namespace hb::report
