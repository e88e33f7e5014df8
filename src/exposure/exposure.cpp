#include "harden_bisect/exposure.hpp"

#include <algorithm>

#include "assessors.hpp"
#include "security_info.hpp"

namespace hb {

const PropertyValue* SecurityState::find(const std::string& name) const {
  // The last assignment wins, as when systemd maps GetAll's reply onto its struct.
  auto it = std::find_if(properties.rbegin(), properties.rend(),
                         [&](const Property& p) { return p.name == name; });
  return it == properties.rend() ? nullptr : &it->value;
}

const char* exposure_level(int tenths) {
  // analyze's badness_table[]: the first row whose threshold E reaches.
  static constexpr struct {
    int min;
    const char* name;
  } kLevels[] = {{100, "DANGEROUS"}, {90, "UNSAFE"}, {75, "EXPOSED"}, {50, "MEDIUM"},
                 {10, "OK"},         {1, "SAFE"},    {0, "PERFECT"}};
  for (const auto& level : kLevels)
    if (tenths >= level.min) return level.name;
  return "PERFECT";
}

std::string Exposure::score_text() const {
  return std::to_string(tenths / 10) + "." + std::to_string(tenths % 10);
}

std::string Exposure::level() const { return exposure_level(tenths); }

const AssessorScore* Exposure::find(std::string_view json_field) const {
  auto it = std::find_if(rows.begin(), rows.end(),
                         [&](const AssessorScore& r) { return r.json_field == json_field; });
  return it == rows.end() ? nullptr : &*it;
}

Exposure assess_exposure(const SecurityState& state, bool user_manager) {
  const exposure::SecurityInfo info = exposure::read_security_info(state, user_manager);
  Exposure out;
  uint64_t badness_sum = 0, weight_sum = 0;
  for (const exposure::Assessor& a : exposure::assessors()) {
    AssessorScore row{std::string(a.id), std::string(a.json_field), a.weight, a.range, {}};
    if (!(a.default_dependencies_only && !info.default_dependencies))
      row.badness = a.assess(a, info);
    if (row.badness) {
      // Each row is normalised by its own range and rounded up before summing (v252 assess()).
      badness_sum += (*row.badness * a.weight + a.range - 1) / a.range;
      weight_sum += a.weight;
    }
    out.rows.push_back(std::move(row));
  }
  // User=/DynamicUser= is never N/A, so weight_sum > 0.
  out.tenths = static_cast<int>((badness_sum * 100 + weight_sum - 1) / weight_sum);
  return out;
}

}  // namespace hb
