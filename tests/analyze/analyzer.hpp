// Drives the real `systemd-analyze` binary for the cross-check (no shell, offline mode only).
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace hb::testing {

struct AnalyzeRow {
  uint64_t weight = 0;
  uint64_t range = 1;
  std::optional<uint64_t> badness;  // nullopt = N/A (analyze prints UINT64_MAX)
};

struct AnalyzeReport {
  std::map<std::string, AnalyzeRow> rows;  // by json_field
  int tenths = -1;                         // from "Overall exposure level for X: 9.6 UNSAFE"
  std::string level;
};

class Analyzer {
 public:
  // `binary`: path of systemd-analyze; `scratch`: a private dir, also used as $XDG_RUNTIME_DIR.
  Analyzer(std::string binary, std::filesystem::path scratch);

  // Syscalls of `group` ("@clock") with nested groups expanded, as `syscall-filter` prints them.
  std::set<std::string> syscall_group(const std::string& group);

  // `systemd-analyze [--user] security --offline=true` on a unit file: rows and overall score.
  // Throws std::runtime_error (with the tool's stderr) if the tool fails.
  AnalyzeReport security(const std::filesystem::path& unit, bool user_manager);

 private:
  // Runs the binary with `args`, `env` added; returns stdout or throws.
  std::string run(const std::vector<std::string>& args, const std::vector<std::string>& env);

  std::string binary_;
  std::filesystem::path scratch_;
};

}  // namespace hb::testing
