// Pure writers for lint results: the text table and the JSON array.
#include <algorithm>
#include <nlohmann/json.hpp>
#include <sstream>

#include "harden_bisect/assignment.hpp"
#include "harden_bisect/lint.hpp"

namespace hb {
namespace {

std::string tenths_text(int tenths) {
  return std::to_string(tenths / 10) + "." + std::to_string(tenths % 10);
}

std::string padded(std::string s, std::size_t width) {
  if (s.size() < width) s.append(width - s.size(), ' ');
  return s;
}

}  // namespace

std::string render_lint_text(const std::vector<LintResult>& results, std::size_t max_candidates) {
  if (results.empty()) return "";
  std::size_t width = 4;
  for (const auto& r : results) width = std::max(width, r.unit.id.size());
  std::ostringstream out;
  out << padded("UNIT", width) << " EXPOSURE PREDICATE\n";
  for (const auto& r : results) {
    const std::string score = r.exposure.score_text();
    out << padded(r.unit.id, width) << " "
        << std::string(8 - std::min<std::size_t>(8, score.size()), ' ') << score << " "
        << r.exposure.level() << "\n";
    const std::size_t shown = std::min(max_candidates, r.candidates.size());
    for (std::size_t i = 0; i < shown; ++i) {
      const auto& c = r.candidates[i];
      out << "    " << join_assignments(c.assignments) << "  -> " << tenths_text(c.tenths_after)
          << "\n";
    }
    if (shown < r.candidates.size())
      out << "    (" << r.candidates.size() - shown << " more; --candidates=N shows more)\n";
  }
  return out.str();
}

std::string render_lint_json(const std::vector<LintResult>& results, bool pretty) {
  auto doc = nlohmann::json::array();
  for (const auto& r : results) {
    auto candidates = nlohmann::json::array();
    for (const auto& c : r.candidates) {
      auto set = nlohmann::json::array();
      for (const auto& a : c.assignments) set.push_back(a.key + "=" + a.value);
      candidates.push_back({{"option", c.option_id},
                            {"set", set},
                            {"exposure", c.tenths_after / 10.0},
                            {"gain", c.gain}});
    }
    doc.push_back({{"unit", r.unit.id},
                   {"path", r.unit.fragment_path},
                   {"dropins", r.unit.dropin_paths},
                   {"exposure", r.exposure.tenths / 10.0},
                   {"predicate", r.exposure.level()},
                   {"candidates", candidates}});
  }
  // Invalid UTF-8 in a path must not abort the dump.
  return doc.dump(pretty ? 2 : -1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

}  // namespace hb
