#include "syscall_sets.hpp"

namespace hb::lint {

std::set<std::string> expand_syscall_group(std::string_view group) {
  std::set<std::string> out;
  for (const auto& set : syscall_sets_252()) {
    if (set.name != group) continue;
    for (auto member : set.members) {
      if (member.starts_with('@')) {
        out.merge(expand_syscall_group(member));
      } else {
        out.emplace(member);
      }
    }
  }
  return out;
}

}  // namespace hb::lint
