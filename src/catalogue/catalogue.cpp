// Finding, loading and extending catalogues; default rows for capabilities the file lacks.
#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "catalogue_internal.hpp"
#include "harden_bisect/assignment.hpp"
#include "harden_bisect/capabilities.hpp"

namespace hb {
namespace {

constexpr const char* kFileName = "catalogue.yaml";

Result<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return Error{"cannot read catalogue " + path + ": " + std::strerror(errno),
                 ErrorKind::kBadInput};
  }
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Rows of `file` replace rows of `base` with the same id in place; new ids are appended.
Catalogue extend(Catalogue base, std::vector<CatalogueOption> rows) {
  for (auto& row : rows) {
    auto it = std::find_if(base.options.begin(), base.options.end(),
                           [&](const CatalogueOption& o) { return o.id == row.id; });
    if (it != base.options.end()) {
      *it = std::move(row);
    } else {
      base.options.push_back(std::move(row));
    }
  }
  return base;
}

// True if some rung drops `cap` from the bounding set.
bool has_capability_row(const Catalogue& catalogue, const std::string& cap) {
  for (const auto& option : catalogue.options) {
    for (const auto& rung : option.rungs) {
      for (const auto& a : rung.assignments) {
        if (a.key != "CapabilityBoundingSet" || a.value.empty() || a.value[0] != '~') continue;
        std::istringstream words(a.value.substr(1));
        std::string word;
        while (words >> word) {
          if (word == cap) return true;
        }
      }
    }
  }
  return false;
}

// A row for every capability libcap knows by name on this system that the catalogue lacks.
void add_missing_capability_rows(Catalogue& catalogue) {
  for (const auto& name : kernel_capabilities()) {
    if (name.rfind("CAP_", 0) != 0) continue;  // a bare number: systemd has no name for it
    if (has_capability_row(catalogue, name)) continue;
    const Assignment drop{"CapabilityBoundingSet", "~" + name};
    CatalogueOption row;
    row.id = drop.key + "=" + drop.value;
    row.group = "capabilities";
    row.rungs = {Rung{row.id, {drop}}};
    row.risk = 0.05;
    row.user_manager = UserManagerSupport::kNeedsPrivateUsers;
    row.why = "Drops " + name + " from the bounding set (a capability the catalogue file lacks)";
    catalogue.options.push_back(std::move(row));
  }
}

Result<Catalogue> resolve(Result<CatalogueFile> file, const Catalogue* base) {
  if (!file) return file.error();
  if (!file->extends_builtin) return Catalogue{std::move(file->options)};
  if (base) return extend(*base, std::move(file->options));
  auto builtin = load_builtin_catalogue();
  if (!builtin) return with_context(builtin.error(), "while loading the builtin catalogue");
  return extend(std::move(*builtin), std::move(file->options));
}

}  // namespace

const CatalogueOption* Catalogue::find(std::string_view id) const {
  auto it = std::find_if(options.begin(), options.end(),
                         [&](const CatalogueOption& o) { return o.id == id; });
  return it == options.end() ? nullptr : &*it;
}

Result<Catalogue> parse_catalogue(const std::string& yaml_text, const std::string& origin,
                                  const Catalogue* base) {
  return resolve(parse_catalogue_file(yaml_text, origin), base);
}

Result<Catalogue> load_catalogue(const std::string& path, const Catalogue* base) {
  auto text = read_file(path);
  if (!text) return text.error();
  return parse_catalogue(*text, path, base);
}

std::string builtin_catalogue_path() {
  if (const char* dir = std::getenv("HARDEN_BISECT_DATADIR"); dir && *dir) {
    return std::string(dir) + "/" + kFileName;
  }
  const std::string installed = std::string(HB_DATADIR) + "/" + kFileName;
  std::error_code ec;
  if (std::filesystem::exists(installed, ec)) return installed;
  return std::string(HB_SOURCE_DATADIR) + "/" + kFileName;
}

Result<Catalogue> load_builtin_catalogue() {
  const auto path = builtin_catalogue_path();
  auto text = read_file(path);
  if (!text) return text.error();
  auto file = parse_catalogue_file(*text, path);
  if (!file) return file.error();
  if (file->extends_builtin) {
    return Error{path + ": the builtin catalogue cannot extend itself", ErrorKind::kBadInput};
  }
  Catalogue catalogue{std::move(file->options)};
  add_missing_capability_rows(catalogue);
  return catalogue;
}

}  // namespace hb
