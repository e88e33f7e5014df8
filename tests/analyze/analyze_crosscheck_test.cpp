// Cross-check: assess_exposure() on a unit's D-Bus-equivalent state must give, row for row, what
// the real `systemd-analyze security --offline=true` prints for the same unit file.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include "analyzer.hpp"
#include "harden_bisect/exposure.hpp"

namespace hb {
namespace {

testing::Analyzer* g_analyzer = nullptr;  // set up by main()
std::filesystem::path g_dir;              // scratch dir for the unit files

// What D-Bus reports for SystemCallFilter=@system-service then ~@privileged @resources: the allow
// list with @default added (systemd adds it to every allow-list) and the denied groups removed.
NameList system_service_allow_list() {
  static const NameList list = [] {
    std::set<std::string> allowed = g_analyzer->syscall_group("@system-service");
    allowed.merge(g_analyzer->syscall_group("@default"));
    std::set<std::string> denied = g_analyzer->syscall_group("@privileged");
    denied.merge(g_analyzer->syscall_group("@resources"));
    NameList l{true, {}};
    for (const auto& s : allowed)
      if (!denied.contains(s)) l.names.push_back(s);
    return l;
  }();
  return list;
}

uint64_t cap(int n) { return uint64_t{1} << n; }
constexpr uint64_t kCapAll = UINT64_MAX;
constexpr uint64_t kNamespacesAll = 0x7e020000;  // NAMESPACE_FLAGS_ALL
const IpPrefix kAny4{2, {0, 0, 0, 0}, 0};
const IpPrefix kAny6{10, std::vector<uint8_t>(16, 0), 0};
const IpPrefix kLocal4{2, {127, 0, 0, 0}, 8};
const IpPrefix kLocal6{10, {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, 128};

struct Case {
  std::string name;                     // unit name without ".service"
  std::string unit_lines;               // [Service] body
  std::function<PropertyList()> state;  // the properties systemd would report after load
  bool user_manager = false;
};

// The sandboxing of the .md's strong unit: `strict` portable profile plus the rest.
const char* kStrongLines =
    "RemoveIPC=yes\nCapabilityBoundingSet=\nPrivateTmp=yes\nPrivateDevices=yes\n"
    "PrivateUsers=yes\nPrivateMounts=yes\nPrivateNetwork=yes\nProtectSystem=strict\n"
    "ProtectHome=yes\nProtectKernelTunables=yes\nProtectKernelModules=yes\n"
    "ProtectKernelLogs=yes\nProtectControlGroups=yes\nProtectClock=yes\nKeyringMode=private\n"
    "UMask=0077\nNoNewPrivileges=yes\nMemoryDenyWriteExecute=yes\nRestrictSUIDSGID=yes\n"
    "RestrictNamespaces=yes\nSystemCallFilter=@system-service\n"
    "SystemCallFilter=~@privileged @resources\nSystemCallArchitectures=native\nIPAddressDeny=any\n";

PropertyList strong_properties() {
  return {{"RemoveIPC", true},
          {"CapabilityBoundingSet", uint64_t{0}},
          {"PrivateTmp", true},
          {"PrivateDevices", true},
          {"DevicePolicy", std::string("closed")},          // PrivateDevices
          {"DeviceAllow", StringPairs{{"char-rtc", "r"}}},  // ProtectClock with a device policy
          {"PrivateUsers", true},
          {"PrivateMounts", true},
          {"PrivateNetwork", true},
          {"ProtectSystem", std::string("strict")},
          {"ProtectHome", std::string("yes")},
          {"ProtectKernelTunables", true},
          {"ProtectKernelModules", true},
          {"ProtectKernelLogs", true},
          {"ProtectControlGroups", true},
          {"ProtectClock", true},
          {"KeyringMode", std::string("private")},
          {"UMask", uint32_t{0077}},
          {"NoNewPrivileges", true},
          {"MemoryDenyWriteExecute", true},
          {"RestrictSUIDSGID", true},
          {"RestrictNamespaces", uint64_t{0}},
          {"SystemCallFilter", system_service_allow_list()},
          {"SystemCallArchitectures", std::vector<std::string>{"native"}},
          {"IPAddressDeny", std::vector<IpPrefix>{kAny4, kAny6}}};
}

PropertyList plus(PropertyList base, const PropertyList& more) {
  base.insert(base.end(), more.begin(), more.end());
  return base;
}

std::vector<Case> cases() {
  return {
      {"bare", "", [] { return PropertyList{}; }},
      {"nnp", "NoNewPrivileges=yes\n",
       [] {
         return PropertyList{{"NoNewPrivileges", true}};
       }},
      {"psfull", "ProtectSystem=full\n",
       [] {
         return PropertyList{{"ProtectSystem", std::string("full")}};
       }},
      {"capnbs", "CapabilityBoundingSet=CAP_NET_BIND_SERVICE\n",
       [] {
         return PropertyList{{"CapabilityBoundingSet", cap(10)}};
       }},
      {"afs", "RestrictAddressFamilies=AF_UNIX AF_INET\n",
       [] {
         return PropertyList{{"RestrictAddressFamilies", NameList{true, {"AF_UNIX", "AF_INET"}}}};
       }},
      {"scf", "SystemCallFilter=@system-service\nSystemCallFilter=~@privileged @resources\n",
       [] {
         return PropertyList{{"SystemCallFilter", system_service_allow_list()}};
       }},
      {"scfdeny",
       "SystemCallFilter=~@debug @mount @swap:EPERM\nSystemCallArchitectures=native x86\n",
       [] {
         std::set<std::string> denied;
         for (const char* g : {"@debug", "@mount", "@swap"})
           denied.merge(g_analyzer->syscall_group(g));
         NameList l{false, {}};
         for (const auto& s : denied) l.names.push_back(s == "swapon" ? "swapon:EPERM" : s);
         return PropertyList{
             {"SystemCallFilter", l},
             {"SystemCallArchitectures", std::vector<std::string>{"native", "x86"}}};
       }},
      {"scfsvc", "SystemCallFilter=@system-service\n",
       [] {  // @system-service keeps @chown and @resources: those two rows score 9
         std::set<std::string> allowed = g_analyzer->syscall_group("@system-service");
         allowed.merge(g_analyzer->syscall_group("@default"));
         return PropertyList{
             {"SystemCallFilter", NameList{true, {allowed.begin(), allowed.end()}}}};
       }},
      // Only the x86_64 members of each group: analyze must skip the others (rtas, vm86, ...).
      {"scfnative",
       "SystemCallFilter=~lookup_dcookie perf_event_open pidfd_getfd ptrace adjtimex "
       "clock_adjtime clock_settime settimeofday modify_ldt ioperm iopl swapon swapoff\n",
       [] {
         return PropertyList{
             {"SystemCallFilter",
              NameList{false,
                       {"lookup_dcookie", "perf_event_open", "pidfd_getfd", "ptrace", "adjtimex",
                        "clock_adjtime", "clock_settime", "settimeofday", "modify_ldt", "ioperm",
                        "iopl", "swapon", "swapoff"}}}};
       }},
      {"iplocal", "IPAddressDeny=any\nIPAddressAllow=localhost\n",
       [] {
         return PropertyList{{"IPAddressDeny", std::vector<IpPrefix>{kAny4, kAny6}},
                             {"IPAddressAllow", std::vector<IpPrefix>{kLocal4, kLocal6}}};
       }},
      {"iplan", "IPAddressDeny=any\nIPAddressAllow=localhost 192.168.0.0/16\n",
       [] {
         return PropertyList{
             {"IPAddressDeny", std::vector<IpPrefix>{kAny4, kAny6}},
             {"IPAddressAllow",
              std::vector<IpPrefix>{kLocal4, kLocal6, IpPrefix{2, {192, 168, 0, 0}, 16}}}};
       }},
      {"dyn", "DynamicUser=yes\nStateDirectory=dyn\n",
       [] {  // unit_patch_contexts() implications of DynamicUser=yes
         return PropertyList{{"DynamicUser", true},
                             {"User", std::string("dyn")},
                             {"PrivateTmp", true},
                             {"RemoveIPC", true},
                             {"ProtectSystem", std::string("strict")},
                             {"ProtectHome", std::string("read-only")},
                             {"NoNewPrivileges", true},
                             {"RestrictSUIDSGID", true}};
       }},
      {"umask", "UMask=0077\n",
       [] {
         return PropertyList{{"UMask", uint32_t{0077}}};
       }},
      {"phtmpfs", "ProtectHome=tmpfs\n",
       [] {
         return PropertyList{{"ProtectHome", std::string("tmpfs")}};
       }},
      {"ns", "RestrictNamespaces=~user net\n",
       [] {
         const uint64_t user_net = 0x10000000 | 0x40000000;
         return PropertyList{{"RestrictNamespaces", kNamespacesAll & ~user_net}};
       }},
      {"devclock", "PrivateDevices=yes\nProtectClock=yes\nDevicePolicy=closed\n",
       [] {
         return PropertyList{
             {"PrivateDevices", true},
             {"ProtectClock", true},
             {"DevicePolicy", std::string("closed")},
             {"DeviceAllow", StringPairs{{"char-rtc", "r"}}},
             {"CapabilityBoundingSet", kCapAll & ~(cap(27) | cap(17) | cap(25) | cap(35))}};
       }},
      {"nobody",
       "User=nobody\nSupplementaryGroups=adm\nProtectProc=noaccess\nNotifyAccess=all\n"
       "Delegate=yes\nAmbientCapabilities=CAP_NET_RAW\nRootDirectory=/srv/root\n",
       [] {
         return PropertyList{{"User", std::string("nobody")},
                             {"SupplementaryGroups", std::vector<std::string>{"adm"}},
                             {"ProtectProc", std::string("noaccess")},
                             {"NotifyAccess", std::string("all")},
                             {"Delegate", true},
                             {"AmbientCapabilities", cap(13)},
                             {"RootDirectory", std::string("/srv/root")}};
       }},
      {"nodeps", "[Unit]\nDefaultDependencies=no\n[Service]\nProtectSystem=strict\n",
       [] {
         return PropertyList{{"DefaultDependencies", false},
                             {"ProtectSystem", std::string("strict")}};
       }},
      {"medium",
       "User=www-data\nNoNewPrivileges=yes\nProtectSystem=full\nProtectHome=yes\nPrivateTmp=yes\n"
       "PrivateDevices=yes\nProtectKernelTunables=yes\nProtectKernelModules=yes\n"
       "ProtectKernelLogs=yes\nProtectControlGroups=yes\n"
       "CapabilityBoundingSet=CAP_NET_BIND_SERVICE\n"
       "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6\nSystemCallArchitectures=native\n"
       "RestrictRealtime=yes\nLockPersonality=yes\nRestrictSUIDSGID=yes\n",
       [] {
         return PropertyList{
             {"User", std::string("www-data")},
             {"NoNewPrivileges", true},
             {"ProtectSystem", std::string("full")},
             {"ProtectHome", std::string("yes")},
             {"PrivateTmp", true},
             {"PrivateDevices", true},
             {"DevicePolicy", std::string("closed")},
             {"ProtectKernelTunables", true},
             {"ProtectKernelModules", true},
             {"ProtectKernelLogs", true},
             {"ProtectControlGroups", true},
             {"CapabilityBoundingSet", cap(10)},
             {"RestrictAddressFamilies", NameList{true, {"AF_UNIX", "AF_INET", "AF_INET6"}}},
             {"SystemCallArchitectures", std::vector<std::string>{"native"}},
             {"RestrictRealtime", true},
             {"LockPersonality", true},
             {"RestrictSUIDSGID", true}};
       }},
      {"strong",
       std::string("DynamicUser=yes\nPrivateUsers=yes\nProtectHostname=yes\nProtectProc=invisible\n"
                   "ProcSubset=pid\nRestrictAddressFamilies=AF_UNIX\nLockPersonality=yes\n"
                   "RestrictRealtime=yes\nDevicePolicy=closed\n") +
           kStrongLines,
       [] {
         return plus(strong_properties(), {{"DynamicUser", true},
                                           {"User", std::string("strong")},
                                           {"ProtectHostname", true},
                                           {"ProtectProc", std::string("invisible")},
                                           {"ProcSubset", std::string("pid")},
                                           {"RestrictAddressFamilies", NameList{true, {"AF_UNIX"}}},
                                           {"LockPersonality", true},
                                           {"RestrictRealtime", true}});
       }},
      // Per-row rounding decides this one: 0.4 here, 0.3 with an exact sum.
      {"round",
       std::string("User=app\nProtectProc=noaccess\nRestrictAddressFamilies=none\n") + kStrongLines,
       [] {
         return plus(strong_properties(), {{"User", std::string("app")},
                                           {"ProtectProc", std::string("noaccess")},
                                           {"RestrictAddressFamilies", NameList{true, {}}}});
       }},
      {"userbare", "", [] { return PropertyList{}; }, true},
      {"userkeyring", "KeyringMode=private\nPrivateUsers=yes\nUMask=0027\n",
       [] {
         return PropertyList{{"KeyringMode", std::string("private")},
                             {"PrivateUsers", true},
                             {"UMask", uint32_t{0027}}};
       },
       true},
  };
}

TEST_CASE("assess_exposure matches systemd-analyze security --offline row for row") {
  for (const Case& c : cases()) {
    CAPTURE(c.name);
    const std::filesystem::path unit = g_dir / (c.name + ".service");
    const std::string body =
        c.unit_lines.starts_with("[Unit]") ? c.unit_lines : "[Service]\n" + c.unit_lines;
    std::ofstream(unit) << body << "ExecStart=/bin/true\n";

    const testing::AnalyzeReport real = g_analyzer->security(unit, c.user_manager);
    const Exposure ours = assess_exposure(SecurityState{c.state()}, c.user_manager);
    MESSAGE(c.name << ": analyze " << real.tenths << " " << real.level << ", ours " << ours.tenths
                   << " " << ours.level());
    CHECK(ours.tenths == real.tenths);
    CHECK(ours.level() == real.level);
    CHECK(ours.rows.size() == real.rows.size());
    for (const AssessorScore& row : ours.rows) {
      CAPTURE(row.json_field);
      auto it = real.rows.find(row.json_field);
      REQUIRE(it != real.rows.end());
      CHECK(row.weight == it->second.weight);
      CHECK(row.range == it->second.range);
      CHECK(row.badness == it->second.badness);
    }
  }
}

}  // namespace
}  // namespace hb

int main(int argc, char** argv) {
  const char* analyze = std::getenv("HB_SYSTEMD_ANALYZE");
  if (analyze == nullptr || *analyze == '\0' || access(analyze, X_OK) != 0) {
    std::fprintf(stderr, "systemd-analyze not found ($HB_SYSTEMD_ANALYZE); skipping\n");
    return 77;  // meson: skipped
  }
  // Offline --user units inherit the analyzer's umask (as user units inherit the manager's);
  // pin it to the usual 0022 that assess_exposure() assumes.
  umask(022);
  char dir_template[] = "/tmp/hb-analyze-XXXXXX";
  if (mkdtemp(dir_template) == nullptr) return 1;
  hb::g_dir = dir_template;
  hb::testing::Analyzer analyzer(analyze, hb::g_dir);
  hb::g_analyzer = &analyzer;
  doctest::Context context(argc, argv);
  const int rc = context.run();
  std::error_code ignored;
  std::filesystem::remove_all(hb::g_dir, ignored);
  return rc;
}
