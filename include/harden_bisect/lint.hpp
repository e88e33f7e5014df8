// Lint: the exposure of service unit *files* (a source tree, a package), computed without a
// running systemd exactly as `systemd-analyze security --offline=true FILE` of systemd 252 does,
// and the catalogue options worth trying on each.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "harden_bisect/catalogue.hpp"
#include "harden_bisect/exposure.hpp"
#include "harden_bisect/property.hpp"
#include "harden_bisect/result.hpp"

namespace hb {

// One "Key=value" line of a unit file, after continuation lines are joined.
struct UnitLine {
  std::string section;  // "Service", without brackets
  std::string key;
  std::string value;
  std::string file;  // where it came from, for messages
  int line = 0;      // 1-based line of the key
};

// Parses unit-file text as systemd's config_parse() does: comments (# ;) and blank lines are
// skipped, a trailing backslash joins the next line (comment lines inside are dropped), lines
// without '=' or outside a section are ignored. An invalid section header fails the file
// (kBadInput, "path:line: ..."), as it fails the unit in systemd.
Result<std::vector<UnitLine>> parse_unit_text(std::string_view text, const std::string& path);

// Where unit files and drop-ins are looked up, as `systemd-analyze --offline` sets it up.
struct UnitSearch {
  std::string root = "/";     // --root: the system dirs are read below it
  bool system_dirs = true;    // false: only the file's own directory (hermetic tests)
  bool user_manager = false;  // --user: the user unit dirs instead of the system ones
};

// A unit file with its drop-ins, loaded as systemd 252 loads it by path.
struct LoadedUnit {
  std::string id;             // "foo.service" (an alias symlink resolves to its target's name)
  std::string fragment_path;  // the file read
  std::vector<std::string> dropin_paths;  // applied in this order
  std::vector<UnitLine> lines;            // fragment, then drop-ins
};

// Loads `file` and every "*.conf" drop-in that applies to it: <name>.d/, the dash-prefix dirs
// (foo-.service.d/), the template's dir and service.d/, in the file's own directory first and
// then the manager's unit dirs; same-named drop-ins in earlier dirs win, sorted by name.
// Errors: unreadable file or invalid section header (kBadInput, with file:line); masked unit,
// not a .service, a service systemd refuses to load (kUnitUnusable).
Result<LoadedUnit> load_unit(const std::filesystem::path& file, const UnitSearch& search = {});

// The properties systemd 252 holds after loading `unit` (each setting parsed as systemd parses
// it, later lines and drop-ins merged or reset as systemd does, load-time implications such as
// DynamicUser=yes => PrivateTmp=yes applied), in the form assess_exposure() reads: syscall
// groups expanded, address families canonical.
PropertyList unit_security_properties(const std::vector<UnitLine>& lines, const std::string& id,
                                      bool user_manager = false);

// One catalogue option worth trying on a unit.
struct LintCandidate {
  std::string option_id;
  std::vector<Assignment> assignments;  // its strongest rung that strengthens the unit
  int tenths_after = 0;                 // exposure with only this rung added as a drop-in
  uint64_t gain = 0;                    // weighted badness it removes (analyze's sum units)
};

struct LintResult {
  LoadedUnit unit;
  Exposure exposure;
  std::vector<LintCandidate> candidates;  // largest gain first
};

// Scores a loaded unit and ranks the catalogue options that would lower its exposure: for each
// option, its strongest rung that strengthens the unit, scored as a drop-in on top of it.
LintResult lint_unit(LoadedUnit unit, const Catalogue& catalogue, bool user_manager = false);

}  // namespace hb

namespace hb {

// The lint table: a header like systemd-analyze's overview ("UNIT EXPOSURE PREDICATE"), then per
// unit one line with its name, exposure and predicate, followed by up to `max_candidates`
// indented lines "    Key=value ... -> 2.6" (the exposure with that option added). Empty
// without results.
std::string render_lint_text(const std::vector<LintResult>& results, std::size_t max_candidates);

// The same as a JSON array (one object per unit: unit, path, dropins, exposure, predicate,
// candidates[{option, set, exposure}]); `pretty` indents it, otherwise one line.
std::string render_lint_json(const std::vector<LintResult>& results, bool pretty);

}  // namespace hb
