// Refusing unusable unit names, and proving a copy reproduces the original.
#include "harden_bisect/unit_snapshot.hpp"

#include <doctest/doctest.h>

TEST_SUITE("snapshot") {
  TEST_CASE("only instantiated .service names pass the name check, with exit code 4") {
    CHECK(hb::check_unit_name("nginx.service").ok());
    CHECK(hb::check_unit_name("getty@tty1.service").ok());
    for (const char* bad : {"nginx", "nginx.socket", "getty@.service", "", "a/b.service"}) {
      auto s = hb::check_unit_name(bad);
      CHECK_FALSE(s.ok());
      CHECK(s.error().kind == hb::ErrorKind::kUnitUnusable);
    }
    CHECK(hb::check_unit_name("getty@.service").error().message ==
          "getty@.service is a template; name an instance, e.g. getty@foo.service");
  }

  TEST_CASE("a copy that differs in a setting is caught and the setting named") {
    std::map<std::string, std::string> original = {
        {"CPUAffinity", "STRING \"CPUAffinity\";\nVARIANT \"ay\" {\n ARRAY \"y\" { BYTE 3; };\n};"},
        {"Nice", "VARIANT \"i\" { INT32 5; };"},
        {"MainPID", "VARIANT \"u\" { UINT32 42; };"},
    };
    auto copy = original;
    copy["CPUAffinity"] = "STRING \"CPUAffinity\";\nVARIANT \"ay\" {\n ARRAY \"y\" { };\n};";
    copy["MainPID"] = "VARIANT \"u\" { UINT32 43; };";  // runtime state: ignored
    auto missing = hb::unreproduced_settings(original, copy);
    REQUIRE(missing.size() == 1);
    CHECK(missing[0].rfind("CPUAffinity (", 0) == 0);
  }

  TEST_CASE("a property the copy lacks is named; a disabled watchdog reads 0 or infinity") {
    std::map<std::string, std::string> original = {
        {"LoadCredential", "x"},
        {"WatchdogUSec", "VARIANT \"t\" { UINT64 18446744073709551615; };"},
        {"Restart", "VARIANT \"s\" { STRING \"always\"; };"},  // off in copies on purpose
    };
    std::map<std::string, std::string> copy = {
        {"WatchdogUSec", "VARIANT \"t\" { UINT64 0; };"},
        {"Restart", "VARIANT \"s\" { STRING \"no\"; };"},
    };
    CHECK(hb::unreproduced_settings(original, copy) == std::vector<std::string>{"LoadCredential"});
  }
}

TEST_SUITE("snapshot") {
  // sd_bus_message_dump text of a DeviceAllow= value, one token per line as sd-bus writes it.
  std::string device_allow_dump(const std::vector<std::pair<std::string, std::string>>& entries) {
    std::string out = "VARIANT \"a(ss)\" {\n        ARRAY \"(ss)\" {\n";
    for (const auto& [path, mode] : entries) {
      out += "                STRUCT \"ss\" {\n                        STRING \"" + path +
             "\";\n                        STRING \"" + mode + "\";\n                };\n";
    }
    return out + "        };\n};\n";
  }

  TEST_CASE("an implied entry held twice by the copy means the same as once") {
    std::map<std::string, std::string> original = {
        {"DeviceAllow", device_allow_dump({{"/dev/null", "rw"}, {"char-rtc", "r"}})}};
    std::map<std::string, std::string> copy = {
        {"DeviceAllow",
         device_allow_dump({{"char-rtc", "r"}, {"/dev/null", "rw"}, {"char-rtc", "r"}})}};
    CHECK(hb::unreproduced_settings(original, copy).empty());
    // ... but a missing or different entry is still named.
    copy["DeviceAllow"] = device_allow_dump({{"char-rtc", "r"}, {"/dev/null", "r"}});
    auto missing = hb::unreproduced_settings(original, copy);
    REQUIRE(missing.size() == 1);
    CHECK(missing[0].rfind("DeviceAllow (", 0) == 0);
  }

  TEST_CASE("ordered lists keep their order: Environment= is not a set") {
    auto env = [](const char* a, const char* b) {
      return std::string("VARIANT \"as\" {\n ARRAY \"s\" {\n STRING \"") + a + "\";\n STRING \"" +
             b + "\";\n };\n};\n";
    };
    CHECK(hb::canonical_dump("Environment", env("A=1", "A=2")) !=
          hb::canonical_dump("Environment", env("A=2", "A=1")));
    CHECK(hb::canonical_dump("ReadWritePaths", env("/a", "/b")) ==
          hb::canonical_dump("ReadWritePaths", env("/b", "/a")));
  }

  TEST_CASE("entries systemd implies at load time are not sent to a copy") {
    hb::PropertyList copy = {
        {"ProtectClock", true},
        {"DeviceAllow", hb::StringPairs{{"/dev/null", "rw"}, {"char-rtc", "r"}}},
    };
    hb::strip_implied_entries(copy);
    REQUIRE(copy.size() == 2);
    CHECK(copy[1].value == hb::PropertyValue{hb::StringPairs{{"/dev/null", "rw"}}});

    // Only the implied entry itself: char-rtc with another mode was set by the unit.
    hb::PropertyList own = {{"ProtectClock", true},
                            {"DeviceAllow", hb::StringPairs{{"char-rtc", "rw"}}}};
    hb::strip_implied_entries(own);
    CHECK(own.size() == 2);

    // Nothing left: no DeviceAllow= at all (an empty one would reset the list).
    hb::PropertyList only = {{"ProtectClock", true},
                             {"DeviceAllow", hb::StringPairs{{"char-rtc", "r"}}}};
    hb::strip_implied_entries(only);
    CHECK(only == hb::PropertyList{{"ProtectClock", true}});

    // Without ProtectClock=yes the entry is the unit's own.
    hb::PropertyList plain = {{"ProtectClock", false},
                              {"DeviceAllow", hb::StringPairs{{"char-rtc", "r"}}}};
    hb::strip_implied_entries(plain);
    CHECK(plain.size() == 2);
  }
}

TEST_SUITE("snapshot") {
  TEST_CASE("a stopped original's watchdog reads infinity and cannot be compared; a set one can") {
    auto usec = [](const char* v) { return std::string("VARIANT \"t\" { UINT64 ") + v + "; };"; };
    std::map<std::string, std::string> stopped = {{"WatchdogUSec", usec("18446744073709551615")}};
    std::map<std::string, std::string> running = {{"WatchdogUSec", usec("180000000")}};
    std::map<std::string, std::string> none = {{"WatchdogUSec", usec("0")}};
    CHECK(hb::unreproduced_settings(stopped, running).empty());
    CHECK(hb::unreproduced_settings(running, running).empty());
    REQUIRE(hb::unreproduced_settings(running, none).size() == 1);
    CHECK(hb::unreproduced_settings(running, none)[0].rfind("WatchdogUSec (", 0) == 0);
  }
}
