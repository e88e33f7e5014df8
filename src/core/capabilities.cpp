#include "harden_bisect/capabilities.hpp"

#include <sys/capability.h>

#include <algorithm>
#include <cctype>

namespace hb {

std::optional<std::string> capability_name(int number) {
  char* raw = cap_to_name(static_cast<cap_value_t>(number));
  if (raw == nullptr) return std::nullopt;
  std::string name = raw;
  cap_free(raw);
  for (char& c : name) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (name.rfind("CAP_", 0) != 0) return std::nullopt;  // libcap's bare number
  return name;
}

std::optional<int> capability_number(std::string_view name) {
  // libcap also accepts numbers, lower case and comma lists; systemd users write CAP_FOO.
  if (name.size() < 5 || name.substr(0, 4) != "CAP_") return std::nullopt;
  if (!std::all_of(name.begin(), name.end(), [](char c) {
        return std::isupper(static_cast<unsigned char>(c)) ||
               std::isdigit(static_cast<unsigned char>(c)) || c == '_';
      })) {
    return std::nullopt;
  }
  cap_value_t value = 0;
  const std::string text(name);
  if (cap_from_name(text.c_str(), &value) != 0 || value < 0 || value > 63) return std::nullopt;
  return static_cast<int>(value);
}

const std::vector<std::string>& kernel_capabilities() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (int cap = 0; cap < static_cast<int>(cap_max_bits()) && cap < 64; ++cap)
      out.push_back(capability_name(cap).value_or(std::to_string(cap)));
    return out;
  }();
  return names;
}

uint64_t kernel_capability_mask() {
  const auto n = kernel_capabilities().size();
  return n >= 64 ? UINT64_MAX : (uint64_t{1} << n) - 1;
}

}  // namespace hb
