// Lint: reading unit files like systemd 252 and turning them into the properties it would hold.
// The scores themselves are checked against the real analyzer in tests/analyze.
#include "harden_bisect/lint.hpp"

#include <doctest/doctest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

namespace hb {
namespace {

namespace fs = std::filesystem;

// A private directory of unit files, removed at the end of the test.
struct UnitDir {
  fs::path dir;
  UnitDir() {
    char tmpl[] = "/tmp/hb-lint-test-XXXXXX";
    dir = mkdtemp(tmpl);
  }
  ~UnitDir() {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
  fs::path write(const std::string& relative, const std::string& text) const {
    const fs::path p = dir / relative;
    fs::create_directories(p.parent_path());
    std::ofstream(p) << text;
    return p;
  }
};

const PropertyValue* find(const PropertyList& props, const std::string& name) {
  for (auto it = props.rbegin(); it != props.rend(); ++it)
    if (it->name == name) return &it->value;
  return nullptr;
}

template <class T>
T value_of(const PropertyList& props, const std::string& name) {
  const PropertyValue* v = find(props, name);
  REQUIRE(v != nullptr);
  REQUIRE(std::holds_alternative<T>(*v));
  return std::get<T>(*v);
}

PropertyList properties(const std::string& service_lines, const std::string& id = "x.service") {
  auto lines = parse_unit_text("[Service]\nExecStart=/bin/true\n" + service_lines, "x.service");
  REQUIRE(lines.ok());
  return unit_security_properties(*lines, id);
}

TEST_SUITE("lint") {
  TEST_CASE("unit text: continuation lines join with a space and skip comment lines") {
    auto lines = parse_unit_text(
        "# head\n[Service]\nCapabilityBoundingSet=CAP_A \\\n# inner comment\n  CAP_B\n"
        "; other comment\nNoEquals\nPrivateTmp = yes \n",
        "u.service");
    REQUIRE(lines.ok());
    REQUIRE(lines->size() == 2);
    CHECK((*lines)[0].key == "CapabilityBoundingSet");
    CHECK((*lines)[0].value == "CAP_A    CAP_B");
    CHECK((*lines)[0].line == 5);
    CHECK((*lines)[1].key == "PrivateTmp");
    CHECK((*lines)[1].value == "yes");
    CHECK((*lines)[1].section == "Service");
  }

  TEST_CASE("unit text: an invalid section header is an error naming file and line") {
    auto lines =
        parse_unit_text("[Unit]\nDescription=x\n[Service\nPrivateTmp=yes\n", "bad.service");
    REQUIRE(!lines.ok());
    CHECK(lines.error().kind == ErrorKind::kBadInput);
    CHECK(lines.error().message.starts_with("bad.service:3: "));
  }

  TEST_CASE("unit text: assignments before any section are ignored") {
    auto lines = parse_unit_text("PrivateTmp=yes\n[Service]\nUMask=0077\n", "u.service");
    REQUIRE(lines.ok());
    REQUIRE(lines->size() == 1);
    CHECK((*lines)[0].key == "UMask");
  }

  TEST_CASE("settings: invalid values are ignored, an empty list resets it") {
    auto p = properties(
        "ProtectSystem=strict\nProtectSystem=bogus\nUMask=0077\nUMask=\n"
        "SupplementaryGroups=a b\nSupplementaryGroups=\nSupplementaryGroups=c\n");
    CHECK(value_of<std::string>(p, "ProtectSystem") == "strict");
    CHECK(value_of<uint32_t>(p, "UMask") == 0077);
    CHECK(value_of<std::vector<std::string>>(p, "SupplementaryGroups") ==
          std::vector<std::string>{"c"});
  }

  TEST_CASE("settings: a settings key in the wrong section does nothing") {
    auto lines = parse_unit_text("[Unit]\nPrivateTmp=yes\n[Service]\nExecStart=/bin/true\n", "u");
    REQUIRE(lines.ok());
    CHECK(value_of<bool>(unit_security_properties(*lines, "u.service"), "PrivateTmp") == false);
  }

  TEST_CASE("settings: capability sets replace first, then merge") {
    const uint64_t sys_admin = uint64_t{1} << 21, net_raw = uint64_t{1} << 13;
    CHECK(value_of<uint64_t>(properties("CapabilityBoundingSet=CAP_SYS_ADMIN\n"
                                        "CapabilityBoundingSet=CAP_NET_RAW\n"),
                             "CapabilityBoundingSet") == (sys_admin | net_raw));
    CHECK(value_of<uint64_t>(properties("CapabilityBoundingSet=~CAP_SYS_ADMIN\n"),
                             "CapabilityBoundingSet") == ~sys_admin);
    CHECK(value_of<uint64_t>(properties("CapabilityBoundingSet=CAP_SYS_ADMIN\n"
                                        "CapabilityBoundingSet=\n"),
                             "CapabilityBoundingSet") == 0);
  }

  TEST_CASE("settings: SystemCallFilter expands groups, adds @default to allow lists") {
    auto allow = value_of<NameList>(properties("SystemCallFilter=@system-service\n"
                                               "SystemCallFilter=~@privileged\n"),
                                    "SystemCallFilter");
    CHECK(allow.allow);
    auto has = [&](const std::string& s) {
      return std::find(allow.names.begin(), allow.names.end(), s) != allow.names.end();
    };
    CHECK(has("read"));
    CHECK(has("execve"));     // @default
    CHECK(!has("setuid"));    // @privileged, removed again
    CHECK(!has("@default"));  // only syscalls, as systemd holds them
    auto deny =
        value_of<NameList>(properties("SystemCallFilter=~@clock:EPERM\n"), "SystemCallFilter");
    CHECK(!deny.allow);
    CHECK(std::find(deny.names.begin(), deny.names.end(), "settimeofday:EPERM") !=
          deny.names.end());
  }

  TEST_CASE("settings: RestrictAddressFamilies lists merge, none forbids all") {
    auto p = properties(
        "RestrictAddressFamilies=AF_INET AF_LOCAL\n"
        "RestrictAddressFamilies=~AF_INET\n");
    CHECK(value_of<NameList>(p, "RestrictAddressFamilies") == NameList{true, {"AF_UNIX"}});
    CHECK(value_of<NameList>(properties("RestrictAddressFamilies=none\n"),
                             "RestrictAddressFamilies") == NameList{true, {}});
  }

  TEST_CASE("settings: DynamicUser implies what unit_patch_contexts() sets") {
    auto p = properties("DynamicUser=yes\nProtectHome=tmpfs\n", "web-app.service");
    CHECK(value_of<std::string>(p, "User") == "web-app");
    CHECK(value_of<bool>(p, "PrivateTmp"));
    CHECK(value_of<bool>(p, "RemoveIPC"));
    CHECK(value_of<bool>(p, "NoNewPrivileges"));
    CHECK(value_of<bool>(p, "RestrictSUIDSGID"));
    CHECK(value_of<std::string>(p, "ProtectSystem") == "strict");
    CHECK(value_of<std::string>(p, "ProtectHome") == "tmpfs");  // only "no" is raised
  }

  TEST_CASE("settings: PrivateDevices closes the device policy, ProtectClock allows the rtc") {
    auto p = properties("PrivateDevices=yes\nProtectClock=yes\n");
    CHECK(value_of<std::string>(p, "DevicePolicy") == "closed");
    CHECK(value_of<StringPairs>(p, "DeviceAllow") == StringPairs{{"char-rtc", "r"}});
    const uint64_t bounding = value_of<uint64_t>(p, "CapabilityBoundingSet");
    for (int cap : {17, 25, 27, 35}) CHECK((bounding & (uint64_t{1} << cap)) == 0);
  }

  TEST_CASE("load: drop-ins next to the file apply in name order, the file's dir first") {
    UnitDir d;
    const auto unit = d.write("a-b.service", "[Service]\nExecStart=/bin/true\nUMask=0022\n");
    d.write("a-b.service.d/20-late.conf", "[Service]\nUMask=0077\n");
    d.write("a-b.service.d/10-early.conf", "[Service]\nUMask=0027\nPrivateTmp=yes\n");
    d.write("a-.service.d/15-prefix.conf", "[Service]\nProtectHome=yes\n");
    d.write("service.d/05-all.conf", "[Service]\nNoNewPrivileges=yes\n");
    d.write("a-b.service.d/30-masked.conf", "");
    d.write("a-b.service.d/ignored.txt", "[Service]\nUMask=0000\n");
    auto loaded = load_unit(unit, UnitSearch{"/", false, false});
    REQUIRE(loaded.ok());
    CHECK(loaded->id == "a-b.service");
    REQUIRE(loaded->dropin_paths.size() == 4);
    CHECK(fs::path(loaded->dropin_paths[0]).filename() == "05-all.conf");
    CHECK(fs::path(loaded->dropin_paths[3]).filename() == "20-late.conf");
    auto p = unit_security_properties(loaded->lines, loaded->id);
    CHECK(value_of<uint32_t>(p, "UMask") == 0077);
    CHECK(value_of<bool>(p, "PrivateTmp"));
    CHECK(value_of<bool>(p, "NoNewPrivileges"));
    CHECK(value_of<std::string>(p, "ProtectHome") == "yes");
  }

  TEST_CASE("load: an alias symlink loads as its target, masked and refused units are errors") {
    UnitDir d;
    d.write("real.service", "[Service]\nExecStart=/bin/true\n");
    fs::create_symlink("real.service", d.dir / "alias.service");
    auto alias = load_unit(d.dir / "alias.service", UnitSearch{"/", false, false});
    REQUIRE(alias.ok());
    CHECK(alias->id == "real.service");

    fs::create_symlink("/dev/null", d.dir / "masked.service");
    auto masked = load_unit(d.dir / "masked.service", UnitSearch{"/", false, false});
    REQUIRE(!masked.ok());
    CHECK(masked.error().kind == ErrorKind::kUnitUnusable);
    CHECK(masked.error().message == "Unit masked.service is masked.");

    const auto two = d.write("two.service", "[Service]\nExecStart=/a\nExecStart=/b\n");
    auto refused = load_unit(two, UnitSearch{"/", false, false});
    REQUIRE(!refused.ok());
    CHECK(refused.error().message.find("more than one ExecStart=") != std::string::npos);

    auto missing = load_unit(d.dir / "nope.service", UnitSearch{"/", false, false});
    REQUIRE(!missing.ok());
    CHECK(missing.error().kind == ErrorKind::kBadInput);
  }

  TEST_CASE("lint: candidates are options that lower the score, largest gain first") {
    UnitDir d;
    const auto unit =
        d.write("c.service", "[Service]\nExecStart=/bin/true\nProtectSystem=strict\n");
    Catalogue catalogue;
    catalogue.options.push_back(
        {"ProtectSystem",
         "filesystem",
         {{"strict", {{"ProtectSystem", "strict"}}}, {"full", {{"ProtectSystem", "full"}}}},
         {}});
    catalogue.options.push_back({"UMask", "process", {{"0077", {{"UMask", "0077"}}}}, {}});
    catalogue.options.push_back(
        {"PrivateTmp", "filesystem", {{"yes", {{"PrivateTmp", "yes"}}}}, {}});
    auto loaded = load_unit(unit, UnitSearch{"/", false, false});
    REQUIRE(loaded.ok());
    const LintResult r = lint_unit(*loaded, catalogue);
    REQUIRE(r.candidates.size() == 2);                 // ProtectSystem=strict is already there
    CHECK(r.candidates[0].option_id == "PrivateTmp");  // weight 1000 beats UMask's 100
    CHECK(r.candidates[1].option_id == "UMask");
    CHECK(r.candidates[0].tenths_after < r.exposure.tenths);
    const std::string text = render_lint_text({r}, 1);
    CHECK(text.starts_with("UNIT      EXPOSURE PREDICATE\nc.service"));
    CHECK(text.find("    PrivateTmp=yes  -> ") != std::string::npos);
    CHECK(text.find("(1 more") != std::string::npos);
  }
}

}  // namespace
}  // namespace hb
