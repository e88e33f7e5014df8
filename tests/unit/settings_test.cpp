// The settings registry and the small shared tables: one row per setting, one boolean parser,
// one ANSI stripper, one capability table, one list of option groups.
#include "harden_bisect/settings.hpp"

#include <doctest/doctest.h>

#include <set>
#include <string>

#include "harden_bisect/assignment.hpp"
#include "harden_bisect/capabilities.hpp"
#include "harden_bisect/option_groups.hpp"
#include "harden_bisect/text.hpp"
#include "harden_bisect/unit_snapshot.hpp"

using namespace hb;

TEST_SUITE("settings") {
  TEST_CASE("each setting has one row") {
    std::set<std::string_view> keys;
    for (const auto& s : settings()) CHECK_MESSAGE(keys.insert(s.key).second, s.key);
    CHECK(registered_setting("SuccessExitStatus") != nullptr);
    CHECK(registered_setting("Restart") == nullptr);  // copies never restart
  }

  TEST_CASE("what the model merges, a copy carries verbatim with a signature") {
    std::size_t merged = 0;
    for (const auto& s : settings()) {
      if (s.merge == MergeKind::kNone) continue;
      ++merged;
      CHECK_MESSAGE(s.copy == CopyMode::kAlways, s.key);
      CHECK_MESSAGE(!s.signature.empty(), s.key);
      if (s.merge == MergeKind::kEnum) CHECK_MESSAGE(!s.levels.empty(), s.key);
    }
    CHECK(known_settings().size() == merged);
    REQUIRE(find_setting("ProtectSystem") != nullptr);
    CHECK(find_setting("ProtectSystem")->levels.back() == "strict");
    CHECK(find_setting("TimeoutStartUSec") == nullptr);  // copied, not merged
  }

  TEST_CASE("the exposure reads exactly the scored rows, each with a signature") {
    std::size_t scored = 0;
    for (const auto& s : settings()) {
      if (!s.scored) continue;
      ++scored;
      CHECK_MESSAGE(!s.signature.empty(), s.key);
    }
    const auto& specs = security_property_specs();
    CHECK(specs.size() == scored);
    for (const auto& spec : specs) {
      const Setting* s = registered_setting(spec.name);
      REQUIRE(s != nullptr);
      CHECK(s->scored);
      CHECK(spec.signature == s->signature);
    }
  }

  TEST_CASE("lists with set meaning are marked, ordered lists are not") {
    CHECK(registered_setting("DeviceAllow")->set_meaning);
    CHECK(registered_setting("ReadWritePaths")->set_meaning);
    CHECK_FALSE(registered_setting("Environment")->set_meaning);
    CHECK_FALSE(registered_setting("ExecStartEx")->set_meaning);
  }
}

TEST_SUITE("settings") {
  TEST_CASE("parse_boolean is systemd's") {
    for (const char* yes : {"1", "yes", "y", "true", "t", "on", "YES", "On"})
      CHECK_MESSAGE(parse_boolean(yes) == true, yes);
    for (const char* no : {"0", "no", "n", "false", "f", "off", "NO", "Off"})
      CHECK_MESSAGE(parse_boolean(no) == false, no);
    for (const char* neither : {"", "2", "yess", "strict", "o"})
      CHECK_MESSAGE(!parse_boolean(neither).has_value(), neither);
  }

  TEST_CASE("without_ansi drops CSI sequences, even unterminated ones") {
    CHECK(without_ansi("\x1b[1;31mred\x1b[0m plain") == "red plain");
    CHECK(without_ansi("a\x1b[") == "a");
    CHECK(without_ansi("keep \x1b] and [brackets]") == "keep \x1b] and [brackets]");
  }

  TEST_CASE("capabilities are named as systemd names them") {
    CHECK(capability_name(12) == "CAP_NET_ADMIN");
    CHECK(capability_number("CAP_NET_ADMIN") == 12);
    CHECK_FALSE(capability_number("cap_net_admin").has_value());
    CHECK_FALSE(capability_number("CAP_BOGUS").has_value());
    const auto& all = kernel_capabilities();
    REQUIRE(all.size() > 12);
    CHECK(all[0] == "CAP_CHOWN");
    CHECK((kernel_capability_mask() >> (all.size() - 1)) == 1);
  }

  TEST_CASE("option groups: one list, in drop-in order, with titles") {
    REQUIRE(!option_groups().empty());
    CHECK(option_groups().front().id == "identity");
    REQUIRE(find_option_group("syscalls") != nullptr);
    CHECK(find_option_group("syscalls")->title == "System calls");
    CHECK(find_option_group("bogus") == nullptr);
  }
}
