// The option catalogue: the builtin data file and the YAML loader.
#include "harden_bisect/catalogue.hpp"

#include <doctest/doctest.h>
#include <sys/capability.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <set>

#include "harden_bisect/assignment.hpp"

namespace hb {
namespace {

const std::string kDataDir = HB_SOURCE_DATADIR;
const std::string kFixtures =
    (std::filesystem::path(kDataDir) / "../tests/fixtures/catalogue/").lexically_normal().string();

Catalogue builtin_file() {
  auto c = load_catalogue(kDataDir + "/catalogue.yaml");
  REQUIRE_MESSAGE(c.ok(), c.error().message);
  return *c;
}

std::string load_error(const std::string& fixture) {
  auto c = load_catalogue(kFixtures + fixture);
  REQUIRE_FALSE(c.ok());
  CHECK(c.error().kind == ErrorKind::kBadInput);
  return c.error().message;
}

std::string parse_error(const std::string& text) {
  auto c = parse_catalogue(text, "t.yaml");
  REQUIRE_FALSE(c.ok());
  CHECK(c.error().kind == ErrorKind::kBadInput);
  return c.error().message;
}

bool is_capability_id(const std::string& id) {
  return id.rfind("CapabilityBoundingSet=~CAP_", 0) == 0;
}

bool is_capability_row(const CatalogueOption& o) { return is_capability_id(o.id); }

// The ids of the rows written in a catalogue file, read with yaml-cpp (not with our loader).
std::vector<std::string> ids_in_file(const std::string& path) {
  std::vector<std::string> ids;
  for (const auto& row : YAML::LoadFile(path)["options"])
    ids.push_back(row["id"].as<std::string>());
  return ids;
}

// Capabilities of the running kernel that libcap has a name for.
std::size_t named_capabilities() {
  std::size_t named = 0;
  for (cap_value_t cap = 0; cap < static_cast<cap_value_t>(cap_max_bits()); ++cap) {
    char* name = cap_to_name(cap);
    if (std::string(name).rfind("cap_", 0) == 0) ++named;
    cap_free(name);
  }
  return named;
}

// Sets an environment variable for one scope.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const std::string& value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    setenv(name, value.c_str(), 1);
  }
  ~ScopedEnv() {
    if (old_) {
      setenv(name_, old_->c_str(), 1);
    } else {
      unsetenv(name_);
    }
  }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

// A directory holding one catalogue.yaml, removed at the end of the scope.
class TempDataDir {
 public:
  explicit TempDataDir(const std::string& text) {
    path_ = std::filesystem::temp_directory_path() /
            ("hb-catalogue-test-" + std::to_string(::getpid()));
    std::filesystem::create_directories(path_);
    std::ofstream(path_ / "catalogue.yaml") << text;
  }
  ~TempDataDir() { std::filesystem::remove_all(path_); }
  std::string path() const { return path_.string(); }

 private:
  std::filesystem::path path_;
};

}  // namespace

TEST_SUITE("catalogue") {
  TEST_CASE("the builtin catalogue loads with one row per capability the kernel knows") {
    const auto catalogue = builtin_file();
    const auto file_ids = ids_in_file(kDataDir + "/catalogue.yaml");
    const auto file_caps = std::count_if(file_ids.begin(), file_ids.end(), is_capability_id);
    const auto caps =
        std::count_if(catalogue.options.begin(), catalogue.options.end(), is_capability_row);
    CHECK(static_cast<std::size_t>(caps) == named_capabilities());
    // Every row of the file, in file order, then one added row per capability the file lacks.
    REQUIRE(catalogue.options.size() == file_ids.size() + (caps - file_caps));
    for (std::size_t i = 0; i < file_ids.size(); ++i) CHECK(catalogue.options[i].id == file_ids[i]);
    const auto* raw = catalogue.find("CapabilityBoundingSet=~CAP_NET_RAW");
    REQUIRE(raw != nullptr);
    CHECK(raw->group == "capabilities");
    CHECK(raw->rungs.size() == 1);
    CHECK(raw->rungs[0].assignments ==
          std::vector<Assignment>{{"CapabilityBoundingSet", "~CAP_NET_RAW"}});
    CHECK(raw->scores ==
          std::vector<std::string>{"CapabilityBoundingSet_CAP_NET_BIND_SERVICE_BROADCAST_RAW)"});
    CHECK(raw->user_manager == UserManagerSupport::kNeedsPrivateUsers);
    CHECK(catalogue.find("CapabilityBoundingSet=~CAP_NET_BIND_SERVICE")->risk == 0.3);
  }

  TEST_CASE("every field systemd-analyze 252 scores is improved by some builtin row") {
    const auto catalogue = builtin_file();
    std::set<std::string> scored;
    for (const auto& o : catalogue.options) scored.insert(o.scores.begin(), o.scores.end());
    std::ifstream fields(kFixtures + "analyzer-json-fields-v252.txt");
    REQUIRE(fields.good());
    std::string field;
    int checked = 0;
    while (std::getline(fields, field)) {
      if (field.empty() || field[0] == '#') continue;
      ++checked;
      // Only a prepared root tree clears this row; nothing a drop-in can try blindly.
      if (field == "RootDirectoryOrRootImage") continue;
      CHECK_MESSAGE(scored.count(field) == 1, field);
    }
    CHECK(checked == 81);
  }

  TEST_CASE("IPv4 and IPv6 are separate candidates scoring the same analyzer row") {
    const auto catalogue = builtin_file();
    const auto* v4 = catalogue.find("RestrictAddressFamilies=~AF_INET");
    const auto* v6 = catalogue.find("RestrictAddressFamilies=~AF_INET6");
    REQUIRE(v4 != nullptr);
    REQUIRE(v6 != nullptr);
    CHECK(v4->rungs.at(0).assignments ==
          std::vector<Assignment>{{"RestrictAddressFamilies", "~AF_INET"}});
    CHECK(v6->rungs.at(0).assignments ==
          std::vector<Assignment>{{"RestrictAddressFamilies", "~AF_INET6"}});
    CHECK(v4->scores == v6->scores);
    CHECK(catalogue.find("RestrictAddressFamilies=~AF_INET AF_INET6") == nullptr);
  }

  TEST_CASE("builtin ladders are strongest first and follow analyze's badness") {
    const auto catalogue = builtin_file();
    auto labels = [&](const char* id) {
      std::vector<std::string> out;
      for (const auto& r : catalogue.find(id)->rungs) out.push_back(r.label);
      return out;
    };
    CHECK(labels("ProtectSystem") ==
          std::vector<std::string>{"ProtectSystem=strict", "ProtectSystem=strict + writable-paths",
                                   "ProtectSystem=full", "ProtectSystem=yes"});
    CHECK(labels("ProtectHome") == std::vector<std::string>{"ProtectHome=yes", "ProtectHome=tmpfs",
                                                            "ProtectHome=read-only"});
    CHECK(labels("IPAddressDeny") ==
          std::vector<std::string>{"IPAddressDeny=any", "any except localhost"});
    CHECK(catalogue.find("IPAddressDeny")->rungs[1].assignments ==
          std::vector<Assignment>{{"IPAddressDeny", "any"}, {"IPAddressAllow", "localhost"}});
  }

  TEST_CASE("every builtin rung strengthens a bare unit, except defaults that are already hard") {
    const std::set<std::string> already_default = {"SupplementaryGroups", "AmbientCapabilities",
                                                   "KeyringMode", "NotifyAccess", "Delegate"};
    for (const auto& o : builtin_file().options) {
      for (const auto& r : o.rungs) {
        const auto expected = already_default.count(o.id) ? Applicability::kAlreadySatisfied
                                                          : Applicability::kStrengthens;
        CHECK_MESSAGE(assess({}, r.assignments) == expected, std::string(o.id + " / " + r.label));
      }
    }
  }

  TEST_CASE("the loader adds a default row for each capability libcap knows that the file lacks") {
    TempDataDir dir(
        "version: 1\n"
        "options:\n"
        "  - id: NetRaw\n"
        "    group: capabilities\n"
        "    rungs: [CapabilityBoundingSet=~CAP_NET_RAW]\n");
    ScopedEnv env("HARDEN_BISECT_DATADIR", dir.path());
    CHECK(builtin_catalogue_path() == dir.path() + "/catalogue.yaml");
    auto c = load_builtin_catalogue();
    REQUIRE_MESSAGE(c.ok(), c.error().message);
    // NetRaw and one default row for each other capability.
    CHECK(c->options.size() == named_capabilities());
    CHECK(c->find("CapabilityBoundingSet=~CAP_NET_RAW") == nullptr);  // the file has it
    const auto* chown = c->find("CapabilityBoundingSet=~CAP_CHOWN");
    REQUIRE(chown != nullptr);
    CHECK(chown->group == "capabilities");
    CHECK(chown->risk == 0.05);
    CHECK(chown->rungs[0].assignments ==
          std::vector<Assignment>{{"CapabilityBoundingSet", "~CAP_CHOWN"}});
  }

  TEST_CASE("the builtin catalogue is the installed one, else the source tree's") {
    ScopedEnv env("HARDEN_BISECT_DATADIR", "");
    const std::string installed = std::string(HB_DATADIR) + "/catalogue.yaml";
    const std::string source = kDataDir + "/catalogue.yaml";
    REQUIRE(installed != source);
    const auto expected = std::filesystem::exists(installed) ? installed : source;
    CHECK(builtin_catalogue_path() == expected);
    // And that file is what load_builtin_catalogue reads: its rows, in its order.
    auto c = load_builtin_catalogue();
    REQUIRE_MESSAGE(c.ok(), c.error().message);
    const auto file_ids = ids_in_file(expected);
    REQUIRE(c->options.size() >= file_ids.size());
    for (std::size_t i = 0; i < file_ids.size(); ++i) CHECK(c->options[i].id == file_ids[i]);
  }

  TEST_CASE("malformed YAML is reported with file:line:column") {
    const auto message = load_error("malformed.yaml");
    CHECK(message == kFixtures + "malformed.yaml:5:10: end of sequence flow not found");
  }

  TEST_CASE("an unknown capability name is rejected at its line") {
    CHECK(load_error("unknown-capability.yaml") ==
          kFixtures +
              "unknown-capability.yaml:5:13: invalid CapabilityBoundingSet=~CAP_BOGUS: unknown "
              "capability CAP_BOGUS");
    CHECK(parse_error("version: 1\noptions:\n  - id: X\n    group: process\n"
                      "    rungs: [Frobnicate=yes]\n") ==
          "t.yaml:5:13: unknown setting Frobnicate");
  }

  TEST_CASE("validation reports the first problem in file order and counts the rest") {
    CHECK(load_error("many-problems.yaml") ==
          kFixtures +
              "many-problems.yaml:2:1: unknown top-level key 'colour' (version, extends, options) "
              "(and 6 more)");
    CHECK(parse_error("version: 1\noptions:\n  - id: A\n    group: process\n"
                      "    rungs: [NoNewPrivileges=yes]\n    risk: 1.5\n") ==
          "t.yaml:6:11: risk must be in 0..1");
    CHECK(parse_error("version: 1\noptions:\n  - id: A\n    group: process\n"
                      "    rungs: [NoNewPrivileges=yes]\n  - id: A\n    group: process\n"
                      "    rungs: [NoNewPrivileges=yes]\n") ==
          "t.yaml:6:5: duplicate id 'A' (first at line 3)");
    CHECK(parse_error("version: 1\noptions:\n  - id: A\n    group: process\n    rungs: []\n") ==
          "t.yaml:5:12: rungs must be a non-empty list, strongest first");
    CHECK(parse_error("version: 1\noptions:\n  - id: A\n    group: process\n"
                      "    rungs: [NoNewPrivileges=yes]\n    user_manager: maybe\n") ==
          "t.yaml:6:19: unknown user_manager 'maybe' (works, needs-private-users, fails, "
          "not-enforced)");
    CHECK(parse_error("version: 2\noptions: []\n") ==
          "t.yaml:1:10: unsupported version '2' (expected 1)");
    CHECK(parse_error("options: []\n") == "t.yaml:1:1: missing 'version: 1'");
  }

  TEST_CASE("rungs may be one assignment, a list, or a labelled set") {
    auto c = load_catalogue(kFixtures + "small.yaml");
    REQUIRE_MESSAGE(c.ok(), c.error().message);
    REQUIRE(c->options.size() == 3);
    const auto& ps = c->options[0];
    CHECK(ps.id == "ProtectSystem");
    CHECK(ps.rungs.size() == 2);
    CHECK(ps.rungs[1].label == "ProtectSystem=full");
    CHECK(ps.why == "Read-only OS");
    const auto& ip = c->options[1];
    CHECK(ip.rungs[0].label == "IPAddressDeny=any");
    CHECK(ip.rungs[1].label == "any except localhost");
    CHECK(ip.rungs[1].assignments.size() == 2);
    CHECK(ip.risk == 0.1);  // defaults
    CHECK(ip.user_manager == UserManagerSupport::kWorks);
    CHECK(ip.scores.empty());
  }

  TEST_CASE("extends: builtin overrides rows by id and appends new ones") {
    auto base = load_catalogue(kFixtures + "small.yaml");
    REQUIRE(base.ok());
    auto c = load_catalogue(kFixtures + "extends.yaml", &*base);
    REQUIRE_MESSAGE(c.ok(), c.error().message);
    std::vector<std::string> ids;
    for (const auto& o : c->options) ids.push_back(o.id);
    CHECK(ids == std::vector<std::string>{"ProtectSystem", "IPAddressDeny",
                                          "CapabilityBoundingSet=~CAP_NET_RAW", "PrivateIPC"});
    const auto* ps = c->find("ProtectSystem");
    CHECK(ps->risk == 0.9);
    CHECK(ps->rungs.size() == 1);
    CHECK(ps->rungs[0].assignments == std::vector<Assignment>{{"ProtectSystem", "full"}});
    // Without extends a file replaces the base.
    auto replaced = load_catalogue(kFixtures + "small.yaml", &*c);
    REQUIRE(replaced.ok());
    CHECK(replaced->options.size() == 3);
  }

  TEST_CASE("extends: builtin without a base extends the installed builtin catalogue") {
    ScopedEnv env("HARDEN_BISECT_DATADIR", kDataDir);
    auto c = load_catalogue(kFixtures + "extends.yaml");
    REQUIRE_MESSAGE(c.ok(), c.error().message);
    const auto builtin = load_builtin_catalogue();
    REQUIRE(builtin.ok());
    std::size_t added = 0;  // rows of extends.yaml whose id the builtin catalogue lacks
    for (const auto& id : ids_in_file(kFixtures + "extends.yaml")) added += !builtin->find(id);
    CHECK(added == 1);
    CHECK(c->options.size() == builtin->options.size() + added);
    CHECK(c->find("ProtectSystem")->risk == 0.9);
    CHECK(c->options.back().id == "PrivateIPC");
  }

  TEST_CASE("an empty rung is an error, not an option that silently tries nothing") {
    CHECK(parse_error("version: 1\noptions:\n  - id: X\n    group: process\n"
                      "    rungs: [[]]\n    why: x\n") ==
          "t.yaml:5:13: empty rung: a rung sets at least one Key=value");
  }

  TEST_CASE("control characters from the file never reach an error message") {
    auto message = parse_error(
        "version: 1\noptions:\n  - id: X\n    group: \"a\\rb\\e[31m\"\n"
        "    rungs: [NoNewPrivileges=yes]\n    why: x\n");
    CHECK(message.find('\r') == std::string::npos);
    CHECK(message.find('\x1b') == std::string::npos);
    CHECK(message.find("unknown group") != std::string::npos);
  }
}

}  // namespace hb
