// The drop-in an expert would write: one effective line per setting, no line that changes
// nothing, plain words, reproducible, and always the same meaning as what the trials ran.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "../../src/report/dropin_plan.hpp"
#include "../../src/report/syscall_sets.hpp"
#include "harden_bisect/assignment.hpp"
#include "harden_bisect/catalogue.hpp"
#include "harden_bisect/exposure.hpp"
#include "harden_bisect/report_writers.hpp"

namespace hb {
namespace {

const std::string kDataDir = HB_SOURCE_DATADIR;
const std::filesystem::path kGolden =
    (std::filesystem::path(kDataDir) / "../tests/fixtures/dropin/").lexically_normal();

const Catalogue& builtin() {
  static const Catalogue c = [] {
    auto loaded = load_catalogue(kDataDir + "/catalogue.yaml");
    REQUIRE_MESSAGE(loaded.ok(), loaded.error().message);
    return *loaded;
  }();
  return c;
}

// A finished run as the run driver records it: every builtin row at its strongest rung except
// `rejected` ids, whose assignments are then cut to the effective ones on `unit`.
RunReport run_on(const PropertyList& unit, const std::set<std::string>& rejected) {
  RunReport r;
  r.unit = "demo.service";
  r.tool_version = "0.1.0";
  r.confirmed = true;
  r.unit_settings = unit;
  r.before.tenths = 96;
  r.after.tenths = 12;
  std::vector<Assignment> all;
  for (const auto& o : builtin().options) {
    if (rejected.contains(o.id)) continue;
    std::vector<Assignment> rung = o.rungs.front().assignments;
    if (assess(unit, rung) != Applicability::kStrengthens) continue;
    r.kept.push_back({o.id, o.group, o.rungs.front().label, rung, o.why});
    all.insert(all.end(), rung.begin(), rung.end());
  }
  auto effective = effective_assignments(unit, all);
  for (auto& k : r.kept) {
    std::erase_if(k.assignments, [&](const Assignment& a) {
      auto it = std::find(effective.begin(), effective.end(), a);
      if (it == effective.end()) return true;
      effective.erase(it);
      return false;
    });
  }
  return r;
}

std::vector<Assignment> raw_assignments(const RunReport& r) {
  std::vector<Assignment> out;
  for (const auto& k : r.kept) out.insert(out.end(), k.assignments.begin(), k.assignments.end());
  return out;
}

// The setting lines of a drop-in file, parsed back as systemd reads them.
std::vector<Assignment> parse_back(const std::string& dropin) {
  std::vector<Assignment> out;
  std::istringstream in(dropin);
  bool service = false;
  for (std::string line; std::getline(in, line);) {
    if (line == "[Service]") service = true;
    if (!service || line.empty() || line[0] == '#' || line[0] == '[') continue;
    const auto eq = line.find('=');
    REQUIRE_MESSAGE(eq != std::string::npos, line);
    out.push_back({line.substr(0, eq), line.substr(eq + 1)});
  }
  return out;
}

std::vector<std::string> values_of(const std::vector<Assignment>& lines, const std::string& key) {
  std::vector<std::string> out;
  for (const auto& a : lines)
    if (a.key == key) out.push_back(a.value);
  return out;
}

Exposure exposure_of(const PropertyList& unit, const std::vector<Assignment>& lines) {
  auto meaning = report::dropin_meaning(unit, lines);
  REQUIRE_MESSAGE(meaning.ok(), meaning.error().message);
  return assess_exposure(SecurityState{*meaning});
}

std::string render(const RunReport& r) {
  return render_dropin_file(r, {{"/usr/lib/probes/http-ok http://127.0.0.1:8080/"}, "", ""});
}

void check_golden(const std::string& name, const std::string& actual) {
  const auto path = kGolden / name;
  if (const char* update = std::getenv("HB_UPDATE_GOLDEN"); update && *update == '1') {
    std::filesystem::create_directories(kGolden);
    std::ofstream(path, std::ios::binary) << actual;
  }
  std::ifstream in(path, std::ios::binary);
  REQUIRE_MESSAGE(in.good(), "missing golden file " << path.string());
  std::stringstream expected;
  expected << in.rdbuf();
  CHECK_MESSAGE(expected.str() == actual, name << " differs (HB_UPDATE_GOLDEN=1 rewrites it):\n"
                                               << actual);
}

const PropertyList kPlainUnit = {};
// A unit with its own partial sandboxing: a bounding set, an address-family allow list and a
// syscall deny list of its own.
const PropertyList kSandboxedUnit = {
    {"CapabilityBoundingSet",
     uint64_t{(1u << 10) | (1u << 12) | (1u << 21)}},  // BIND, ADMIN, SYS_ADMIN
    {"RestrictAddressFamilies", NameList{true, {"AF_UNIX", "AF_INET", "AF_INET6"}}},
    {"SystemCallFilter", NameList{false, {"reboot", "swapon", "swapoff"}}},
};

}  // namespace

TEST_SUITE("dropin") {
  TEST_CASE("every capability dropped is written as one empty CapabilityBoundingSet=") {
    const auto lines = parse_back(render(run_on(kPlainUnit, {})));
    CHECK(values_of(lines, "CapabilityBoundingSet") == std::vector<std::string>{""});
  }

  TEST_CASE("a short allow list replaces a long deny list on a unit with the full bounding set") {
    const auto lines =
        parse_back(render(run_on(kPlainUnit, {"CapabilityBoundingSet=~CAP_NET_BIND_SERVICE"})));
    CHECK(values_of(lines, "CapabilityBoundingSet") ==
          std::vector<std::string>{"CAP_NET_BIND_SERVICE"});
  }

  TEST_CASE("a unit with its own bounding set keeps a deny list: an allow list would add to it") {
    const auto lines =
        parse_back(render(run_on(kSandboxedUnit, {"CapabilityBoundingSet=~CAP_NET_BIND_SERVICE"})));
    CHECK(values_of(lines, "CapabilityBoundingSet") ==
          std::vector<std::string>{"~CAP_NET_ADMIN CAP_SYS_ADMIN"});
  }

  TEST_CASE("all namespaces restricted is RestrictNamespaces=yes") {
    const auto lines = parse_back(render(run_on(kPlainUnit, {})));
    CHECK(values_of(lines, "RestrictNamespaces") == std::vector<std::string>{"yes"});
    const auto some = parse_back(render(run_on(kPlainUnit, {"RestrictNamespaces=~net"})));
    CHECK(values_of(some, "RestrictNamespaces") ==
          std::vector<std::string>{"~user mnt ipc pid cgroup uts time"});
  }

  TEST_CASE("address families are one allow list, IPv4 and IPv6 decided separately") {
    const auto lines = parse_back(render(run_on(kPlainUnit, {"RestrictAddressFamilies=~AF_INET"})));
    CHECK(values_of(lines, "RestrictAddressFamilies") == std::vector<std::string>{"AF_INET"});
    const auto both = parse_back(render(run_on(
        kPlainUnit, {"RestrictAddressFamilies=~AF_INET", "RestrictAddressFamilies=~AF_UNIX"})));
    CHECK(values_of(both, "RestrictAddressFamilies") ==
          std::vector<std::string>{"AF_UNIX AF_INET"});
  }

  TEST_CASE("deny groups that share no syscall with @system-service are not written") {
    const auto dropin = render(run_on(kPlainUnit, {"RestrictAddressFamilies=~AF_INET"}));
    const auto lines = parse_back(dropin);
    CHECK(values_of(lines, "SystemCallFilter") ==
          std::vector<std::string>{"@system-service", "~@privileged @resources"});
    for (const char* group : {"@swap", "@obsolete", "@clock", "@cpu-emulation", "@debug", "@mount",
                              "@module", "@raw-io", "@reboot"}) {
      INFO(group);
      const auto named =
          dropin.find(group, dropin.find("# Not written, because they change nothing"));
      CHECK(named != std::string::npos);  // named in the comment, not on a line
      const auto members = report::expand_syscall_name(group);
      REQUIRE(members);
      for (const auto& s : *members)
        CHECK_FALSE(report::expand_syscall_name("@system-service")->contains(s));
    }
    // The groups that stay do remove syscalls @system-service allows.
    CHECK(report::expand_syscall_name("@system-service")->contains("setuid"));
    CHECK(report::expand_syscall_name("@privileged")->contains("setuid"));
  }

  TEST_CASE("settings implied by others get no line of their own") {
    const auto dropin = render(run_on(kPlainUnit, {}));
    const auto lines = parse_back(dropin);
    CHECK(values_of(lines, "PrivateDevices") == std::vector<std::string>{"yes"});
    CHECK(values_of(lines, "DevicePolicy").empty());
    CHECK(values_of(lines, "DynamicUser") == std::vector<std::string>{"yes"});
    for (const char* key :
         {"PrivateTmp", "RemoveIPC", "ProtectSystem", "NoNewPrivileges", "RestrictSUIDSGID"}) {
      INFO(key);
      CHECK(values_of(lines, key).empty());
    }
    CHECK(
        dropin.find("# Not written, because DynamicUser=yes implies them: ProtectSystem=strict,") !=
        std::string::npos);
    // Without DynamicUser they are written.
    const auto without = parse_back(render(run_on(kPlainUnit, {"DynamicUser"})));
    CHECK(values_of(without, "ProtectSystem") == std::vector<std::string>{"strict"});
    CHECK(values_of(without, "NoNewPrivileges") == std::vector<std::string>{"yes"});
  }

  TEST_CASE("rewriting never changes the exposure or the meaning of the kept settings") {
    const std::vector<std::set<std::string>> rejections = {
        {},
        {"RestrictAddressFamilies=~AF_INET", "PrivateNetwork", "IPAddressDeny"},
        {"CapabilityBoundingSet=~CAP_NET_BIND_SERVICE", "DynamicUser",
         "SystemCallFilter=~@privileged"},
        {"SystemCallFilter=@system-service", "PrivateDevices", "RestrictNamespaces=~user"},
    };
    for (const auto* unit : {&kPlainUnit, &kSandboxedUnit}) {
      for (const auto& rejected : rejections) {
        const auto report = run_on(*unit, rejected);
        const auto raw = raw_assignments(report);
        const auto written = parse_back(render(report));
        CAPTURE(render(report));
        CHECK(written.size() < raw.size());  // the rewriting did something
        const auto before = exposure_of(*unit, raw), after = exposure_of(*unit, written);
        CHECK(before.tenths == after.tenths);
        for (std::size_t i = 0; i < before.rows.size(); ++i) {
          INFO(before.rows[i].id);
          CHECK(before.rows[i].badness == after.rows[i].badness);
        }
        CHECK(*report::dropin_meaning(*unit, raw) == *report::dropin_meaning(*unit, written));
      }
    }
  }

  TEST_CASE("the exposure comparison notices a lost line") {
    const auto report = run_on(kPlainUnit, {"RestrictAddressFamilies=~AF_INET"});
    auto written = parse_back(render(report));
    std::erase_if(written,
                  [](const Assignment& a) { return a.value == "~@privileged @resources"; });
    CHECK(exposure_of(kPlainUnit, raw_assignments(report)).tenths <
          exposure_of(kPlainUnit, written).tenths);
  }

  TEST_CASE("the drop-in has no date unless SOURCE_DATE_EPOCH asks for one, and names versions") {
    ::unsetenv("SOURCE_DATE_EPOCH");
    const auto plain = dropin_header({"probe"});
    CHECK(plain.date.empty());
    const auto report = run_on(kPlainUnit, {"RestrictAddressFamilies=~AF_INET"});
    const auto text = render_dropin_file(report, plain);
    CHECK(
        text.starts_with("# Hardening for demo.service, written by harden-bisect 0.1.0 for "
                         "systemd 252.\n"));
    CHECK(text == render_dropin_file(report, dropin_header({"probe"})));
    ::setenv("SOURCE_DATE_EPOCH", "1714564800", 1);  // 2024-05-01 12:00 UTC
    const auto dated = dropin_header({"probe"}, "252.39-1~deb12u2");
    ::unsetenv("SOURCE_DATE_EPOCH");
    CHECK(dated.date == "2024-05-01");
    CHECK(render_dropin_file(report, dated)
              .starts_with("# Hardening for demo.service, written by harden-bisect 0.1.0 for "
                           "systemd 252.39-1~deb12u2.\n# Written on 2024-05-01.\n"));
    CHECK(text.find("Written on") == std::string::npos);
  }

  TEST_CASE("comments use plain words: no search internals, evidence cut between words") {
    auto report = run_on(kPlainUnit, {"RestrictAddressFamilies=~AF_INET"});
    std::string evidence = "probe exited 1:";
    for (int i = 0; i < 60; ++i) evidence += " word" + std::to_string(i);
    Verdict v;
    v.kind = VerdictKind::kFail;
    v.evidence.summary = evidence;
    report.rejected.push_back({"RestrictAddressFamilies=~AF_INET",
                               "network",
                               "",
                               {{"RestrictAddressFamilies", "~AF_INET"}},
                               v,
                               "fails with the 37 candidates accepted so far (inferred: its group "
                               "of 4 failed, the other 3 passed)",
                               std::nullopt});
    const auto text = render(report);
    CHECK(text.find("rung") == std::string::npos);
    CHECK(text.find("accepted so far") == std::string::npos);
    CHECK(text.find("candidates") == std::string::npos);
    const auto at = text.find("# RestrictAddressFamilies=~AF_INET: probe exited 1: word0");
    REQUIRE(at != std::string::npos);
    const auto line = text.substr(at, text.find('\n', at) - at);
    REQUIRE(line.ends_with(" \xE2\x80\xA6"));
    const auto last = line.substr(0, line.size() - 4);
    const auto word = last.substr(last.rfind(' ') + 1);
    CHECK(evidence.find(" " + word + " ") != std::string::npos);  // a whole word of the evidence
  }

  TEST_CASE("golden drop-ins: a plain unit and a unit with its own sandboxing") {
    check_golden("plain-unit.conf",
                 render(run_on(kPlainUnit, {"RestrictAddressFamilies=~AF_INET", "PrivateNetwork",
                                            "IPAddressDeny"})));
    check_golden("sandboxed-unit.conf",
                 render(run_on(kSandboxedUnit, {"CapabilityBoundingSet=~CAP_NET_BIND_SERVICE",
                                                "SystemCallFilter=@system-service"})));
    check_golden("bind-service.conf",
                 render(run_on(kPlainUnit, {"CapabilityBoundingSet=~CAP_NET_BIND_SERVICE",
                                            "DynamicUser", "RestrictAddressFamilies=~AF_INET6",
                                            "RestrictAddressFamilies=~AF_INET"})));
  }
}

}  // namespace hb
