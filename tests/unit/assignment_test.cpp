// The assignment model: parsing, assessing against a baseline, merging, drop-in rendering.
#include "harden_bisect/assignment.hpp"

#include <doctest/doctest.h>

#include <cstdint>

namespace hb {
namespace {

constexpr uint64_t bit(int n) { return uint64_t{1} << n; }

// CLONE_NEW* flags.
constexpr uint64_t kNs = 0x00020000, kCgroup = 0x02000000, kUts = 0x04000000, kIpc = 0x08000000,
                   kUser = 0x10000000, kPid = 0x20000000, kNet = 0x40000000, kTime = 0x80;
constexpr uint64_t kAllNamespaces = kNs | kCgroup | kUts | kIpc | kUser | kPid | kNet | kTime;

// CAP_* numbers.
constexpr int kChown = 0, kNetBindService = 10, kNetRaw = 13, kSysAdmin = 21;

const IpPrefix kAny4{2, {0, 0, 0, 0}, 0};
const IpPrefix kAny6{10, std::vector<uint8_t>(16, 0), 0};
const IpPrefix kLocal4{2, {127, 0, 0, 0}, 8};
const IpPrefix kLocal6{10, {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, 128};

Assignment A(const std::string& text) {
  const auto eq = text.find('=');
  return {text.substr(0, eq), text.substr(eq + 1)};
}

std::vector<Assignment> As(std::initializer_list<const char*> texts) {
  std::vector<Assignment> out;
  for (const char* t : texts) out.push_back(A(t));
  return out;
}

PropertyValue value_of(const Assignment& a) {
  auto p = parse_assignment(a);
  REQUIRE_MESSAGE(p.ok(), p.error().message);
  CHECK(p->name == a.key);
  return p->value;
}

std::string error_of(const Assignment& a) {
  auto p = parse_assignment(a);
  REQUIRE_FALSE(p.ok());
  CHECK(p.error().kind == ErrorKind::kBadInput);
  return p.error().message;
}

PropertyList applied(const PropertyList& baseline, const std::vector<Assignment>& added) {
  auto out = apply_assignments(baseline, added);
  REQUIRE_MESSAGE(out.ok(), out.error().message);
  return *out;
}

const PropertyList kExec = {{"ExecStartEx", std::vector<ExecCommand>{{"/bin/true", {"true"}, {}}}}};

}  // namespace

TEST_SUITE("assignment") {
  TEST_CASE("parse_assignment gives the value systemd holds for a lone assignment") {
    CHECK(value_of(A("PrivateTmp=yes")) == PropertyValue{true});
    CHECK(value_of(A("Delegate=no")) == PropertyValue{false});
    CHECK(value_of(A("ProtectSystem=true")) == PropertyValue{std::string("yes")});
    CHECK(value_of(A("ProtectHome=read-only")) == PropertyValue{std::string("read-only")});
    CHECK(value_of(A("UMask=0077")) == PropertyValue{uint32_t{0077}});
    CHECK(value_of(A("CapabilityBoundingSet=~CAP_NET_RAW CAP_SYS_ADMIN")) ==
          PropertyValue{UINT64_MAX & ~(bit(kNetRaw) | bit(kSysAdmin))});
    CHECK(value_of(A("CapabilityBoundingSet=CAP_NET_BIND_SERVICE")) ==
          PropertyValue{bit(kNetBindService)});
    CHECK(value_of(A("CapabilityBoundingSet=")) == PropertyValue{uint64_t{0}});
    CHECK(value_of(A("RestrictNamespaces=~user net")) ==
          PropertyValue{kAllNamespaces & ~(kUser | kNet)});
    CHECK(value_of(A("RestrictNamespaces=yes")) == PropertyValue{uint64_t{0}});
    CHECK(value_of(A("SystemCallFilter=~@mount @debug")) ==
          PropertyValue{NameList{false, {"@mount", "@debug"}}});
    CHECK(value_of(A("RestrictAddressFamilies=AF_UNIX AF_INET")) ==
          PropertyValue{NameList{true, {"AF_UNIX", "AF_INET"}}});
    CHECK(value_of(A("SystemCallArchitectures=native")) ==
          PropertyValue{std::vector<std::string>{"native"}});
    CHECK(value_of(A("IPAddressDeny=any")) == PropertyValue{std::vector<IpPrefix>{kAny4, kAny6}});
    CHECK(value_of(A("IPAddressAllow=localhost")) ==
          PropertyValue{std::vector<IpPrefix>{kLocal4, kLocal6}});
    CHECK(value_of(A("IPAddressAllow=10.1.2.3/8 fe80::1/10")) ==
          PropertyValue{std::vector<IpPrefix>{
              {2, {10, 0, 0, 0}, 8},
              {10, {0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, 10}}});
    CHECK(value_of(A("IPAddressDeny=link-local multicast")) ==
          PropertyValue{std::vector<IpPrefix>{
              {2, {169, 254, 0, 0}, 16},
              {10, {0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, 64},
              {2, {224, 0, 0, 0}, 4},
              {10, {0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, 8}}});
    CHECK(value_of(A("AmbientCapabilities=")) == PropertyValue{uint64_t{0}});
  }

  TEST_CASE("parse_assignment rejects unknown names with one line naming key and value") {
    CHECK(error_of(A("ProtectEverything=yes")) == "unknown setting ProtectEverything");
    CHECK(error_of(A("CapabilityBoundingSet=~CAP_NET_RAW CAP_BOGUS")) ==
          "invalid CapabilityBoundingSet=~CAP_NET_RAW CAP_BOGUS: unknown capability CAP_BOGUS");
    CHECK(error_of(A("CapabilityBoundingSet=~cap_net_raw")) ==
          "invalid CapabilityBoundingSet=~cap_net_raw: unknown capability cap_net_raw");
    CHECK(error_of(A("CapabilityBoundingSet=~13")) ==
          "invalid CapabilityBoundingSet=~13: unknown capability 13");
    CHECK(
        error_of(A("CapabilityBoundingSet=~")) ==
        "invalid CapabilityBoundingSet=~: empty list (it would reset the setting, not harden it)");
    CHECK(error_of(A("RestrictAddressFamilies=~AF_BOGUS")) ==
          "invalid RestrictAddressFamilies=~AF_BOGUS: unknown address family AF_BOGUS");
    CHECK(error_of(A("RestrictNamespaces=~users")) ==
          "invalid RestrictNamespaces=~users: unknown namespace type users "
          "(cgroup ipc net mnt pid user uts time)");
    CHECK(error_of(A("SystemCallFilter=~@mounts")) ==
          "invalid SystemCallFilter=~@mounts: unknown syscall group @mounts");
    CHECK(error_of(A("SystemCallFilter=read:EPERM")) ==
          "invalid SystemCallFilter=read:EPERM: an errno (read:EPERM) is only allowed in a ~deny "
          "list");
    CHECK(value_of(A("SystemCallFilter=~ptrace:EPERM")) ==
          PropertyValue{NameList{false, {"ptrace:EPERM"}}});
    CHECK(error_of(A("ProtectSystem=maybe")) ==
          "invalid ProtectSystem=maybe: expected one of: no, yes, full, strict");
    CHECK(error_of(A("PrivateTmp=sure")) ==
          "invalid PrivateTmp=sure: expected a boolean (yes or no)");
    CHECK(error_of(A("UMask=0999")) ==
          "invalid UMask=0999: expected an octal mode from 0000 to 0777");
    CHECK(error_of(A("IPAddressDeny=300.1.1.1")) ==
          "invalid IPAddressDeny=300.1.1.1: invalid address or prefix 300.1.1.1");
    CHECK(error_of(A("IPAddressDeny=10.0.0.0/33")) ==
          "invalid IPAddressDeny=10.0.0.0/33: invalid address or prefix 10.0.0.0/33");
    CHECK(error_of(A("SystemCallArchitectures=x86_64")) ==
          "invalid SystemCallArchitectures=x86_64: unknown architecture x86_64");
    CHECK(error_of(A("AmbientCapabilities=~CAP_NET_RAW")) ==
          "invalid AmbientCapabilities=~CAP_NET_RAW: only the empty value (which clears it) or, on "
          "a mask, named bits to grant");
  }

  TEST_CASE("dbus_properties lists each property once and leaves unknown keys out") {
    CHECK(dbus_properties(As({"IPAddressDeny=any", "IPAddressAllow=localhost", "Bogus=1",
                              "IPAddressDeny=10.0.0.0/8"})) ==
          std::vector<std::string>{"IPAddressDeny", "IPAddressAllow"});
    REQUIRE(find_setting("SystemCallFilter") != nullptr);
    CHECK(find_setting("SystemCallFilter")->signature == "(bas)");
    CHECK(find_setting("Bogus") == nullptr);
  }

  TEST_CASE("assess: an enum rung weaker than or equal to the baseline is already satisfied") {
    const PropertyList full = {{"ProtectSystem", std::string("full")}};
    CHECK(assess(full, As({"ProtectSystem=yes"})) == Applicability::kAlreadySatisfied);
    CHECK(assess(full, As({"ProtectSystem=full"})) == Applicability::kAlreadySatisfied);
    CHECK(assess(full, As({"ProtectSystem=strict"})) == Applicability::kStrengthens);
    CHECK(assess({}, As({"ProtectSystem=yes"})) == Applicability::kStrengthens);
    CHECK(assess({{"ProtectHome", std::string("tmpfs")}}, As({"ProtectHome=read-only"})) ==
          Applicability::kAlreadySatisfied);
    CHECK(assess({{"Delegate", true}}, As({"Delegate=no"})) == Applicability::kStrengthens);
    CHECK(assess({}, As({"Delegate=no"})) == Applicability::kAlreadySatisfied);
    CHECK(assess({{"PrivateTmp", true}}, As({"PrivateTmp=yes"})) ==
          Applicability::kAlreadySatisfied);
  }

  TEST_CASE("assess: a SystemCallFilter allow-list on a unit that has any filter would weaken") {
    const PropertyList deny = {{"SystemCallFilter", NameList{false, {"reboot", "swapon"}}}};
    const PropertyList allow = {{"SystemCallFilter", NameList{true, {"read", "write"}}}};
    CHECK(assess(deny, As({"SystemCallFilter=@system-service"})) == Applicability::kWouldWeaken);
    CHECK(assess(allow, As({"SystemCallFilter=@system-service"})) == Applicability::kWouldWeaken);
    CHECK(assess({}, As({"SystemCallFilter=@system-service"})) == Applicability::kStrengthens);
    // An empty deny entry is how D-Bus reports "no filter".
    CHECK(assess({{"SystemCallFilter", NameList{false, {}}}},
                 As({"SystemCallFilter=@system-service"})) == Applicability::kStrengthens);
    // Deny entries only ever forbid more.
    CHECK(assess(deny, As({"SystemCallFilter=~@mount"})) == Applicability::kStrengthens);
    CHECK(assess(allow, As({"SystemCallFilter=~@mount"})) == Applicability::kStrengthens);
  }

  TEST_CASE("assess: RestrictAddressFamilies compares families") {
    const PropertyList deny = {{"RestrictAddressFamilies", NameList{false, {"AF_PACKET"}}}};
    const PropertyList unix_only = {{"RestrictAddressFamilies", NameList{true, {"AF_UNIX"}}}};
    const PropertyList unix_bt = {
        {"RestrictAddressFamilies", NameList{true, {"AF_UNIX", "AF_BLUETOOTH"}}}};
    const auto others =
        As({"RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6 AF_NETLINK AF_PACKET"});
    CHECK(assess({}, others) == Applicability::kStrengthens);
    CHECK(assess(deny, others) == Applicability::kWouldWeaken);
    CHECK(assess(unix_only, others) == Applicability::kAlreadySatisfied);
    CHECK(assess(unix_bt, others) == Applicability::kWouldWeaken);
    CHECK(assess(deny, As({"RestrictAddressFamilies=~AF_PACKET"})) ==
          Applicability::kAlreadySatisfied);
    CHECK(assess(deny, As({"RestrictAddressFamilies=~AF_INET AF_INET6"})) ==
          Applicability::kStrengthens);
    CHECK(assess(unix_only, As({"RestrictAddressFamilies=~AF_INET AF_INET6"})) ==
          Applicability::kAlreadySatisfied);
    CHECK(assess(unix_only, As({"RestrictAddressFamilies=~AF_LOCAL"})) ==
          Applicability::kStrengthens);
  }

  TEST_CASE("assess: dropping a capability the bounding set lacks is already satisfied") {
    const PropertyList caps = {{"CapabilityBoundingSet", bit(kNetBindService) | bit(kNetRaw)}};
    CHECK(assess(caps, As({"CapabilityBoundingSet=~CAP_SYS_ADMIN"})) ==
          Applicability::kAlreadySatisfied);
    CHECK(assess(caps, As({"CapabilityBoundingSet=~CAP_NET_RAW"})) == Applicability::kStrengthens);
    CHECK(assess({}, As({"CapabilityBoundingSet=~CAP_SYS_ADMIN"})) == Applicability::kStrengthens);
    CHECK(assess(caps, As({"CapabilityBoundingSet=CAP_NET_RAW"})) == Applicability::kWouldWeaken);
    CHECK(assess(caps, As({"CapabilityBoundingSet=CAP_NET_RAW CAP_NET_BIND_SERVICE CAP_CHOWN"})) ==
          Applicability::kAlreadySatisfied);
    CHECK(assess({{"CapabilityBoundingSet", uint64_t{0}}}, As({"CapabilityBoundingSet="})) ==
          Applicability::kAlreadySatisfied);
  }

  TEST_CASE("assess: namespaces, UMask, architectures and cleared lists") {
    const PropertyList unrestricted = {{"RestrictNamespaces", UINT64_MAX}};
    const PropertyList no_user = {{"RestrictNamespaces", kAllNamespaces & ~kUser}};
    CHECK(assess(unrestricted, As({"RestrictNamespaces=~user"})) == Applicability::kStrengthens);
    CHECK(assess(no_user, As({"RestrictNamespaces=~user"})) == Applicability::kAlreadySatisfied);
    CHECK(assess({{"RestrictNamespaces", uint64_t{0}}}, As({"RestrictNamespaces=~net"})) ==
          Applicability::kAlreadySatisfied);

    CHECK(assess({}, As({"UMask=0077"})) == Applicability::kStrengthens);  // default 0022
    CHECK(assess({{"UMask", uint32_t{0177}}}, As({"UMask=0077"})) ==
          Applicability::kAlreadySatisfied);
    CHECK(assess({{"UMask", uint32_t{0100}}}, As({"UMask=0077"})) == Applicability::kWouldWeaken);

    const PropertyList native = {{"SystemCallArchitectures", std::vector<std::string>{"native"}}};
    const PropertyList multi = {
        {"SystemCallArchitectures", std::vector<std::string>{"x86-64", "x86"}}};
    CHECK(assess({}, As({"SystemCallArchitectures=native"})) == Applicability::kStrengthens);
    CHECK(assess(native, As({"SystemCallArchitectures=native"})) ==
          Applicability::kAlreadySatisfied);
    CHECK(assess(multi, As({"SystemCallArchitectures=native"})) == Applicability::kWouldWeaken);

    CHECK(assess({}, As({"AmbientCapabilities="})) == Applicability::kAlreadySatisfied);
    CHECK(assess({{"AmbientCapabilities", bit(kNetBindService)}}, As({"AmbientCapabilities="})) ==
          Applicability::kStrengthens);
    CHECK(assess({{"SupplementaryGroups", std::vector<std::string>{"video"}}},
                 As({"SupplementaryGroups="})) == Applicability::kStrengthens);
  }

  TEST_CASE("assess: the IPAddressDeny ladder against existing firewalls") {
    const auto deny_any = As({"IPAddressDeny=any"});
    const auto deny_but_localhost = As({"IPAddressDeny=any", "IPAddressAllow=localhost"});
    const PropertyList denied = {{"IPAddressDeny", std::vector<IpPrefix>{kAny4, kAny6}}};
    PropertyList denied_but_localhost = denied;
    denied_but_localhost.push_back({"IPAddressAllow", std::vector<IpPrefix>{kLocal4, kLocal6}});

    CHECK(assess({}, deny_any) == Applicability::kStrengthens);
    CHECK(assess({}, deny_but_localhost) == Applicability::kStrengthens);
    CHECK(assess(denied, deny_any) == Applicability::kAlreadySatisfied);
    CHECK(assess(denied, deny_but_localhost) == Applicability::kAlreadySatisfied);
    CHECK(assess(denied_but_localhost, deny_but_localhost) == Applicability::kAlreadySatisfied);
    // Deny entries cannot take back what IPAddressAllow= grants.
    CHECK(assess(denied_but_localhost, deny_any) == Applicability::kWouldWeaken);
    CHECK(assess({}, As({"IPAddressAllow=localhost"})) == Applicability::kAlreadySatisfied);
    CHECK(assess(denied, As({"IPAddressAllow=10.0.0.0/8"})) == Applicability::kAlreadySatisfied);
  }

  TEST_CASE("assess: unusable rungs and baselines count as weakening") {
    CHECK(assess({}, As({"ProtectEverything=yes"})) == Applicability::kWouldWeaken);
    CHECK(assess({{"ProtectSystem", true}}, As({"ProtectSystem=strict"})) ==
          Applicability::kWouldWeaken);
    CHECK(assess({{"ProtectSystem", std::string("sideways")}}, As({"ProtectSystem=strict"})) ==
          Applicability::kWouldWeaken);
    // One weakening part spoils the rung.
    CHECK(assess({{"ProtectSystem", std::string("full")}},
                 As({"ProtectSystem=strict", "SystemCallArchitectures=native"})) ==
          Applicability::kStrengthens);
    CHECK(assess({{"UMask", uint32_t{0100}}}, As({"ProtectSystem=strict", "UMask=0077"})) ==
          Applicability::kWouldWeaken);
  }

  TEST_CASE("apply_assignments computes the exact bounding-set bits in place") {
    PropertyList baseline = kExec;
    baseline.push_back(
        {"CapabilityBoundingSet", bit(kNetBindService) | bit(kNetRaw) | bit(kSysAdmin)});
    baseline.push_back({"User", std::string("www-data")});
    const auto out = applied(baseline, As({"CapabilityBoundingSet=~CAP_NET_RAW",
                                           "CapabilityBoundingSet=~CAP_SYS_ADMIN CAP_CHOWN"}));
    const PropertyList expected = {kExec[0],
                                   {"CapabilityBoundingSet", bit(kNetBindService)},
                                   {"User", std::string("www-data")}};
    CHECK(out == expected);
    // Unset bounding set (all bits, as systemd reports it): the drop is appended.
    const auto fresh = applied(kExec, As({"CapabilityBoundingSet=~CAP_CHOWN CAP_NET_RAW"}));
    REQUIRE(fresh.size() == 2);
    CHECK(fresh[1] ==
          Property{"CapabilityBoundingSet", UINT64_MAX & ~(bit(kChown) | bit(kNetRaw))});
  }

  TEST_CASE("apply_assignments clears namespace bits from the unrestricted value") {
    const PropertyList baseline = {{"RestrictNamespaces", UINT64_MAX}};
    CHECK(applied(baseline, As({"RestrictNamespaces=~user", "RestrictNamespaces=~net"})) ==
          PropertyList{{"RestrictNamespaces", kAllNamespaces & ~(kUser | kNet)}});
    CHECK(applied({}, As({"RestrictNamespaces=~pid"})) ==
          PropertyList{{"RestrictNamespaces", kAllNamespaces & ~kPid}});
    const PropertyList restricted = {{"RestrictNamespaces", kNet | kUts}};
    CHECK(applied(restricted, As({"RestrictNamespaces=~net"})) ==
          PropertyList{{"RestrictNamespaces", kUts}});
  }

  TEST_CASE("apply_assignments appends (bas) entries after the baseline's, allow entries first") {
    const auto seccomp =
        As({"SystemCallFilter=~@privileged @resources", "SystemCallFilter=@system-service",
            "RestrictAddressFamilies=~AF_PACKET",
            "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6 AF_PACKET"});
    PropertyList expected = kExec;
    expected.push_back({"SystemCallFilter", NameList{true, {"@system-service"}}});
    expected.push_back({"SystemCallFilter", NameList{false, {"@privileged", "@resources"}}});
    expected.push_back({"RestrictAddressFamilies",
                        NameList{true, {"AF_UNIX", "AF_INET", "AF_INET6", "AF_PACKET"}}});
    expected.push_back({"RestrictAddressFamilies", NameList{false, {"AF_PACKET"}}});
    CHECK(applied(kExec, seccomp) == expected);

    // A unit with its own filter keeps it first; the allow entry would weaken it and is left out.
    const PropertyList filtered = {{"SystemCallFilter", NameList{false, {"reboot"}}}, kExec[0]};
    CHECK(applied(filtered, seccomp) ==
          PropertyList{{"SystemCallFilter", NameList{false, {"reboot"}}},
                       {"SystemCallFilter", NameList{false, {"@privileged", "@resources"}}},
                       kExec[0],
                       {"RestrictAddressFamilies",
                        NameList{true, {"AF_UNIX", "AF_INET", "AF_INET6", "AF_PACKET"}}},
                       {"RestrictAddressFamilies", NameList{false, {"AF_PACKET"}}}});

    // D-Bus's "no filter" entry is replaced, so that ours fixes the mode.
    const PropertyList unfiltered = {{"SystemCallFilter", NameList{false, {}}}, kExec[0]};
    CHECK(applied(unfiltered, As({"SystemCallFilter=~@mount"})) ==
          PropertyList{{"SystemCallFilter", NameList{false, {"@mount"}}}, kExec[0]});
  }

  TEST_CASE("apply_assignments appends IP prefixes as a(iayu) with families 2 and 10") {
    const auto out = applied(kExec, As({"IPAddressDeny=any", "IPAddressAllow=localhost"}));
    CHECK(out == PropertyList{kExec[0],
                              {"IPAddressDeny", std::vector<IpPrefix>{kAny4, kAny6}},
                              {"IPAddressAllow", std::vector<IpPrefix>{kLocal4, kLocal6}}});
    const PropertyList some = {{"IPAddressDeny", std::vector<IpPrefix>{{2, {10, 0, 0, 0}, 8}}}};
    CHECK(applied(some, As({"IPAddressDeny=any"})) ==
          PropertyList{
              {"IPAddressDeny", std::vector<IpPrefix>{{2, {10, 0, 0, 0}, 8}, kAny4, kAny6}}});
  }

  TEST_CASE("apply_assignments never weakens and leaves other properties alone") {
    PropertyList baseline = kExec;
    baseline.push_back({"ProtectSystem", std::string("strict")});
    baseline.push_back({"UMask", uint32_t{0177}});
    CHECK(applied(baseline, As({"ProtectSystem=yes", "UMask=0077", "PrivateTmp=no"})) == baseline);
    CHECK(applied(baseline, As({"PrivateTmp=yes", "ProtectHome=tmpfs"})) ==
          PropertyList{kExec[0],
                       baseline[1],
                       baseline[2],
                       {"PrivateTmp", true},
                       {"ProtectHome", std::string("tmpfs")}});
    PropertyList full = kExec;
    full.push_back({"ProtectSystem", std::string("full")});
    CHECK(applied(full, As({"ProtectSystem=strict"}))[1] ==
          Property{"ProtectSystem", std::string("strict")});
  }

  TEST_CASE("apply_assignments fails on an invalid assignment or a mistyped baseline") {
    auto bad = apply_assignments(kExec, As({"PrivateTmp=yes", "CapabilityBoundingSet=~CAP_NOPE"}));
    REQUIRE_FALSE(bad.ok());
    CHECK(bad.error().kind == ErrorKind::kBadInput);
    CHECK(bad.error().message ==
          "invalid CapabilityBoundingSet=~CAP_NOPE: unknown capability CAP_NOPE");
    auto mistyped = apply_assignments({{"UMask", std::string("0022")}}, As({"UMask=0077"}));
    REQUIRE_FALSE(mistyped.ok());
    CHECK(mistyped.error().message == "the unit's UMask property has an unexpected D-Bus type");
  }

  TEST_CASE("effective_assignments keeps what strengthens, in merge order") {
    const PropertyList baseline = {{"ProtectSystem", std::string("full")},
                                   {"CapabilityBoundingSet", bit(kNetRaw) | bit(kChown)}};
    const auto added =
        As({"SystemCallFilter=~@mount", "ProtectSystem=yes", "CapabilityBoundingSet=~CAP_SYS_ADMIN",
            "SystemCallFilter=@system-service", "CapabilityBoundingSet=~CAP_NET_RAW",
            "IPAddressDeny=any", "IPAddressAllow=localhost"});
    CHECK(effective_assignments(baseline, added) ==
          As({"SystemCallFilter=@system-service", "SystemCallFilter=~@mount",
              "CapabilityBoundingSet=~CAP_NET_RAW", "IPAddressDeny=any",
              "IPAddressAllow=localhost"}));
  }

  TEST_CASE("render_dropin merges same-key lines exactly") {
    const auto kept = As(
        {"CapabilityBoundingSet=~CAP_NET_RAW", "ProtectSystem=full", "RestrictNamespaces=~user",
         "SystemCallFilter=~@mount", "CapabilityBoundingSet=~CAP_SYS_ADMIN CAP_NET_RAW",
         "SystemCallFilter=@system-service", "RestrictNamespaces=~net", "ProtectSystem=strict",
         "SystemCallFilter=~@debug", "RestrictAddressFamilies=~AF_PACKET",
         "RestrictAddressFamilies=AF_UNIX AF_INET", "IPAddressDeny=any", "IPAddressAllow=localhost",
         "IPAddressAllow=10.0.0.0/8", "SystemCallArchitectures=native"});
    CHECK(render_dropin(kept) == std::vector<std::string>{
                                     "CapabilityBoundingSet=~CAP_NET_RAW CAP_SYS_ADMIN",
                                     "ProtectSystem=strict",
                                     "RestrictNamespaces=~user net",
                                     "SystemCallFilter=@system-service",
                                     "SystemCallFilter=~@mount @debug",
                                     "RestrictAddressFamilies=AF_UNIX AF_INET",
                                     "RestrictAddressFamilies=~AF_PACKET",
                                     "IPAddressDeny=any",
                                     "IPAddressAllow=localhost 10.0.0.0/8",
                                     "SystemCallArchitectures=native",
                                 });
  }

  TEST_CASE("render_dropin keeps lines apart where merging would change their meaning") {
    // After "CapabilityBoundingSet=" (drop all) a keep-list adds back; "~" then keep then "~"
    // is not one line either.
    CHECK(render_dropin(As({"CapabilityBoundingSet=~CAP_CHOWN", "CapabilityBoundingSet=CAP_KILL",
                            "CapabilityBoundingSet=~CAP_NET_RAW"})) ==
          std::vector<std::string>{"CapabilityBoundingSet=~CAP_CHOWN",
                                   "CapabilityBoundingSet=CAP_KILL",
                                   "CapabilityBoundingSet=~CAP_NET_RAW"});
    CHECK(render_dropin(As({"RestrictNamespaces=yes", "RestrictNamespaces=~user"})) ==
          std::vector<std::string>{"RestrictNamespaces=yes", "RestrictNamespaces=~user"});
  }

  TEST_CASE("drop-in lines and transient properties agree for a typical kept set") {
    const auto kept =
        As({"ProtectSystem=strict", "SystemCallFilter=~@privileged",
            "SystemCallFilter=@system-service", "CapabilityBoundingSet=~CAP_SYS_ADMIN",
            "CapabilityBoundingSet=~CAP_NET_RAW"});
    const auto effective = effective_assignments(kExec, kept);
    CHECK(render_dropin(effective) ==
          std::vector<std::string>{"ProtectSystem=strict", "SystemCallFilter=@system-service",
                                   "SystemCallFilter=~@privileged",
                                   "CapabilityBoundingSet=~CAP_SYS_ADMIN CAP_NET_RAW"});
    CHECK(applied(kExec, kept) ==
          PropertyList{kExec[0],
                       {"ProtectSystem", std::string("strict")},
                       {"CapabilityBoundingSet", UINT64_MAX & ~(bit(kSysAdmin) | bit(kNetRaw))},
                       {"SystemCallFilter", NameList{true, {"@system-service"}}},
                       {"SystemCallFilter", NameList{false, {"@privileged"}}}});
  }
}

}  // namespace hb
