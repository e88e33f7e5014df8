// summary.json: every UnitSummary field, so `plan merge` and `--baseline` can read a plan's
// outcome back without the per-unit reports. docs/plan-summary.schema.json describes it.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "harden_bisect/plan_outputs.hpp"
#include "harden_bisect/weak_probe.hpp"

namespace hb {
namespace {

using Json = nlohmann::ordered_json;

Json option_json(const OptionLine& o) {
  Json j = {{"id", o.id}, {"rung", o.rung}, {"setting", o.setting}, {"note", o.note}};
  if (!o.evidence.empty()) j["evidence"] = o.evidence;
  return j;
}

Json options_json(const std::vector<OptionLine>& list) {
  Json out = Json::array();
  for (const auto& o : list) out.push_back(option_json(o));
  return out;
}

Json optional_number(const std::optional<int>& v) { return v ? Json(*v) : Json(nullptr); }

Json unit_json(const UnitSummary& u) {
  Json exposed = Json::array();
  for (const auto& r : u.exposed) {
    exposed.push_back({{"id", r.id},
                       {"json_field", r.json_field},
                       {"weight", r.weight},
                       {"range", r.range},
                       {"badness", r.badness}});
  }
  Json failures = Json::array();
  for (const auto& f : u.failures) {
    failures.push_back({{"kind", f.kind}, {"message", f.message}, {"detail", f.detail}});
  }
  return {{"index", u.index},
          {"unit", u.unit},
          {"user", u.user},
          {"status", to_string(u.status)},
          {"probes", u.probes},
          {"weak_probes", weak_probe_notes(u.probes)},  // derived from probes, not parsed back
          {"ceiling", u.ceiling ? Json(*u.ceiling) : Json(nullptr)},
          {"exposure_before_tenths", optional_number(u.before_tenths)},
          {"exposure_after_tenths", optional_number(u.after_tenths)},
          {"confirmed", u.confirmed},
          {"trial_count", u.trial_count},
          {"duration_ms", u.duration.count()},
          {"error", u.error},
          {"error_code", static_cast<int>(u.error_code)},
          {"failures", failures},
          {"kept", options_json(u.kept)},
          {"rejected", options_json(u.rejected)},
          {"skipped", options_json(u.skipped)},
          {"exposed", exposed},
          {"dropin_file", u.dropin_file},
          {"report_file", u.report_file}};
}

std::vector<OptionLine> options_from(const Json& list) {
  std::vector<OptionLine> out;
  for (const auto& o : list) {
    out.push_back({o.at("id").get<std::string>(), o.at("rung").get<std::string>(),
                   o.value("setting", std::string()), o.value("note", std::string()),
                   o.value("evidence", std::string())});
  }
  return out;
}

std::optional<int> optional_int(const Json& j) {
  if (j.is_null()) return std::nullopt;
  return j.get<int>();
}

UnitOutcome status_from(const std::string& name) {
  for (auto s : {UnitOutcome::kPassed, UnitOutcome::kFailed, UnitOutcome::kError,
                 UnitOutcome::kUnsupported}) {
    if (name == to_string(s)) return s;
  }
  throw std::runtime_error("unknown status '" + name + "'");
}

UnitSummary unit_from(const Json& j) {
  UnitSummary u;
  u.index = j.at("index").get<std::size_t>();
  u.unit = j.at("unit").get<std::string>();
  u.user = j.value("user", false);
  u.status = status_from(j.at("status").get<std::string>());
  u.probes = j.at("probes").get<std::vector<std::string>>();
  if (!j.at("ceiling").is_null()) u.ceiling = j.at("ceiling").get<double>();
  u.before_tenths = optional_int(j.at("exposure_before_tenths"));
  u.after_tenths = optional_int(j.at("exposure_after_tenths"));
  u.confirmed = j.at("confirmed").get<bool>();
  u.trial_count = j.at("trial_count").get<std::size_t>();
  u.duration = std::chrono::milliseconds(j.at("duration_ms").get<long long>());
  u.error = j.at("error").get<std::string>();
  u.error_code = static_cast<ExitCode>(j.at("error_code").get<int>());
  for (const auto& f : j.at("failures")) {
    u.failures.push_back({f.at("kind").get<std::string>(), f.at("message").get<std::string>(),
                          f.value("detail", std::string())});
  }
  u.kept = options_from(j.at("kept"));
  u.rejected = options_from(j.at("rejected"));
  u.skipped = options_from(j.at("skipped"));
  for (const auto& r : j.at("exposed")) {
    u.exposed.push_back({r.at("id").get<std::string>(), r.at("json_field").get<std::string>(),
                         r.at("weight").get<uint64_t>(), r.at("range").get<uint64_t>(),
                         r.at("badness").get<uint64_t>()});
  }
  u.dropin_file = j.value("dropin_file", std::string());
  u.report_file = j.value("report_file", std::string());
  return u;
}

}  // namespace

bool any_failed(const std::vector<UnitSummary>& units) {
  for (const auto& u : units) {
    if (u.status == UnitOutcome::kFailed || u.status == UnitOutcome::kError) return true;
  }
  return false;
}

std::string render_summary_json(const PlanSummary& s) {
  std::size_t counts[4] = {0, 0, 0, 0};
  Json units = Json::array();
  for (const auto& u : s.units) {
    ++counts[static_cast<int>(u.status)];
    units.push_back(unit_json(u));
  }
  Json doc = {
      {"format_version", kSummaryFormatVersion},
      {"kind", "harden-bisect-plan-summary"},
      {"tool_version", s.tool_version},
      {"plan", s.plan},
      {"shards", s.shards},
      {"systemd_version", s.systemd_version.empty() ? Json(nullptr) : Json(s.systemd_version)},
      {"threshold", s.threshold ? Json(*s.threshold) : Json(nullptr)},
      {"baseline", s.baseline.empty() ? Json(nullptr) : Json(s.baseline)},
      {"totals",
       {{"units", s.units.size()},
        {"passed", counts[0]},
        {"failed", counts[1]},
        {"errors", counts[2]},
        {"unsupported", counts[3]}}},
      {"units", units}};
  return doc.dump(2, ' ', false, Json::error_handler_t::replace) + "\n";
}

Result<PlanSummary> parse_summary_json(const std::string& text, const std::string& origin) {
  try {
    const auto doc = Json::parse(text);
    if (doc.value("kind", std::string()) != "harden-bisect-plan-summary") {
      return Error{origin + ": not a harden-bisect plan summary", ErrorKind::kBadInput};
    }
    if (doc.at("format_version").get<int>() != kSummaryFormatVersion) {
      return Error{
          origin + ": unsupported summary format_version " + doc.at("format_version").dump(),
          ErrorKind::kBadInput};
    }
    PlanSummary s;
    s.tool_version = doc.at("tool_version").get<std::string>();
    s.plan = doc.at("plan").get<std::string>();
    s.shards = doc.at("shards").get<std::vector<std::string>>();
    if (!doc.at("systemd_version").is_null()) {
      s.systemd_version = doc.at("systemd_version").get<std::string>();
    }
    if (!doc.at("threshold").is_null()) s.threshold = doc.at("threshold").get<double>();
    if (!doc.at("baseline").is_null()) s.baseline = doc.at("baseline").get<std::string>();
    for (const auto& u : doc.at("units")) s.units.push_back(unit_from(u));
    return s;
  } catch (const std::exception& e) {
    return Error{origin + ": " + e.what(), ErrorKind::kBadInput};
  }
}

Result<PlanSummary> merge_summaries(const std::vector<PlanSummary>& shards) {
  if (shards.empty()) return Error{"nothing to merge", ErrorKind::kUsage};
  PlanSummary out = shards.front();
  out.units.clear();
  out.shards.clear();
  std::map<std::size_t, std::string> seen;  // plan position -> unit
  for (const auto& shard : shards) {
    if (shard.plan != out.plan) {
      return Error{"cannot merge shards of different plans: " + out.plan + " and " + shard.plan,
                   ErrorKind::kBadInput};
    }
    for (const auto& name : shard.shards) out.shards.push_back(name);
    for (const auto& u : shard.units) {
      auto [it, fresh] = seen.emplace(u.index, u.unit);
      if (!fresh) {
        return Error{"plan entry " + std::to_string(u.index + 1) + " (" + u.unit +
                         ") is in more than one shard output",
                     ErrorKind::kBadInput};
      }
      out.units.push_back(u);
    }
  }
  sort_by_plan_order(out.units);
  std::sort(out.shards.begin(), out.shards.end());
  return out;
}

Result<Baseline> load_baseline(const std::string& path) {
  std::string file = path;
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) file = path + "/summary.json";
  std::ifstream in(file, std::ios::binary);
  if (!in) return Error{"cannot read baseline " + file, ErrorKind::kBadInput};
  std::ostringstream text;
  text << in.rdbuf();
  Baseline baseline;
  baseline.origin = file;
  try {
    const auto doc = Json::parse(text.str());
    if (doc.value("kind", std::string()) == "harden-bisect-plan-summary") {
      auto summary = parse_summary_json(text.str(), file);
      if (!summary) return summary.error();
      for (const auto& u : summary->units) {
        if (u.after_tenths) baseline.kept[u.unit] = u.kept;
      }
      return baseline;
    }
    // A JSON report of one unit (docs/report-json.md).
    auto& kept = baseline.kept[doc.at("unit").get<std::string>()];
    for (const auto& k : doc.at("kept")) {
      kept.push_back({k.at("id").get<std::string>(), k.at("rung").get<std::string>(), "", ""});
    }
    return baseline;
  } catch (const std::exception& e) {
    return Error{"baseline " + file + ": " + e.what(), ErrorKind::kBadInput};
  }
}

void add_regressions(UnitSummary& unit, const Baseline& baseline) {
  const auto it = baseline.kept.find(unit.unit);
  if (it == baseline.kept.end()) return;
  for (const auto& before : it->second) {
    for (const auto& now : unit.rejected) {
      if (now.id != before.id || now.rung != before.rung) continue;
      unit.failures.push_back({"regression",
                               "regression: " + (now.setting.empty() ? now.id : now.setting) +
                                   " was kept by the baseline and now fails: " + now.note,
                               now.evidence});
    }
  }
  if (!unit.failures.empty() && unit.status == UnitOutcome::kPassed) {
    unit.status = UnitOutcome::kFailed;
  }
}

}  // namespace hb
