// The groups of the option catalogue, in the order drop-ins and reports list them.
#pragma once

#include <string_view>
#include <vector>

namespace hb {

struct OptionGroup {
  std::string_view id;     // as the catalogue spells it ("filesystem")
  std::string_view title;  // a drop-in section's heading ("File system")
};

const std::vector<OptionGroup>& option_groups();

// The group's title, or nullptr for an unknown id.
const OptionGroup* find_option_group(std::string_view id);

}  // namespace hb
