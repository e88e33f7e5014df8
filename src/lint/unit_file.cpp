// Reading unit files and their drop-ins the way systemd 252 does (src/shared/conf-parser.c,
// src/basic/unit-file.c, src/shared/dropin.c), without a manager.
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>

#include "harden_bisect/lint.hpp"
#include "unit_settings.hpp"

namespace hb {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kWhitespace = " \t\n\r";

std::string_view strip(std::string_view s) {
  const auto first = s.find_first_not_of(kWhitespace);
  if (first == std::string_view::npos) return {};
  const auto last = s.find_last_not_of(kWhitespace);
  return s.substr(first, last - first + 1);
}

Error bad_line(const std::string& path, int line, const std::string& why) {
  return Error{path + ":" + std::to_string(line) + ": " + why, ErrorKind::kBadInput};
}

// The unit dirs of the manager, as `systemd-analyze unit-paths` lists them, without the
// generator dirs: the offline test manager gives its generators fresh, empty directories.
std::vector<fs::path> manager_unit_dirs(const UnitSearch& search) {
  std::vector<std::string> dirs;
  if (search.user_manager) {
    const char* home = getenv("HOME");
    const char* runtime = getenv("XDG_RUNTIME_DIR");
    const std::string h = home ? home : "/root";
    const std::string r = runtime ? runtime : "/run/user/0";
    dirs = {h + "/.config/systemd/user.control",
            r + "/systemd/user.control",
            r + "/systemd/transient",
            h + "/.config/systemd/user",
            "/etc/xdg/systemd/user",
            "/etc/systemd/user",
            r + "/systemd/user",
            "/run/systemd/user",
            h + "/.local/share/systemd/user",
            "/usr/local/share/systemd/user",
            "/usr/share/systemd/user",
            "/usr/local/lib/systemd/user",
            "/usr/lib/systemd/user"};
  } else {
    dirs = {"/etc/systemd/system.control",  "/run/systemd/system.control",
            "/run/systemd/transient",       "/etc/systemd/system",
            "/etc/systemd/system.attached", "/run/systemd/system",
            "/run/systemd/system.attached", "/usr/local/lib/systemd/system",
            "/lib/systemd/system",          "/usr/lib/systemd/system"};
  }
  std::vector<fs::path> out;
  for (const auto& d : dirs) out.push_back(fs::path(search.root) / fs::path(d).relative_path());
  return out;
}

// A masked file: a symlink to /dev/null or an empty regular file (systemd's null_or_empty()).
bool null_or_empty(const fs::path& path) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) return false;
  if (S_ISCHR(st.st_mode)) return st.st_rdev == makedev(1, 3);
  return S_ISREG(st.st_mode) && st.st_size == 0;
}

std::optional<std::string> read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::stringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) return std::nullopt;
  return buffer.str();
}

// Follows a chain of symlinks as the unit name map does; the last name is the unit's id.
struct Resolved {
  fs::path path;
  std::vector<std::string> names;  // every name on the way, the id last
};

Resolved resolve_aliases(const fs::path& file) {
  Resolved r{file, {file.filename().string()}};
  for (int hops = 0; hops < 32 && fs::is_symlink(r.path); ++hops) {
    std::error_code ec;
    fs::path target = fs::read_symlink(r.path, ec);
    if (ec) break;
    if (target.is_relative()) target = r.path.parent_path() / target;
    r.path = target;
    const std::string name = target.filename().string();
    if (name.ends_with(".service") && name != r.names.back()) r.names.push_back(name);
  }
  return r;
}

// Other names of `id`: symlinks in the unit dirs that point at a file called `id`.
void add_alias_names(const std::vector<fs::path>& dirs, const std::string& id,
                     std::set<std::string>& names) {
  for (const auto& dir : dirs) {
    std::error_code ec;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
      const std::string name = it->path().filename().string();
      if (!name.ends_with(".service") || !it->is_symlink(ec)) continue;
      const fs::path target = fs::read_symlink(it->path(), ec);
      if (!ec && target.filename() == id) names.insert(name);
    }
  }
}

// Drop-in dir names of one unit name (unit_file_find_dirs()): the name itself, its template
// ("foo@.service" for "foo@bar.service"), and each dash prefix ("a-b-.service", "a-.service").
std::vector<std::string> dropin_dir_names(const std::string& name) {
  std::vector<std::string> out = {name};
  const auto dot = name.rfind('.');
  const std::string stem = name.substr(0, dot), suffix = name.substr(dot);
  std::string prefix = stem;
  if (auto at = stem.find('@'); at != std::string::npos) {
    prefix = stem.substr(0, at);
    out.push_back(prefix + "@" + suffix);
  }
  // Each dash but a leading one ends a prefix; the nearest (most specific) first.
  for (auto dash = prefix.rfind('-'); dash != std::string::npos && dash > 0;
       dash = prefix.rfind('-', dash - 1)) {
    out.push_back(prefix.substr(0, dash + 1) + suffix);
  }
  return out;
}

}  // namespace

Result<std::vector<UnitLine>> parse_unit_text(std::string_view text, const std::string& path) {
  std::vector<UnitLine> out;
  std::string section;
  bool in_section = false;
  std::string continuation;
  bool continuing = false;
  int line_number = 0;
  std::size_t pos = 0;
  if (text.starts_with("\xEF\xBB\xBF")) pos = 3;  // a UTF-8 byte order mark is skipped
  while (pos < text.size()) {
    auto end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view raw = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_number;
    if (!raw.empty() && raw.back() == '\r') raw.remove_suffix(1);

    const std::string_view lead = strip(raw);
    if (!lead.empty() && (lead.front() == '#' || lead.front() == ';')) continue;

    std::string joined = continuing ? continuation + std::string(raw) : std::string(raw);
    bool escaped = false;
    for (char c : joined) escaped = escaped ? false : c == '\\';
    if (escaped) {  // backslash at the end: it becomes a space and the next line follows
      joined.back() = ' ';
      continuation = std::move(joined);
      continuing = true;
      continue;
    }
    continuing = false;
    continuation.clear();

    const std::string_view l = strip(joined);
    if (l.empty()) continue;
    if (l.front() == '[') {
      if (l.back() != ']' || l.size() < 2)
        return bad_line(path, line_number, "invalid section header '" + std::string(l) + "'");
      section = std::string(l.substr(1, l.size() - 2));
      in_section = true;
      continue;
    }
    if (!in_section) continue;  // "Assignment outside of section. Ignoring."
    const auto eq = l.find('=');
    if (eq == std::string_view::npos) continue;  // "Missing '=', ignoring line."
    out.push_back({section, std::string(strip(l.substr(0, eq))),
                   std::string(strip(l.substr(eq + 1))), path, line_number});
  }
  return out;
}

Result<LoadedUnit> load_unit(const fs::path& file, const UnitSearch& search) {
  const std::string given = file.filename().string();
  if (!given.ends_with(".service") || given.size() <= 8)
    return Error{file.string() + ": not a .service unit", ErrorKind::kUnitUnusable};

  // verify_set_unit_path(): the file's own directory first, then the manager's dirs.
  std::vector<fs::path> dirs = {fs::absolute(file).parent_path()};
  if (search.system_dirs) {
    for (auto& d : manager_unit_dirs(search)) dirs.push_back(std::move(d));
  }

  const Resolved resolved = resolve_aliases(file);
  LoadedUnit unit;
  unit.id = resolved.names.back();
  // An instance linked to its template (getty@tty1.service -> getty@.service) keeps its name.
  if (const auto at = given.find('@'); at != std::string::npos && given[at + 1] != '.')
    unit.id = given;
  // A template is loaded as an instance of it, as verify_prepare_filename() does.
  if (unit.id.find("@.") != std::string::npos)
    unit.id.insert(unit.id.find("@.") + 1, "test-instance");
  unit.fragment_path = resolved.path.string();

  std::error_code ec;
  if (!fs::exists(resolved.path, ec))
    return Error{file.string() + ": cannot read: no such file", ErrorKind::kBadInput};
  if (null_or_empty(resolved.path))
    return Error{"Unit " + unit.id + " is masked.", ErrorKind::kUnitUnusable};
  const auto text = read_text(resolved.path);
  if (!text) return Error{file.string() + ": cannot read", ErrorKind::kBadInput};
  auto lines = parse_unit_text(*text, unit.fragment_path);
  if (!lines) return lines.error();
  unit.lines = std::move(*lines);

  std::set<std::string> names(resolved.names.begin(), resolved.names.end());
  add_alias_names(dirs, resolved.names.back(), names);
  if (unit.id != resolved.names.back()) names.insert(unit.id);

  // Drop-in dirs in priority order; the generic service.d/ comes last.
  std::vector<fs::path> dropin_dirs;
  for (const auto& name : names) {
    for (const auto& dir : dirs) {
      for (const auto& d : dropin_dir_names(name)) dropin_dirs.push_back(dir / (d + ".d"));
    }
  }
  for (const auto& dir : dirs) dropin_dirs.push_back(dir / "service.d");

  std::map<std::string, fs::path> by_name;  // conf_files_list_strv(): the first dir wins
  for (const auto& dir : dropin_dirs) {
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
      const std::string name = it->path().filename().string();
      if (name.ends_with(".conf")) by_name.emplace(name, it->path());
    }
    ec.clear();
  }
  for (const auto& [name, path] : by_name) {
    if (null_or_empty(path)) continue;  // a masked drop-in
    const auto dropin = read_text(path);
    if (!dropin) return Error{path.string() + ": cannot read", ErrorKind::kBadInput};
    auto more = parse_unit_text(*dropin, path.string());
    if (!more) return more.error();
    unit.dropin_paths.push_back(path.string());
    unit.lines.insert(unit.lines.end(), more->begin(), more->end());
  }

  if (auto refused = refused_by_systemd(unit); refused)
    return Error{*refused, ErrorKind::kUnitUnusable};
  return unit;
}

}  // namespace hb
