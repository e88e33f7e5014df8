// The table of weak probes, by the name of the program (any directory: bundled or installed).
#include "harden_bisect/weak_probe.hpp"

#include <string_view>

namespace hb {
namespace {

struct WeakProbe {
  std::string_view program;
  std::string_view why;
};

constexpr WeakProbe kWeakProbes[] = {
    {"unit-active",
     "weak probe: it only checks that the copy stays active, not that the service does its job; "
     "options that break its work are kept"},
};

}  // namespace

std::vector<std::string> default_discover_probe() {
  return {"unit-active", "--settle", std::to_string(kDiscoverSettle.count())};
}

std::optional<std::string> weak_probe_reason(const std::string& command) {
  const std::string program = command.substr(0, command.find(' '));
  const std::string base = program.substr(program.rfind('/') + 1);  // npos + 1 == 0
  for (const auto& weak : kWeakProbes) {
    if (base == weak.program) return std::string(weak.why);
  }
  return std::nullopt;
}

std::vector<std::string> weak_probe_notes(const std::vector<std::string>& commands) {
  std::vector<std::string> out;
  for (const auto& command : commands) {
    if (auto why = weak_probe_reason(command)) out.push_back(command + ": " + *why);
  }
  return out;
}

}  // namespace hb
