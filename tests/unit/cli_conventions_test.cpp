// systemd's command-line conventions (src/cli/cli_conventions): unit names, colours, pager,
// the probe after "--", numeric validators, help wrapping.
#include "../../src/cli/cli_conventions.hpp"

#include <doctest/doctest.h>

namespace hb {
namespace {

TEST_SUITE("cli") {
  TEST_CASE("a bare name means the .service unit, names with a unit type stay as given") {
    CHECK(with_service_suffix("nginx") == "nginx.service");
    CHECK(with_service_suffix("getty@tty1") == "getty@tty1.service");
    CHECK(with_service_suffix("my.app") == "my.app.service");
    CHECK(with_service_suffix("nginx.service") == "nginx.service");
    CHECK(with_service_suffix("cups.socket") == "cups.socket");
    CHECK(with_service_suffix("multi-user.target") == "multi-user.target");
    CHECK(with_service_suffix("") == "");
    CHECK(with_service_suffix("/etc/x") == "/etc/x");
  }

  TEST_CASE("colours follow SYSTEMD_COLORS first, then NO_COLOR, then the terminal") {
    CHECK(colors_enabled(nullptr, nullptr, "xterm", true));
    CHECK_FALSE(colors_enabled(nullptr, nullptr, "xterm", false));
    CHECK_FALSE(colors_enabled(nullptr, nullptr, "dumb", true));
    CHECK_FALSE(colors_enabled(nullptr, "1", "xterm", true));
    CHECK_FALSE(colors_enabled(nullptr, "", "xterm", true));  // set, even empty
    CHECK(colors_enabled("1", "1", "dumb", false));
    CHECK(colors_enabled("256", nullptr, nullptr, false));
    CHECK(colors_enabled("true", nullptr, nullptr, false));
    CHECK(colors_enabled("24bit", nullptr, nullptr, false));
    CHECK_FALSE(colors_enabled("bogus", nullptr, "xterm", false));  // invalid: as if unset
    CHECK(colors_enabled("bogus", nullptr, "xterm", true));
    CHECK_FALSE(colors_enabled("bogus", "1", "xterm", true));
    for (const char* off : {"0", "no", "false", "off"}) {
      CAPTURE(off);
      CHECK_FALSE(colors_enabled(off, nullptr, "xterm", true));
    }
  }

  TEST_CASE("the pager is SYSTEMD_PAGER, else PAGER, else less, and only on a terminal") {
    CHECK(pager_command(false, nullptr, nullptr, true) == "less");
    CHECK(pager_command(false, "more", "most", true) == "more");
    CHECK(pager_command(false, nullptr, "most -s", true) == "most -s");
    CHECK_FALSE(pager_command(true, nullptr, nullptr, true));
    CHECK_FALSE(pager_command(false, nullptr, nullptr, false));
    CHECK_FALSE(pager_command(false, "cat", "less", true));
    CHECK_FALSE(pager_command(false, "", "less", true));
  }

  TEST_CASE("words after -- are one probe, kept exactly; the options before are parsed") {
    std::vector<std::string> words = {"harden-bisect",    "--settle", "2", "nginx", "--",
                                      "/usr/lib/probe x", "a b",      "--"};
    std::vector<char*> argv;
    for (auto& w : words) argv.push_back(w.data());
    auto split = split_at_dashes(static_cast<int>(argv.size()), argv.data());
    REQUIRE(split.options_count() == 4);
    CHECK(std::string(split.options[3]) == "nginx");
    CHECK(split.options[4] == nullptr);
    CHECK(split.probe == std::vector<std::string>{"/usr/lib/probe x", "a b", "--"});
    CHECK(quote_command(split.probe) == "'/usr/lib/probe x' 'a b' --");
    CHECK(quote_command({"http-ok", "it's"}) == "http-ok 'it'\\''s'");

    auto none = split_at_dashes(3, argv.data());
    CHECK(none.probe.empty());
    CHECK(none.options_count() == 3);
  }

  TEST_CASE("numeric options reject negative, zero, non-finite and absurd values") {
    auto seconds = seconds_validator(false);
    auto seconds0 = seconds_validator(true);
    auto count = count_validator(1);
    std::string v;
    for (std::string ok : {"0.5", "5", "86400"}) CHECK((v = ok, seconds(v)).empty());
    for (std::string bad : {"-1", "0", "nan", "inf", "1e9", "", "5s"}) {
      CAPTURE(bad);
      CHECK_FALSE((v = bad, seconds(v)).empty());
    }
    CHECK((v = "0", seconds0(v)).empty());
    CHECK_FALSE((v = "-0.1", seconds0(v)).empty());
    CHECK((v = "1", count(v)).empty());
    for (std::string bad : {"0", "-1", "1.5", "x", "100000"}) {
      CAPTURE(bad);
      CHECK_FALSE((v = bad, count(v)).empty());
    }
  }

  TEST_CASE("--json takes pretty, short or off and points a file name to the file option") {
    auto json = json_mode_validator("--json-file");
    std::string v;
    for (std::string ok : {"pretty", "short", "off"}) CHECK((v = ok, json(v)).empty());
    CHECK((v = "out.json", json(v)).find("--json-file FILE") != std::string::npos);
  }

  TEST_CASE("help text wraps at word boundaries within the width") {
    const auto wrapped = wrap_words("one two three four five six\nseven", 9);
    CHECK(wrapped == "one two\nthree\nfour five\nsix\nseven");
  }
}

}  // namespace
}  // namespace hb
