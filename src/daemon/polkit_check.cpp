#include "polkit_check.hpp"

#include <sdbus-c++/sdbus-c++.h>

#include <chrono>
#include <map>
#include <tuple>

namespace hb::daemon {

PolkitAnswer polkit_check(sdbus::IConnection& bus, const std::string& sender,
                          const std::string& action) {
  // Long enough for a person to type a password into their agent; polkit's own default.
  constexpr auto kTimeout = std::chrono::minutes(2);
  constexpr std::uint32_t kAllowUserInteraction = 1;
  using Subject = sdbus::Struct<std::string, std::map<std::string, sdbus::Variant>>;
  try {
    auto authority = sdbus::createProxy(bus, "org.freedesktop.PolicyKit1",
                                        "/org/freedesktop/PolicyKit1/Authority");
    const Subject subject{"system-bus-name", {{"name", sdbus::Variant(sender)}}};
    sdbus::Struct<bool, bool, std::map<std::string, std::string>> result;
    authority->callMethod("CheckAuthorization")
        .onInterface("org.freedesktop.PolicyKit1.Authority")
        .withTimeout(kTimeout)
        .withArguments(subject, action, std::map<std::string, std::string>{}, kAllowUserInteraction,
                       std::string{})
        .storeResultsTo(result);
    const bool authorized = std::get<0>(result);
    const bool challenge = std::get<1>(result);
    if (authorized) return {true, {}};
    return {false, challenge ? std::string("polkit: authentication required, and no agent answered")
                             : "polkit: not authorized for " + action};
  } catch (const sdbus::Error& e) {
    return {false, "polkit could not be asked (" + e.getName() + ")"};
  }
}

}  // namespace hb::daemon
