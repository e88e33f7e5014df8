// assess_exposure() against hand-built unit states; numbers from systemd-analyze 252 --offline.
#include "harden_bisect/exposure.hpp"

#include <doctest/doctest.h>

#include <numeric>

namespace hb {
namespace {

SecurityState state(std::initializer_list<Property> properties) { return {properties}; }

uint64_t cap(int n) { return uint64_t{1} << n; }

std::optional<uint64_t> badness(const SecurityState& s, std::string_view json_field,
                                bool user_manager = false) {
  const Exposure e = assess_exposure(s, user_manager);
  const AssessorScore* row = e.find(json_field);
  REQUIRE(row != nullptr);
  return row->badness;
}

const IpPrefix kAny4{2, {0, 0, 0, 0}, 0};
const IpPrefix kAny6{10, std::vector<uint8_t>(16, 0), 0};
const IpPrefix kLocal4{2, {127, 0, 0, 0}, 8};
const IpPrefix kLocal6{10, {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, 128};
const IpPrefix kLan4{2, {192, 168, 1, 0}, 24};

// The .md's "medium" unit: a static user plus the common sandboxing options (analyze: 4.2).
SecurityState medium_unit() {
  return state({
      {"User", std::string("www-data")},
      {"NoNewPrivileges", true},
      {"ProtectSystem", std::string("full")},
      {"ProtectHome", std::string("yes")},
      {"PrivateTmp", true},
      {"PrivateDevices", true},
      {"DevicePolicy", std::string("closed")},  // implied by PrivateDevices at load
      {"ProtectKernelTunables", true},
      {"ProtectKernelModules", true},
      {"ProtectKernelLogs", true},
      {"ProtectControlGroups", true},
      {"CapabilityBoundingSet", cap(10)},  // CAP_NET_BIND_SERVICE
      {"RestrictAddressFamilies", NameList{true, {"AF_UNIX", "AF_INET", "AF_INET6"}}},
      {"SystemCallArchitectures", std::vector<std::string>{"native"}},
      {"RestrictRealtime", true},
      {"LockPersonality", true},
      {"RestrictSUIDSGID", true},
  });
}

// DynamicUser plus everything else, as D-Bus reports it after load (analyze: 0.2).
SecurityState strong_unit() {
  return state({
      {"DynamicUser", true},
      {"User", std::string("strong")},  // DynamicUser sets User= to the unit name
      {"RemoveIPC", true},
      {"CapabilityBoundingSet", uint64_t{0}},
      {"PrivateTmp", true},
      {"PrivateDevices", true},
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
      {"ProtectHostname", true},
      {"ProtectProc", std::string("invisible")},
      {"ProcSubset", std::string("pid")},
      {"KeyringMode", std::string("private")},
      {"UMask", uint32_t{0077}},
      {"RestrictAddressFamilies", NameList{true, {"AF_UNIX"}}},
      {"LockPersonality", true},
      {"NoNewPrivileges", true},
      {"MemoryDenyWriteExecute", true},
      {"RestrictRealtime", true},
      {"RestrictSUIDSGID", true},
      {"RestrictNamespaces", uint64_t{0}},
      // Expanded by systemd; stands in for @system-service minus @privileged @resources.
      {"SystemCallFilter", NameList{true, {"read", "write", "openat", "close", "exit_group"}}},
      {"SystemCallArchitectures", std::vector<std::string>{"native"}},
      {"IPAddressDeny", std::vector<IpPrefix>{kAny4, kAny6}},
      {"DevicePolicy", std::string("closed")},
      {"DeviceAllow", StringPairs{{"char-rtc", "r"}}},  // added by ProtectClock at load
  });
}

TEST_SUITE("exposure") {
  TEST_CASE("the table has analyze's 81 assessors with a total weight of 56460") {
    const Exposure e = assess_exposure(SecurityState{});
    CHECK(e.rows.size() == 81);
    const uint64_t total =
        std::accumulate(e.rows.begin(), e.rows.end(), uint64_t{0},
                        [](uint64_t s, const AssessorScore& r) { return s + r.weight; });
    CHECK(total == 56460);
    CHECK(e.find("CapabilityBoundingSet_CAP_NET_BIND_SERVICE_BROADCAST_RAW)") != nullptr);
  }

  TEST_CASE("a bare root service scores 9.6 UNSAFE with two rows not applicable") {
    const Exposure e = assess_exposure(SecurityState{});
    CHECK(e.tenths == 96);
    CHECK(e.score_text() == "9.6");
    CHECK(e.level() == "UNSAFE");
    uint64_t weight = 0;
    for (const auto& r : e.rows)
      if (r.badness) weight += r.weight;
    CHECK(weight == 56160);
    CHECK_FALSE(e.find("SupplementaryGroups")->badness);
    CHECK_FALSE(e.find("RemoveIPC")->badness);
  }

  TEST_CASE("explicit D-Bus defaults score like missing properties") {
    const SecurityState explicit_defaults = state({
        {"CapabilityBoundingSet", UINT64_MAX},
        {"AmbientCapabilities", uint64_t{0}},
        {"RestrictNamespaces", UINT64_MAX},
        {"UMask", uint32_t{0022}},
        {"User", std::string("")},
        {"DefaultDependencies", true},
        {"ProtectSystem", std::string("no")},
        {"ProtectHome", std::string("no")},
        {"ProtectProc", std::string("default")},
        {"ProcSubset", std::string("all")},
        {"KeyringMode", std::string("private")},
        {"NotifyAccess", std::string("none")},
        {"DevicePolicy", std::string("auto")},
        {"RestrictAddressFamilies", NameList{false, {}}},
        {"SystemCallFilter", NameList{false, {}}},
        {"SystemCallArchitectures", std::vector<std::string>{}},
    });
    CHECK(assess_exposure(explicit_defaults).tenths == 96);
  }

  TEST_CASE("a bare service of the user manager scores 9.8 (KeyringMode=inherit)") {
    const Exposure e = assess_exposure(SecurityState{}, /*user_manager=*/true);
    CHECK(e.tenths == 98);
    CHECK(e.find("KeyringMode")->badness == 1u);
    CHECK(badness(state({{"KeyringMode", std::string("private")}}), "KeyringMode", true) == 0u);
  }

  TEST_CASE("the medium unit scores 4.2 OK and the strong DynamicUser unit 0.2 SAFE") {
    const Exposure medium = assess_exposure(medium_unit());
    CHECK(medium.tenths == 42);
    CHECK(medium.level() == "OK");
    const Exposure strong = assess_exposure(strong_unit());
    CHECK(strong.tenths == 2);
    CHECK(strong.level() == "SAFE");
    for (const auto& r : strong.rows) {
      INFO(r.json_field);
      if (r.json_field == "RootDirectoryOrRootImage")
        CHECK(r.badness == 1u);
      else if (r.json_field == "DeviceAllow")
        CHECK(r.badness == 5u);
      else if (r.json_field == "RestrictAddressFamilies_AF_UNIX")
        CHECK(r.badness == 1u);
      else
        CHECK(r.badness.value_or(0) == 0u);
    }
  }

  TEST_CASE("levels change exactly at analyze's thresholds") {
    CHECK(std::string(exposure_level(100)) == "DANGEROUS");
    CHECK(std::string(exposure_level(99)) == "UNSAFE");
    CHECK(std::string(exposure_level(90)) == "UNSAFE");
    CHECK(std::string(exposure_level(89)) == "EXPOSED");
    CHECK(std::string(exposure_level(75)) == "EXPOSED");
    CHECK(std::string(exposure_level(74)) == "MEDIUM");
    CHECK(std::string(exposure_level(50)) == "MEDIUM");
    CHECK(std::string(exposure_level(49)) == "OK");
    CHECK(std::string(exposure_level(10)) == "OK");
    CHECK(std::string(exposure_level(9)) == "SAFE");
    CHECK(std::string(exposure_level(1)) == "SAFE");
    CHECK(std::string(exposure_level(0)) == "PERFECT");
    Exposure e;
    e.tenths = 5;
    CHECK(e.score_text() == "0.5");
    e.tenths = 100;
    CHECK(e.score_text() == "10.0");
  }

  TEST_CASE("each row is normalised by its range and rounded up before summing") {
    // ProtectProc=noaccess counts ceil(1000 / 3) = 334. With 1360 from other rows B = 1694 of
    // W = 56460 gives E = ceil(3.0004) = 4; an exact sum (1693.3) would give 3. analyze: 0.4.
    SecurityState s = strong_unit();
    s.properties.push_back({"DynamicUser", false});
    s.properties.push_back({"User", std::string("app")});
    s.properties.push_back({"ProtectProc", std::string("noaccess")});         // 334
    s.properties.push_back({"RestrictRealtime", false});                      // 500
    s.properties.push_back({"LockPersonality", false});                       // 100
    s.properties.push_back({"ProtectHostname", false});                       // 50
    s.properties.push_back({"ProcSubset", std::string("all")});               // 10
    s.properties.push_back({"RestrictAddressFamilies", NameList{true, {}}});  // AF_UNIX too
    // RootDirectory (200) and DeviceAllow char-rtc (5 -> 500) stay as in the strong unit.
    CHECK(assess_exposure(s).tenths == 4);
  }

  TEST_CASE("DefaultDependencies=no makes the four file-system rows not applicable") {
    const Exposure e = assess_exposure(state({{"DefaultDependencies", false}}));
    for (const char* field :
         {"PrivateTmp", "ProtectHome", "ProtectSystem", "RootDirectoryOrRootImage"}) {
      INFO(field);
      CHECK_FALSE(e.find(field)->badness);
    }
    CHECK(e.find("PrivateDevices")->badness == 1u);
  }

  TEST_CASE("ProtectSystem ladder: strict 0, full 3, yes 5, no 10") {
    auto b = [](const char* v) {
      return badness(state({{"ProtectSystem", std::string(v)}}), "ProtectSystem");
    };
    CHECK(b("strict") == 0u);
    CHECK(b("full") == 3u);
    CHECK(b("yes") == 5u);
    CHECK(b("true") == 5u);
    CHECK(b("no") == 10u);
    CHECK(badness(state({{"ProtectSystem", true}}), "ProtectSystem") == 5u);
  }

  TEST_CASE("ProtectHome ladder: yes 0, tmpfs 1, read-only 5, no 10") {
    auto b = [](const char* v) {
      return badness(state({{"ProtectHome", std::string(v)}}), "ProtectHome");
    };
    CHECK(b("yes") == 0u);
    CHECK(b("tmpfs") == 1u);
    CHECK(b("read-only") == 5u);
    CHECK(b("no") == 10u);
  }

  TEST_CASE("UMask ladder checks o+w, o+r, g+w, g+r in that order") {
    auto b = [](uint32_t v) { return badness(state({{"UMask", v}}), "UMask"); };
    CHECK(b(0000) == 10u);
    CHECK(b(0002) == 5u);
    CHECK(b(0022) == 5u);
    CHECK(b(0006) == 2u);
    CHECK(b(0026) == 1u);
    CHECK(b(0027) == 1u);
    CHECK(b(0066) == 0u);
    CHECK(b(0077) == 0u);
    CHECK(badness(state({{"UMask", uint64_t{077}}}), "UMask") == 0u);  // any integer type
  }

  TEST_CASE("ProtectProc ladder: invisible and ptraceable 0, noaccess 1, default 3") {
    auto b = [](const char* v) {
      return badness(state({{"ProtectProc", std::string(v)}}), "ProtectProc");
    };
    CHECK(b("invisible") == 0u);
    CHECK(b("ptraceable") == 0u);
    CHECK(b("noaccess") == 1u);
    CHECK(b("default") == 3u);
    CHECK(badness(state({{"ProcSubset", std::string("pid")}}), "ProcSubset") == 0u);
    CHECK(badness(state({}), "ProcSubset") == 1u);
  }

  TEST_CASE("IPAddressDeny ladder: 10 without deny-all, then 5, 2, 0 by what is allowed") {
    auto b = [](std::vector<IpPrefix> deny, std::vector<IpPrefix> allow) {
      return badness(state({{"IPAddressDeny", deny}, {"IPAddressAllow", allow}}), "IPAddressDeny");
    };
    CHECK(b({}, {}) == 10u);
    CHECK(b({kAny4}, {}) == 10u);  // both families are needed
    CHECK(b({kAny4, kAny6}, {kLan4}) == 5u);
    CHECK(b({kAny4, kAny6}, {kLocal4, kLan4}) == 5u);
    CHECK(b({kAny4, kAny6}, {kLocal4, kLocal6}) == 2u);
    CHECK(b({kAny4, kAny6}, {IpPrefix{2, {127, 0, 0, 1}, 32}}) == 2u);  // offline: any 127.x
    CHECK(b({kAny4, kAny6}, {}) == 0u);
    const SecurityState custom =
        state({{"IPIngressFilterPath", std::vector<std::string>{"/sys/fs/bpf/x"}}});
    CHECK(badness(custom, "IPAddressDeny") == 0u);
  }

  TEST_CASE("DeviceAllow ladder: policy auto 10, strict/closed with entries 5, without 0") {
    auto b = [](const char* policy, StringPairs allow) {
      return badness(state({{"DevicePolicy", std::string(policy)}, {"DeviceAllow", allow}}),
                     "DeviceAllow");
    };
    CHECK(b("auto", {}) == 10u);
    CHECK(b("auto", {{"/dev/null", "rw"}}) == 10u);
    CHECK(b("closed", {{"char-rtc", "r"}}) == 5u);
    CHECK(b("strict", {{"/dev/null", "rw"}}) == 5u);
    CHECK(b("closed", {}) == 0u);
    CHECK(b("strict", {}) == 0u);
  }

  TEST_CASE("SystemCallArchitectures ladder: unset 10, exactly native 0, anything else 8") {
    auto b = [](std::vector<std::string> archs) {
      return badness(state({{"SystemCallArchitectures", archs}}), "SystemCallArchitectures");
    };
    CHECK(b({}) == 10u);
    CHECK(b({"native"}) == 0u);
    CHECK(b({"native", "native"}) == 0u);  // a set, as in analyze
    CHECK(b({"native", "x86"}) == 8u);
    CHECK(b({"x86-64"}) == 8u);
  }

  TEST_CASE("User ladder: root or unset 10, nobody 9, other users and DynamicUser 0") {
    auto b = [](std::initializer_list<Property> p) {
      return badness(state(p), "UserOrDynamicUser");
    };
    CHECK(b({}) == 10u);
    CHECK(b({{"User", std::string("root")}}) == 10u);
    CHECK(b({{"User", std::string("0")}}) == 10u);
    CHECK(b({{"User", std::string("nobody")}}) == 9u);
    CHECK(b({{"User", std::string("www-data")}}) == 0u);
    CHECK(b({{"DynamicUser", true}}) == 0u);
    CHECK(b({{"DynamicUser", true}, {"User", std::string("root")}}) == 10u);
  }

  TEST_CASE("SupplementaryGroups and RemoveIPC apply only to unprivileged services") {
    const SecurityState user = state(
        {{"User", std::string("app")}, {"SupplementaryGroups", std::vector<std::string>{"adm"}}});
    CHECK(badness(user, "SupplementaryGroups") == 1u);
    CHECK(badness(user, "RemoveIPC") == 1u);
    const SecurityState dynamic = state({{"DynamicUser", true}, {"RemoveIPC", true}});
    CHECK(badness(dynamic, "SupplementaryGroups") == 0u);
    CHECK(badness(dynamic, "RemoveIPC") == 0u);
    CHECK_FALSE(badness(state({{"User", std::string("root")}}), "RemoveIPC"));
  }

  TEST_CASE("capability rows are bad while any member capability is kept") {
    const SecurityState s = state({{"CapabilityBoundingSet", cap(0) | cap(10)}});  // CHOWN, NBS
    CHECK(badness(s, "CapabilityBoundingSet_CAP_CHOWN_FSETID_SETFCAP") == 1u);
    CHECK(badness(s, "CapabilityBoundingSet_CAP_NET_BIND_SERVICE_BROADCAST_RAW)") == 1u);
    CHECK(badness(s, "CapabilityBoundingSet_CAP_SYS_ADMIN") == 0u);
    // PERFMON (38) and CHECKPOINT_RESTORE (40) are not scored at all.
    CHECK(assess_exposure(state({{"CapabilityBoundingSet", cap(38) | cap(40)}})).tenths ==
          assess_exposure(state({{"CapabilityBoundingSet", uint64_t{0}}})).tenths);
  }

  TEST_CASE("PrivateDevices, ProtectKernelModules/Logs and ProtectClock drop their capabilities") {
    const SecurityState s = state({{"PrivateDevices", true},
                                   {"ProtectKernelModules", true},
                                   {"ProtectKernelLogs", true},
                                   {"ProtectClock", true}});
    for (const char* field :
         {"CapabilityBoundingSet_CAP_MKNOD", "CapabilityBoundingSet_CAP_SYS_RAWIO",
          "CapabilityBoundingSet_CAP_SYS_MODULE", "CapabilityBoundingSet_CAP_SYSLOG",
          "CapabilityBoundingSet_CAP_SYS_TIME", "CapabilityBoundingSet_CAP_WAKE_ALARM"}) {
      INFO(field);
      CHECK(badness(s, field) == 0u);
    }
    CHECK(badness(s, "PrivateMounts") == 1u);  // the online-only implication is not applied
  }

  TEST_CASE("RestrictNamespaces rows follow the allowed-namespace bits") {
    const uint64_t user_and_net = 0x10000000 | 0x40000000;  // CLONE_NEWUSER | CLONE_NEWNET
    const SecurityState s = state({{"RestrictNamespaces", user_and_net}});
    CHECK(badness(s, "RestrictNamespaces_user") == 1u);
    CHECK(badness(s, "RestrictNamespaces_net") == 1u);
    CHECK(badness(s, "RestrictNamespaces_mnt") == 0u);
    CHECK(badness(state({}), "RestrictNamespaces_uts") == 1u);
  }

  TEST_CASE("RestrictAddressFamilies rows for allow- and deny-lists") {
    const SecurityState allow =
        state({{"RestrictAddressFamilies", NameList{true, {"AF_UNIX", "AF_INET"}}}});
    CHECK(badness(allow, "RestrictAddressFamilies_AF_UNIX") == 1u);
    CHECK(badness(allow, "RestrictAddressFamilies_AF_INET_INET6") == 1u);
    CHECK(badness(allow, "RestrictAddressFamilies_AF_PACKET") == 0u);
    CHECK(badness(allow, "RestrictAddressFamilies_OTHER") == 0u);
    const SecurityState deny =
        state({{"RestrictAddressFamilies", NameList{false, {"AF_PACKET", "AF_BLUETOOTH"}}}});
    CHECK(badness(deny, "RestrictAddressFamilies_AF_PACKET") == 0u);
    CHECK(badness(deny, "RestrictAddressFamilies_OTHER") == 0u);
    CHECK(badness(deny, "RestrictAddressFamilies_AF_UNIX") == 1u);
    const SecurityState none = state({{"RestrictAddressFamilies", NameList{true, {}}}});
    CHECK(badness(none, "RestrictAddressFamilies_AF_INET_INET6") == 0u);
  }

  TEST_CASE("SystemCallFilter rows: no filter 10, allow-list with a member 9, deny-list gap 10") {
    auto b = [](NameList filter, const char* field) {
      return badness(state({{"SystemCallFilter", filter}}), field);
    };
    CHECK(b({false, {}}, "SystemCallFilter_debug") == 10u);
    CHECK(b({true, {"read", "ptrace"}}, "SystemCallFilter_debug") == 9u);
    CHECK(b({true, {"read"}}, "SystemCallFilter_debug") == 0u);
    CHECK(b({true, {}}, "SystemCallFilter_swap") == 0u);
    // Only x86_64 syscalls count: rtas, s390_runtime_instr, sys_debug_setcontext do not exist.
    const NameList debug{false,
                         {"lookup_dcookie", "perf_event_open", "pidfd_getfd", "ptrace:EPERM"}};
    CHECK(b(debug, "SystemCallFilter_debug") == 0u);
    CHECK(b({false, {"ptrace", "perf_event_open", "lookup_dcookie"}}, "SystemCallFilter_debug") ==
          10u);
    CHECK(b(debug, "SystemCallFilter_swap") == 10u);
    // @privileged nests @chown, @clock, ...: an allowed chown is enough to be bad.
    CHECK(b({true, {"fchownat"}}, "SystemCallFilter_privileged") == 9u);
    CHECK(b({true, {"fchownat"}}, "SystemCallFilter_resources") == 0u);
  }

  TEST_CASE("Delegate is bad when on, NotifyAccess only when all, AmbientCapabilities when set") {
    CHECK(badness(state({}), "Delegate") == 0u);
    CHECK(badness(state({{"Delegate", true}}), "Delegate") == 1u);
    CHECK(badness(state({{"NotifyAccess", std::string("all")}}), "NotifyAccess") == 1u);
    CHECK(badness(state({{"NotifyAccess", std::string("exec")}}), "NotifyAccess") == 0u);
    CHECK(badness(state({{"AmbientCapabilities", cap(10)}}), "AmbientCapabilities") == 1u);
  }

  TEST_CASE("RootDirectory or RootImage other than / removes that row's badness") {
    CHECK(badness(state({{"RootDirectory", std::string("/")}}), "RootDirectoryOrRootImage") == 1u);
    CHECK(badness(state({{"RootDirectory", std::string("//")}}), "RootDirectoryOrRootImage") == 1u);
    CHECK(badness(state({{"RootDirectory", std::string("/srv/root")}}),
                  "RootDirectoryOrRootImage") == 0u);
    CHECK(badness(state({{"RootImage", std::string("/img.raw")}}), "RootDirectoryOrRootImage") ==
          0u);
  }

  TEST_CASE("a later duplicate property wins, a mistyped one keeps the default") {
    CHECK(badness(state({{"PrivateTmp", true}, {"PrivateTmp", false}}), "PrivateTmp") == 1u);
    CHECK(badness(state({{"PrivateTmp", std::string("yes")}}), "PrivateTmp") == 1u);
  }
}

}  // namespace
}  // namespace hb
