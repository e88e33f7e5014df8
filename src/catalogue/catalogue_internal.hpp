// Internals of the catalogue loader: the YAML reader's result before `extends` is resolved.
#pragma once

#include <string>
#include <vector>

#include "harden_bisect/catalogue.hpp"

namespace hb {

struct CatalogueFile {
  bool extends_builtin = false;  // top-level `extends: builtin`
  std::vector<CatalogueOption> options;
};

// Reads and validates catalogue YAML; every assignment is checked with parse_assignment().
Result<CatalogueFile> parse_catalogue_file(const std::string& yaml_text, const std::string& origin);

}  // namespace hb
