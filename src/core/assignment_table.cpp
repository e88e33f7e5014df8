// The settings table: one row per unit-file key the model can merge safely.
#include <algorithm>

#include "assignment_model.hpp"

namespace hb::assignment {
namespace {

SettingRow boolean(std::string_view key) { return {key, "b", Kind::kBool, {}, {}}; }

SettingRow levels(std::string_view key, std::vector<std::string_view> weakest_first,
                  std::string_view default_level, bool boolean_levels = false) {
  return {key, "s", Kind::kEnum, std::move(weakest_first), default_level, boolean_levels};
}

const std::vector<SettingRow> kRows = {
    boolean("PrivateTmp"),
    boolean("PrivateDevices"),
    boolean("PrivateNetwork"),
    boolean("PrivateUsers"),
    boolean("PrivateMounts"),
    boolean("PrivateIPC"),
    boolean("ProtectClock"),
    boolean("ProtectKernelTunables"),
    boolean("ProtectKernelModules"),
    boolean("ProtectKernelLogs"),
    boolean("ProtectControlGroups"),
    boolean("ProtectHostname"),
    boolean("LockPersonality"),
    boolean("MemoryDenyWriteExecute"),
    boolean("RestrictRealtime"),
    boolean("RestrictSUIDSGID"),
    boolean("RemoveIPC"),
    boolean("NoNewPrivileges"),
    boolean("DynamicUser"),
    {"Delegate", "b", Kind::kBoolOff, {}, {}},
    // Orders follow systemd-analyze's badness where it has one.
    levels("ProtectSystem", {"no", "yes", "full", "strict"}, "no", true),
    levels("ProtectHome", {"no", "read-only", "tmpfs", "yes"}, "no", true),
    levels("ProtectProc", {"default", "noaccess", "ptraceable", "invisible"}, "default"),
    levels("ProcSubset", {"all", "pid"}, "all"),
    // The system manager's default; units read over D-Bus always carry the real value.
    levels("KeyringMode", {"inherit", "shared", "private"}, "private"),
    levels("DevicePolicy", {"auto", "closed", "strict"}, "auto"),
    levels("NotifyAccess", {"all", "exec", "main", "none"}, "none"),
    {"UMask", "u", Kind::kUmask, {}, {}},
    {"CapabilityBoundingSet", "t", Kind::kCapabilities, {}, {}},
    {"RestrictNamespaces", "t", Kind::kNamespaces, {}, {}},
    {"SystemCallFilter", "(bas)", Kind::kSyscallFilter, {}, {}},
    {"RestrictAddressFamilies", "(bas)", Kind::kAddressFamilies, {}, {}},
    {"SystemCallArchitectures", "as", Kind::kArchitectures, {}, {}},
    {"IPAddressDeny", "a(iayu)", Kind::kIpDeny, {}, {}},
    {"IPAddressAllow", "a(iayu)", Kind::kIpAllow, {}, {}},
    // Only clearing is safe: "AmbientCapabilities=~CAP_X" on an empty set grants all but X.
    {"AmbientCapabilities", "t", Kind::kClear, {}, {}},
    {"SupplementaryGroups", "as", Kind::kClear, {}, {}},
};

}  // namespace

const std::vector<SettingRow>& rows() { return kRows; }

const SettingRow* find_row(std::string_view key) {
  auto it = std::find_if(kRows.begin(), kRows.end(),
                         [&](const SettingRow& row) { return row.key == key; });
  return it == kRows.end() ? nullptr : &*it;
}

}  // namespace hb::assignment

namespace hb {

const char* to_string(Applicability applicability) {
  switch (applicability) {
    case Applicability::kStrengthens:
      return "strengthens";
    case Applicability::kAlreadySatisfied:
      return "already-satisfied";
    case Applicability::kWouldWeaken:
      return "would-weaken";
  }
  return "?";
}

const std::vector<SettingInfo>& known_settings() {
  static const std::vector<SettingInfo> kSettings = [] {
    std::vector<SettingInfo> out;
    for (const auto& row : assignment::rows()) {
      out.push_back({std::string(row.key), std::string(row.key), std::string(row.signature)});
    }
    return out;
  }();
  return kSettings;
}

const SettingInfo* find_setting(std::string_view key) {
  const auto& all = known_settings();
  auto it =
      std::find_if(all.begin(), all.end(), [&](const SettingInfo& s) { return s.key == key; });
  return it == all.end() ? nullptr : &*it;
}

std::vector<std::string> dbus_properties(const std::vector<Assignment>& assignments) {
  std::vector<std::string> out;
  for (const auto& a : assignments) {
    const auto* setting = find_setting(a.key);
    if (setting && std::find(out.begin(), out.end(), setting->dbus_name) == out.end()) {
      out.push_back(setting->dbus_name);
    }
  }
  return out;
}

}  // namespace hb
