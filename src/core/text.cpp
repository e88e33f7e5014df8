#include "harden_bisect/text.hpp"

#include <algorithm>
#include <array>

namespace hb {

std::optional<bool> parse_boolean(std::string_view value) {
  static constexpr std::array<std::string_view, 6> kTrue = {"1", "yes", "y", "true", "t", "on"};
  static constexpr std::array<std::string_view, 6> kFalse = {"0", "no", "n", "false", "f", "off"};
  const auto is = [&](std::string_view word) {
    return std::equal(value.begin(), value.end(), word.begin(), word.end(), [](char a, char b) {
      return (a >= 'A' && a <= 'Z' ? a - 'A' + 'a' : a) == b;
    });
  };
  if (std::any_of(kTrue.begin(), kTrue.end(), is)) return true;
  if (std::any_of(kFalse.begin(), kFalse.end(), is)) return false;
  return std::nullopt;
}

std::string without_ansi(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '\x1b' || i + 1 >= text.size() || text[i + 1] != '[') {
      out.push_back(text[i]);
      continue;
    }
    // ECMA-48 CSI: ESC [ parameter bytes 0x30-0x3F, intermediate bytes 0x20-0x2F, final byte
    // 0x40-0x7E.
    std::size_t j = i + 2;
    while (j < text.size() && text[j] >= 0x30 && text[j] <= 0x3F) ++j;
    while (j < text.size() && text[j] >= 0x20 && text[j] <= 0x2F) ++j;
    i = j < text.size() && text[j] >= 0x40 && text[j] <= 0x7E ? j : text.size();
  }
  return out;
}

}  // namespace hb
