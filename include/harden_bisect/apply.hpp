// --apply: installs the drop-in for the real unit, atomically, and rolls back if the hardened
// unit fails its probe.
#pragma once

#include <string>

#include "harden_bisect/result.hpp"

namespace hb {

// Path of the drop-in for `unit` under the target root ("" = "/").
std::string dropin_path(const std::string& root, const std::string& unit);

// Writes `content` to `path` atomically: temp file in the same directory (0644), fsync,
// rename, fsync of the directory. Refuses symlinks in the last two path components. On any
// failure the old file is intact and no temp file is left.
Status write_file_atomically(const std::string& path, const std::string& content);

// Reads a file; nullopt-like empty Result error when missing.
Result<std::string> read_file(const std::string& path);

}  // namespace hb
