// The capability table: libcap's, spelled as systemd spells it ("CAP_NET_ADMIN").
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hb {

// "CAP_X" for a capability number libcap knows by name; nullopt for a bare number.
std::optional<std::string> capability_name(int number);

// The number of "CAP_X" (upper case only, as unit files write it); nullopt if unknown.
std::optional<int> capability_number(std::string_view name);

// Every capability of the running kernel (cap_max_bits(), at most 64), by number; one libcap has
// no name for is spelled as its number, as systemd prints it.
const std::vector<std::string>& kernel_capabilities();

// The mask of kernel_capabilities().
uint64_t kernel_capability_mask();

}  // namespace hb
