// SARIF 2.1.0 for code-scanning dashboards: the rules are the rows of systemd-analyze security
// (v252 table, taken from the scorer itself so the two can never drift); a result is a row a
// unit still has exposed after hardening. https://docs.oasis-open.org/sarif/sarif/v2.1.0/
#include <map>
#include <nlohmann/json.hpp>

#include "harden_bisect/ci_writers.hpp"
#include "harden_bisect/exposure.hpp"

namespace hb {
namespace {

using Json = nlohmann::ordered_json;

// Heavy rows (systemd-analyze weights go up to 2000) are warnings, light ones notes.
const char* level_of(uint64_t weight) { return weight >= 500 ? "warning" : "note"; }

}  // namespace

std::string render_sarif(const std::vector<UnitSummary>& units, const std::string& tool_version) {
  // Every row of the table: the exposure of a unit with nothing set lists them all.
  const auto table = assess_exposure(SecurityState{}).rows;
  Json rules = Json::array();
  std::map<std::string, std::size_t> rule_index;
  for (const auto& row : table) {
    if (rule_index.count(row.id)) continue;
    rule_index[row.id] = rules.size();
    rules.push_back(
        {{"id", row.id},
         {"name", row.json_field},
         {"shortDescription", {{"text", "systemd-analyze security row " + row.id}}},
         {"fullDescription",
          {{"text", "Counted by `systemd-analyze security` with weight " +
                        std::to_string(row.weight) +
                        " when not hardened; harden-bisect reports it when the service does "
                        "not survive the setting or it was not tried."}}},
         {"defaultConfiguration", {{"level", level_of(row.weight)}}},
         {"properties", {{"weight", row.weight}, {"range", row.range}}}});
  }
  Json results = Json::array();
  for (const auto& u : units) {
    for (const auto& row : u.exposed) {
      Json result = {{"ruleId", row.id}};
      if (auto it = rule_index.find(row.id); it != rule_index.end()) {
        result["ruleIndex"] = it->second;
      }
      result["level"] = level_of(row.weight);
      result["message"] = {{"text", u.unit + " stays exposed on " + row.id + " (badness " +
                                        std::to_string(row.badness) + "/" +
                                        std::to_string(row.range) + ", weight " +
                                        std::to_string(row.weight) + ")"}};
      result["locations"] = Json::array(
          {{{"logicalLocations",
             Json::array(
                 {{{"name", u.unit}, {"fullyQualifiedName", u.unit}, {"kind", "module"}}})}}});
      result["partialFingerprints"] = {{"harden-bisect/unit-row/v1", u.unit + "|" + row.id}};
      result["properties"] = {
          {"unit", u.unit}, {"badness", row.badness}, {"weight", row.weight}, {"range", row.range}};
      results.push_back(std::move(result));
    }
  }
  Json doc = {
      {"$schema", "https://json.schemastore.org/sarif-2.1.0.json"},
      {"version", "2.1.0"},
      {"runs",
       Json::array({{{"tool",
                      {{"driver",
                        {{"name", "harden-bisect"}, {"version", tool_version}, {"rules", rules}}}}},
                     {"columnKind", "unicodeCodePoints"},
                     {"results", results}}})}};
  return doc.dump(2, ' ', false, Json::error_handler_t::replace) + "\n";
}

}  // namespace hb
