// The assignment model's rows: the registry's settings that have a merge kind.
#include <algorithm>

#include "assignment_model.hpp"

namespace hb::assignment {

const SettingRow* find_row(std::string_view key) {
  const Setting* s = registered_setting(key);
  return s && s->merge != MergeKind::kNone ? s : nullptr;
}

}  // namespace hb::assignment

namespace hb {

const char* to_string(Applicability applicability) {
  switch (applicability) {
    case Applicability::kStrengthens:
      return "strengthens";
    case Applicability::kAlreadySatisfied:
      return "already-satisfied";
    case Applicability::kWouldWeaken:
      return "would-weaken";
  }
  return "?";
}

const std::vector<Setting>& known_settings() {
  static const std::vector<Setting> kMerged = [] {
    std::vector<Setting> out;
    for (const auto& s : settings())
      if (s.merge != MergeKind::kNone) out.push_back(s);
    return out;
  }();
  return kMerged;
}

const Setting* find_setting(std::string_view key) { return assignment::find_row(key); }

std::vector<std::string> dbus_properties(const std::vector<Assignment>& assignments) {
  std::vector<std::string> out;
  for (const auto& a : assignments) {
    const auto* setting = find_setting(a.key);
    if (setting && std::find(out.begin(), out.end(), setting->key) == out.end()) {
      out.emplace_back(setting->key);
    }
  }
  return out;
}

}  // namespace hb
