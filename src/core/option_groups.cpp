#include "harden_bisect/option_groups.hpp"

#include <algorithm>

namespace hb {

const std::vector<OptionGroup>& option_groups() {
  static const std::vector<OptionGroup> kGroups = {
      {"identity", "User identity"}, {"filesystem", "File system"},    {"devices", "Devices"},
      {"kernel", "Kernel"},          {"capabilities", "Capabilities"}, {"network", "Network"},
      {"namespaces", "Namespaces"},  {"syscalls", "System calls"},     {"process", "Processes"}};
  return kGroups;
}

const OptionGroup* find_option_group(std::string_view id) {
  const auto& groups = option_groups();
  auto it =
      std::find_if(groups.begin(), groups.end(), [&](const OptionGroup& g) { return g.id == id; });
  return it == groups.end() ? nullptr : &*it;
}

}  // namespace hb
