// The JSON report; docs/report-json.md documents every field. Keep the two in step.
#include <nlohmann/json.hpp>

#include "harden_bisect/report_writers.hpp"
#include "harden_bisect/weak_probe.hpp"
#include "report_text.hpp"

namespace hb {
namespace {

// ordered_json keeps fields in the documented order, which makes the file easier to read.
using Json = nlohmann::ordered_json;

Json exposure(const Exposure& e) {
  return {{"score", e.score_text()}, {"tenths", e.tenths}, {"level", e.level()}};
}

Json evidence(const Evidence& ev) {
  return {
      {"summary", ev.summary},
      // -1 means the probe did not exit normally (or never ran): null is clearer to readers.
      {"probe_exit_status", ev.probe_exit_status < 0 ? Json(nullptr) : Json(ev.probe_exit_status)},
      {"probe_output_tail", ev.probe_output_tail},
      {"unit_result", ev.unit_result},
      {"exec_main_code", ev.exec_main_code},
      {"exec_main_status", ev.exec_main_status},
      {"journal", ev.journal}};
}

Json kept(const KeptOption& k) {
  return {{"id", k.id},
          {"group", k.group},
          {"rung", k.rung},
          {"settings", report::setting_lines(k.assignments)},
          {"repairs", report::setting_lines(k.repairs)},
          {"why", k.why}};
}

Json rejected(const RejectedOption& r) {
  return {{"id", r.id},
          {"group", r.group},
          {"rung", r.rung},
          {"settings", report::setting_lines(r.assignments)},
          {"repairs", report::setting_lines(r.repairs)},
          {"verdict", to_string(r.verdict.kind)},
          {"why", r.why},
          {"evidence", evidence(r.verdict.evidence)},
          {"duration_ms", r.verdict.duration.count()},
          {"maximality", r.maximality ? Json{{"verdict", to_string(r.maximality->kind)},
                                             {"summary", r.maximality->evidence.summary}}
                                      : Json(nullptr)}};
}

Json trial(const TrialRecord& t) {
  return {{"number", t.number},
          {"candidates", t.candidates},
          {"verdict", to_string(t.verdict.kind)},
          {"summary", t.verdict.evidence.summary},
          {"duration_ms", t.verdict.duration.count()}};
}

}  // namespace

std::string render_json(const RunReport& report, const ReportContext& context, bool pretty) {
  auto text_or_null = [](const std::string& s) { return s.empty() ? Json(nullptr) : Json(s); };
  Json doc = {
      {"format_version", kReportFormatVersion},
      {"unit", report.unit},
      {"tool_version", report.tool_version},
      {"confirmed", report.confirmed},
      {"duration_ms", report.duration.count()},
      {"trial_count", report.trials.size()},
      {"systemd_version", text_or_null(context.systemd_version)},
      {"probes", context.probes},
      {"weak_probes", weak_probe_notes(context.probes)},
      {"dropin", text_or_null(context.dropin)},
      {"exposure_scored_by", text_or_null(context.scored_by)},
      {"exposure_note", text_or_null(context.scoring_note)},
      {"exposure", {{"before", exposure(report.before)}, {"after", exposure(report.after)}}},
      {"kept", Json::array()},
      {"rejected", Json::array()},
      {"skipped", Json::array()},
      {"trials", Json::array()}};
  if (!report.usage.note.empty()) {
    auto rows = [](const std::vector<UsageRow>& list) {
      Json out = Json::array();
      for (const auto& r : list) {
        out.push_back({{"name", r.name},
                       {"held", r.held},
                       {"checked", r.checked()},
                       {"granted", r.granted},
                       {"denied", r.denied},
                       {"proven_needed", r.proven_needed}});
      }
      return out;
    };
    doc["usage"] = {{"traced", report.usage.traced},
                    {"note", report.usage.note},
                    {"capabilities", rows(report.usage.capabilities)},
                    {"syscall_groups", rows(report.usage.syscall_groups)},
                    {"address_families", rows(report.usage.address_families)},
                    {"namespaces", rows(report.usage.namespaces)}};
  }
  for (const auto& k : report.kept) doc["kept"].push_back(kept(k));
  for (const auto& r : report.rejected) doc["rejected"].push_back(rejected(r));
  for (const auto& s : report.skipped)
    doc["skipped"].push_back({{"id", s.id}, {"reason", s.reason}});
  for (const auto& t : report.trials) doc["trials"].push_back(trial(t));
  if (report.user_manager) {  // optional fields: only runs under a user manager have them
    doc["manager"] = "user";
    doc["unenforced"] = Json::array();
    for (const auto& u : report.unenforced)
      doc["unenforced"].push_back({{"id", u.id}, {"reason", u.reason}});
    if (report.before_enforced)
      doc["exposure"]["before_enforced"] = exposure(*report.before_enforced);
    if (report.after_enforced) doc["exposure"]["after_enforced"] = exposure(*report.after_enforced);
  }
  // Probe output and journal lines may hold any bytes; replace invalid UTF-8 (U+FFFD) instead
  // of letting dump() throw and lose the whole report.
  return doc.dump(pretty ? 2 : -1, ' ', false, Json::error_handler_t::replace) + "\n";
}

}  // namespace hb
