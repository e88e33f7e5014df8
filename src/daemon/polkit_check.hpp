// Asking polkit whether a bus caller may do something (org.freedesktop.PolicyKit1.Authority).
#pragma once

#include <sdbus-c++/IConnection.h>

#include <string>

namespace hb::daemon {

// The polkit action of every state-changing call (Submit, Cancel, Apply); see
// data/polkit/org.hardenbisect1.policy (auth_admin_keep for local administrators).
inline constexpr const char* kPolkitAction = "org.hardenbisect1.manage";

struct PolkitAnswer {
  bool authorized = false;
  std::string why;  // when not authorized: what polkit said, or why it could not be asked
};

// CheckAuthorization for the caller's unique bus name, allowing interaction, so the caller's
// authentication agent may ask for an administrator's password (auth_admin_keep). The call is
// synchronous: the daemon's bus loop waits for the answer (jobs keep running on their threads;
// their progress signals are sent once polkit has answered, at most `timeout` later).
PolkitAnswer polkit_check(sdbus::IConnection& bus, const std::string& sender,
                          const std::string& action);

}  // namespace hb::daemon
