// Small text rules shared by every layer, each written once.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace hb {

// systemd's parse_boolean(): 1/yes/y/true/t/on and 0/no/n/false/f/off, any case.
std::optional<bool> parse_boolean(std::string_view value);

// `text` without ANSI CSI sequences ("\x1b[31m"): probes and sd_bus_message_dump colour their
// output, and what is compared or stored must not depend on a terminal. An unterminated
// sequence is dropped to the end of the text.
std::string without_ansi(std::string_view text);

}  // namespace hb
