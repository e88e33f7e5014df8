// `harden-bisect lint`: one line per unit file with its exposure as `systemd-analyze security
// --offline=true FILE` gives it, then the catalogue options worth trying; or, with --dropin and
// --format=unit|patch, the unit file with a drop-in's hardening merged in, for upstream.
#include "lint_command.hpp"

#include <CLI/CLI.hpp>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "../report/unit_patch_writer.hpp"
#include "harden_bisect/catalogue.hpp"
#include "harden_bisect/lint.hpp"

namespace hb {
namespace {

namespace fs = std::filesystem;

struct LintOptions {
  std::vector<std::string> files;
  std::string json = "off";
  std::string format = "table";
  std::string dropin_path;
  std::string patch_root;
  std::string catalogue_path;
  std::string root = "/";
  int threshold = 100;
  int candidates = 10;
  bool user = false;
  bool no_dropins_from_system = false;
};

int fail(const Error& e) {
  std::cerr << "harden-bisect: " << e.message << "\n";
  return static_cast<int>(exit_code_for(e.kind));
}

Result<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error{path + ": cannot read", ErrorKind::kBadInput};
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// The [Service] assignments of a drop-in file, in order.
Result<std::vector<Assignment>> dropin_assignments(const std::string& path) {
  auto text = read_file(path);
  if (!text) return text.error();
  auto lines = parse_unit_text(*text, path);
  if (!lines) return lines.error();
  std::vector<Assignment> out;
  for (const auto& l : *lines) {
    if (l.section == "Service") out.push_back({l.key, l.value});
  }
  return out;
}

// --format=unit|patch for each file.
int write_merged(const LintOptions& o, const std::vector<LoadedUnit>& units) {
  auto assignments = dropin_assignments(o.dropin_path);
  if (!assignments) return fail(assignments.error());
  for (const auto& unit : units) {
    auto text = read_file(unit.fragment_path);
    if (!text) return fail(text.error());
    if (o.format == "unit") {
      std::cout << merge_into_unit(*text, *assignments);
      continue;
    }
    const fs::path fragment = fs::absolute(unit.fragment_path).lexically_normal();
    const fs::path root =
        fs::absolute(o.patch_root.empty() ? "." : o.patch_root).lexically_normal();
    const fs::path relative = fragment.lexically_relative(root);
    if (relative.empty() || relative.begin()->string() == "..")
      return fail(
          {unit.fragment_path + " is not below --patch-root " + root.string(), ErrorKind::kUsage});
    std::cout << render_unit_patch(*text, relative.string(), *assignments);
  }
  return 0;
}

}  // namespace

int run_lint_command(int argc, char** argv) {
  LintOptions o;
  CLI::App app{
      "harden-bisect lint: the exposure of service unit files, exactly as `systemd-analyze "
      "security --offline=true FILE` (systemd 252) computes it, and the catalogue options worth "
      "trying on each. Needs no running systemd.",
      "harden-bisect lint"};
  app.add_option("files", o.files, "Service unit files (drop-ins next to them are applied)")
      ->required();
  app.add_option("--json", o.json, "Print JSON instead of the table: short, pretty or off")
      ->check(CLI::IsMember({"short", "pretty", "off"}))
      ->capture_default_str();
  app.add_option("--threshold", o.threshold,
                 "Exit with 1 if any unit's exposure (0..100, i.e. tenths) is above this")
      ->check(CLI::Range(0, 100))
      ->capture_default_str();
  app.add_option("--candidates", o.candidates, "Candidate lines shown per unit in the table")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  app.add_option("--catalogue", o.catalogue_path, "Option catalogue YAML (default: the builtin)");
  app.add_option("--root", o.root, "Read the manager's unit dirs (and their drop-ins) below this")
      ->capture_default_str();
  app.add_flag("--no-system-dropins", o.no_dropins_from_system,
               "Only the file's own directory: ignore drop-ins in /etc, /run, /usr/lib");
  app.add_flag("--user", o.user, "Score as units of a user manager (as `systemd-analyze --user`)");
  app.add_option("--dropin", o.dropin_path,
                 "A drop-in (e.g. one harden-bisect wrote) to merge, for --format=unit|patch");
  app.add_option("--format", o.format,
                 "table; unit: the unit file with --dropin merged into [Service]; patch: a "
                 "unified diff of that against the file, for `patch -p1` in --patch-root")
      ->check(CLI::IsMember({"table", "unit", "patch"}))
      ->capture_default_str();
  app.add_option("--patch-root", o.patch_root,
                 "Source tree the patch paths are relative to (default: the current directory)");
  bool no_pager = false;  // lint never pages; accepted as systemd-analyze accepts it
  app.add_flag("--no-pager", no_pager, "Accepted for systemd-analyze compatibility");
  app.footer(
      "Exit codes: 0 ok, 1 a unit is above --threshold, 2 usage, 3 unreadable or malformed "
      "file, 4 a unit systemd refuses to load (masked, not a service, bad settings).");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : static_cast<int>(ExitCode::kUsage);
  }
  if (o.format != "table" && o.dropin_path.empty())
    return fail({"--format=" + o.format + " needs --dropin FILE", ErrorKind::kUsage});

  UnitSearch search;
  search.root = o.root;
  search.system_dirs = !o.no_dropins_from_system;
  search.user_manager = o.user;

  // Every file is tried; the worst problem decides the exit code.
  int exit_code = 0;
  std::vector<LoadedUnit> units;
  for (const auto& file : o.files) {
    auto unit = load_unit(file, search);
    if (!unit) {
      std::cerr << "harden-bisect: " << unit.error().message << "\n";
      exit_code = std::max(exit_code, static_cast<int>(exit_code_for(unit.error().kind)));
      continue;
    }
    units.push_back(std::move(*unit));
  }
  if (o.format != "table") {
    const int rc = write_merged(o, units);
    return rc != 0 ? rc : exit_code;
  }

  auto catalogue =
      o.catalogue_path.empty() ? load_builtin_catalogue() : load_catalogue(o.catalogue_path);
  if (!catalogue) return fail(catalogue.error());
  std::vector<LintResult> results;
  bool above = false;
  for (auto& unit : units) {
    results.push_back(lint_unit(std::move(unit), *catalogue, o.user));
    above = above || results.back().exposure.tenths > o.threshold;
  }
  if (o.json == "off") {
    std::cout << render_lint_text(results, static_cast<std::size_t>(o.candidates));
  } else {
    std::cout << render_lint_json(results, o.json == "pretty");
  }
  std::cout << std::flush;
  if (above && exit_code == 0) exit_code = static_cast<int>(ExitCode::kFailure);
  return exit_code;
}

}  // namespace hb
