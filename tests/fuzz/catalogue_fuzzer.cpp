// libFuzzer target for the catalogue loader: arbitrary bytes go to parse_catalogue(), once on
// its own (an `extends: builtin` input then loads the builtin catalogue) and once over a small
// base catalogue. The only checks: no crash, no exception escapes, and an Error carries a
// non-empty one-line message. Built and run by scripts/fuzz.sh.
//
// Built with -DHB_FUZZ_INVARIANTS (HB_FUZZ_INVARIANTS=1 scripts/fuzz.sh) it also checks what an
// accepted catalogue promises (every option has an id, a group, at least one non-empty rung, a
// risk in 0..1; ids are unique) and that messages hold no control characters. That is off by
// default: it is a contract check, not a robustness check.
#include <algorithm>
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <set>
#include <string>

#include "harden_bisect/catalogue.hpp"

namespace {

constexpr const char* kOrigin = "fuzz.yaml";

// The base for the second call: three rows, one rung form each (as tests/fixtures/catalogue).
constexpr const char* kBaseYaml = R"(version: 1
options:
  - id: ProtectSystem
    group: filesystem
    rungs: [ProtectSystem=strict, ProtectSystem=full]
    scores: [ProtectSystem]
    risk: 0.4
    user_manager: needs-private-users
    why: Read-only OS
  - id: IPAddressDeny
    group: network
    rungs:
      - [IPAddressDeny=any]
      - {label: any except localhost, set: [IPAddressDeny=any, IPAddressAllow=localhost]}
  - id: CapabilityBoundingSet=~CAP_NET_RAW
    group: capabilities
    rungs: [CapabilityBoundingSet=~CAP_NET_RAW]
)";

[[noreturn]] void fail(const char* what, const std::string& detail) {
  std::fprintf(stderr, "catalogue_fuzzer: %s: %s\n", what, detail.c_str());
  std::fflush(stderr);
  std::abort();
}

const hb::Catalogue& base_catalogue() {
  static const hb::Catalogue base = [] {
    auto parsed = hb::parse_catalogue(kBaseYaml, "fuzz-base.yaml");
    if (!parsed) fail("the base catalogue does not load", parsed.error().message);
    return *parsed;
  }();
  return base;
}

#ifdef HB_FUZZ_INVARIANTS
// `text` with control characters spelled as \xNN.
std::string escaped(const std::string& text) {
  std::string out;
  for (const unsigned char c : text) {
    if (std::iscntrl(c)) {
      char hex[5];
      std::snprintf(hex, sizeof hex, "\\x%02x", c);
      out += hex;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

void check_invariants(const hb::Catalogue& catalogue) {
  std::set<std::string> ids;
  for (const auto& option : catalogue.options) {
    if (option.id.empty()) fail("accepted an option without id", option.group);
    if (!ids.insert(option.id).second) fail("accepted a duplicate id", option.id);
    if (option.group.empty()) fail("accepted an option without group", option.id);
    if (option.rungs.empty()) fail("accepted an option without rungs", option.id);
    if (!(option.risk >= 0.0 && option.risk <= 1.0)) {
      fail("accepted a risk outside 0..1", option.id);
    }
    for (const auto& rung : option.rungs) {
      if (rung.assignments.empty()) fail("accepted an empty rung", option.id);
    }
  }
}
#endif

// One call; aborts (so libFuzzer records the input) on a broken contract.
void check(const std::string& text, const hb::Catalogue* base) {
  try {
    auto result = hb::parse_catalogue(text, kOrigin, base);
    if (!result) {
      const auto& message = result.error().message;
      if (message.empty()) fail("an Error with an empty message", "");
      if (message.find('\n') != std::string::npos) fail("a multi-line Error message", message);
#ifdef HB_FUZZ_INVARIANTS
      if (std::any_of(message.begin(), message.end(),
                      [](unsigned char c) { return std::iscntrl(c); })) {
        fail("a control character in an Error message", escaped(message));
      }
#endif
      return;
    }
#ifdef HB_FUZZ_INVARIANTS
    check_invariants(*result);
#endif
  } catch (const std::exception& e) {
    fail("an exception escaped parse_catalogue", e.what());
  } catch (...) {
    fail("an exception escaped parse_catalogue", "(not a std::exception)");
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  base_catalogue();  // built once, outside the measured inputs
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  check(text, nullptr);
  check(text, &base_catalogue());
  return 0;
}
