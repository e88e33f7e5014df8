// The upstream writers: a unit with a drop-in merged in, and the patch that makes it. Goldens
// in tests/fixtures/unit_patch (HB_UPDATE_GOLDEN=1 rewrites them).
#include "../../src/report/unit_patch_writer.hpp"

#include <doctest/doctest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "harden_bisect/lint.hpp"

namespace hb {
namespace {

namespace fs = std::filesystem;

fs::path fixture(const std::string& name) {
  auto path = fs::path(__FILE__).parent_path() / "../fixtures/unit_patch" / name;
  if (path.is_relative() && !fs::exists(path.parent_path()))
    path = fs::path(HB_SOURCE_DATADIR) / "../tests/fixtures/unit_patch" / name;
  return path;
}

std::string read(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void check_golden(const std::string& name, const std::string& actual) {
  const auto path = fixture(name);
  if (const char* update = std::getenv("HB_UPDATE_GOLDEN"); update && *update == '1')
    std::ofstream(path, std::ios::binary) << actual;
  REQUIRE_MESSAGE(fs::exists(path), "missing golden file " << path.string());
  CHECK(read(path) == actual);
}

std::vector<UnitLine> lines_of(const std::string& text, const std::string& origin) {
  auto lines = parse_unit_text(text, origin);
  REQUIRE(lines.ok());
  return *lines;
}

std::vector<Assignment> dropin(const std::string& name) {
  std::vector<Assignment> out;
  for (const auto& l : lines_of(read(fixture(name)), name))
    if (l.section == "Service") out.push_back({l.key, l.value});
  return out;
}

// What systemd holds for the unit with the drop-in applied after it, and for the merged file.
void check_same_meaning(const std::string& unit_name, const std::string& dropin_name) {
  const std::string unit = read(fixture(unit_name));
  auto with_dropin = lines_of(unit, unit_name);
  auto extra = lines_of(read(fixture(dropin_name)), dropin_name);
  with_dropin.insert(with_dropin.end(), extra.begin(), extra.end());
  const auto merged = lines_of(merge_into_unit(unit, dropin(dropin_name)), "merged");
  const auto expected = unit_security_properties(with_dropin, "x.service");
  const auto actual = unit_security_properties(merged, "x.service");
  CHECK(actual == expected);
  CHECK(assess_exposure(SecurityState{actual}).tenths ==
        assess_exposure(SecurityState{expected}).tenths);
  // And it is not a vacuous comparison: the drop-in changes the unit.
  CHECK(expected != unit_security_properties(lines_of(unit, unit_name), "x.service"));
}

TEST_SUITE("unit-patch") {
  TEST_CASE("merged unit: settings replaced in place, merging lists appended after their key") {
    const std::string merged =
        merge_into_unit(read(fixture("nginx.service")), dropin("nginx.dropin.conf"));
    check_golden("nginx.merged.service", merged);
    // Replaced, not duplicated.
    CHECK(merged.find("ProtectSystem=full") == std::string::npos);
    CHECK(merged.find("ProtectSystem=strict") != std::string::npos);
    CHECK(merged.find("PrivateTmp=no") == std::string::npos);
  }

  TEST_CASE("merged unit: a unit without [Service] gets one") {
    check_golden("bare.merged.service",
                 merge_into_unit(read(fixture("bare.service")), dropin("bare.dropin.conf")));
  }

  TEST_CASE("merged unit means what unit + drop-in mean (same properties, same exposure)") {
    check_same_meaning("nginx.service", "nginx.dropin.conf");
    check_same_meaning("bare.service", "bare.dropin.conf");
  }

  TEST_CASE("merged unit: an empty drop-in changes nothing, the patch is empty") {
    const std::string unit = read(fixture("nginx.service"));
    CHECK(merge_into_unit(unit, {}) == unit);
    CHECK(render_unit_patch(unit, "debian/nginx.service", {}).empty());
  }

  TEST_CASE("patch: golden, and `patch -p1` turns the source tree's file into the merged unit") {
    const std::string unit = read(fixture("nginx.service"));
    const auto assignments = dropin("nginx.dropin.conf");
    const std::string patch = render_unit_patch(unit, "debian/nginx.service", assignments);
    check_golden("nginx.patch", patch);
    if (std::system("command -v patch >/dev/null 2>&1") != 0) {
      MESSAGE("patch(1) not installed; not applying");
      return;
    }
    char tmpl[] = "/tmp/hb-patch-test-XXXXXX";
    const fs::path tree = mkdtemp(tmpl);
    fs::create_directories(tree / "debian");
    std::ofstream(tree / "debian/nginx.service", std::ios::binary) << unit;
    std::ofstream(tree / "fix.patch", std::ios::binary) << patch;
    const std::string command =
        "cd '" + tree.string() + "' && patch -p1 --quiet --batch < fix.patch >/dev/null 2>&1";
    CHECK(std::system(command.c_str()) == 0);
    CHECK(read(tree / "debian/nginx.service") == merge_into_unit(unit, assignments));
    fs::remove_all(tree);
  }

  TEST_CASE("unified diff: hunks far apart stay separate, a missing final newline is marked") {
    std::string before, after;
    for (int i = 1; i <= 20; ++i) {
      before += "l" + std::to_string(i) + "\n";
      after += (i == 2 ? "L2\n" : i == 18 ? "L18\n" : "l" + std::to_string(i) + "\n");
    }
    const std::string diff = unified_diff(before, after, "f");
    CHECK(diff.starts_with("--- a/f\n+++ b/f\n@@ -1,5 +1,5 @@\n l1\n-l2\n+L2\n"));
    CHECK(diff.find("@@ -15,6 +15,6 @@\n l15\n l16\n l17\n-l18\n+L18\n l19\n l20\n") !=
          std::string::npos);
    CHECK(unified_diff("a\nb", "a\nc\n", "f") ==
          "--- a/f\n+++ b/f\n@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+c\n");
  }
}

}  // namespace
}  // namespace hb
