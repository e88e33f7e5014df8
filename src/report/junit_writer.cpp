// JUnit XML, the format build farms (Jenkins, GitLab) understand: one testcase per unit, red only
// for what needs a human (see ci_writers.hpp). The evidence is arbitrary bytes from a probe and
// the journal, so everything goes through xml() below.
#include <cstdio>
#include <sstream>

#include "harden_bisect/ci_writers.hpp"
#include "harden_bisect/exposure.hpp"
#include "harden_bisect/report_writers.hpp"
#include "harden_bisect/weak_probe.hpp"
#include "report_text.hpp"

namespace hb {
namespace {

// `text` as XML 1.0 character data or attribute value. Characters XML 1.0 forbids even as
// references (most C0 controls, U+FFFE, U+FFFF) become U+FFFD; in attributes, tab and newlines
// are written as references so parsers do not normalise them to spaces.
std::string xml(std::string_view text, bool attribute) {
  const std::string valid = report::valid_utf8(text);
  std::string out;
  out.reserve(valid.size());
  for (std::size_t i = 0; i < valid.size(); ++i) {
    const char c = valid[i];
    switch (c) {
      case '&':
        out += "&amp;";
        continue;
      case '<':
        out += "&lt;";
        continue;
      case '>':
        out += "&gt;";
        continue;
      case '"':
        out += attribute ? "&quot;" : "\"";
        continue;
      case '\'':
        out += attribute ? "&apos;" : "'";
        continue;
      case '\r':
        out += "&#13;";
        continue;
      case '\n':
        out += attribute ? "&#10;" : "\n";
        continue;
      case '\t':
        out += attribute ? "&#9;" : "\t";
        continue;
      default:
        break;
    }
    const auto u = static_cast<unsigned char>(c);
    const bool noncharacter = u == 0xEF && valid.compare(i, 2, "\xEF\xBF") == 0 &&
                              i + 2 < valid.size() &&
                              (valid[i + 2] == '\xBE' || valid[i + 2] == '\xBF');
    if (u < 0x20 || noncharacter) {
      out += "\xEF\xBF\xBD";
      if (noncharacter) i += 2;
      continue;
    }
    out.push_back(c);
  }
  return out;
}

std::string attr(std::string_view name, std::string_view value) {
  return " " + std::string(name) + "=\"" + xml(value, true) + "\"";
}

std::string seconds(std::chrono::milliseconds d) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%lld.%03lld", static_cast<long long>(d.count() / 1000),
                static_cast<long long>(d.count() % 1000));
  return buf;
}

std::string score(const std::optional<int>& tenths) {
  if (!tenths) return "-";
  return std::to_string(*tenths / 10) + "." + std::to_string(*tenths % 10) + " " +
         exposure_level(*tenths);
}

// Everything a reader of the build log wants besides pass/fail: exposure and the options.
std::string system_out(const UnitSummary& u) {
  std::string out = "exposure: " + score(u.before_tenths) + " -> " + score(u.after_tenths) + "\n";
  if (!u.probes.empty()) {
    out += "probes:\n";
    for (const auto& p : u.probes) out += "  " + p + "\n";
  }
  for (const auto& note : weak_probe_notes(u.probes)) out += "WARNING: " + note + "\n";
  out += "kept (" + std::to_string(u.kept.size()) + "):\n";
  for (const auto& k : u.kept) out += "  " + k.setting + "\n";
  out += "rejected (" + std::to_string(u.rejected.size()) + "; the service needs these off):\n";
  for (const auto& r : u.rejected) out += "  " + r.setting + ": " + report::one_line(r.note) + "\n";
  out += "skipped (" + std::to_string(u.skipped.size()) + "):\n";
  for (const auto& s : u.skipped) out += "  " + s.id + ": " + report::one_line(s.note) + "\n";
  return out;
}

std::string failure_body(const UnitSummary& u) {
  std::string body;
  for (const auto& f : u.failures) {
    body += f.kind + ": " + f.message + "\n";
    if (!f.detail.empty()) {
      body += f.detail;
      if (!body.ends_with('\n')) body += '\n';
    }
  }
  return body;
}

}  // namespace

std::string render_junit(const std::vector<UnitSummary>& units, const std::string& suite,
                         const std::string& tool_version) {
  std::size_t failures = 0, errors = 0, skipped = 0;
  std::chrono::milliseconds time{0};
  for (const auto& u : units) {
    failures += u.status == UnitOutcome::kFailed;
    errors += u.status == UnitOutcome::kError;
    skipped += u.status == UnitOutcome::kUnsupported;
    time += u.duration;
  }
  const auto counts = attr("tests", std::to_string(units.size())) +
                      attr("failures", std::to_string(failures)) +
                      attr("errors", std::to_string(errors)) +
                      attr("skipped", std::to_string(skipped)) + attr("time", seconds(time));
  std::ostringstream out;
  out << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out << "<testsuites" << attr("name", "harden-bisect") << counts << ">\n";
  out << "  <testsuite" << attr("name", suite) << counts << ">\n";
  out << "    <properties>\n";
  out << "      <property" << attr("name", "tool_version") << attr("value", tool_version) << "/>\n";
  out << "    </properties>\n";
  for (const auto& u : units) {
    out << "    <testcase"
        << attr("classname", u.user ? "harden-bisect.user" : "harden-bisect.system")
        << attr("name", u.unit) << attr("time", seconds(u.duration)) << ">\n";
    switch (u.status) {
      case UnitOutcome::kPassed:
        break;
      case UnitOutcome::kFailed:
        out << "      <failure" << attr("type", u.failures.empty() ? "failed" : u.failures[0].kind)
            << attr("message",
                    report::one_line(u.failures.empty() ? u.error : u.failures[0].message))
            << ">" << xml(without_ansi(failure_body(u)), false) << "</failure>\n";
        break;
      case UnitOutcome::kError:
        out << "      <error" << attr("type", "error") << attr("message", report::one_line(u.error))
            << "/>\n";
        break;
      case UnitOutcome::kUnsupported:
        out << "      <skipped" << attr("message", report::one_line(u.error)) << "/>\n";
        break;
    }
    out << "      <system-out>" << xml(without_ansi(system_out(u)), false) << "</system-out>\n";
    out << "    </testcase>\n";
  }
  out << "  </testsuite>\n</testsuites>\n";
  return out.str();
}

std::string render_junit(const RunReport& report) {
  auto unit = summarize_run(report);
  return render_junit({unit}, "harden-bisect", report.tool_version);
}

}  // namespace hb
