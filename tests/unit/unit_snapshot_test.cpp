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
