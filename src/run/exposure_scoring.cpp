// The scoring decision and the rescoring with the target's own systemd-analyze.
#include "harden_bisect/exposure_scoring.hpp"

#include <unistd.h>

#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace hb {
namespace {

namespace fs = std::filesystem;

constexpr std::chrono::seconds kAnalyzeTimeout{60};

Result<std::string> run_analyze(ProbeRunner& runner, std::vector<std::string> argv) {
  ProbeSpec spec;
  spec.argv = std::move(argv);
  spec.timeout = kAnalyzeTimeout;
  spec.output_limit = 256 * 1024;
  const auto result = runner.run(spec);
  if (result.status == ProbeStatus::kSpawnFailed) {
    return Error{spec.argv[0] + ": " + result.spawn_error, ErrorKind::kInternal};
  }
  if (result.status != ProbeStatus::kExited) {
    return Error{spec.argv[0] + " did not finish", ErrorKind::kInternal};
  }
  return result.output;
}

Status copy_into(const fs::path& from, const fs::path& to) {
  std::error_code ec;
  fs::create_directories(to.parent_path(), ec);
  if (!ec) fs::copy_file(from, to, fs::copy_options::overwrite_existing, ec);
  if (ec) return Error{"cannot copy " + from.string() + ": " + ec.message(), ErrorKind::kInternal};
  return {};
}

}  // namespace

std::string ExposureScoring::note() const {
  if (source != ScoringSource::kBuiltin252Only) return "";
  const std::string which =
      manager_version.empty() ? "of unknown version" : "is " + manager_version;
  return "the manager " + which +
         " and no systemd-analyze of its version is at hand: " + "exposure scores follow systemd " +
         std::to_string(kExposureModelVersion) + "'s table";
}

std::string ExposureScoring::scored_by() const {
  if (source == ScoringSource::kTargetAnalyze) {
    return "systemd-analyze " + std::to_string(manager_major.value_or(0));
  }
  return "built-in systemd " + std::to_string(kExposureModelVersion) + " model";
}

std::optional<int> systemd_major(std::string_view version) {
  if (version.rfind("systemd ", 0) == 0) version.remove_prefix(8);
  std::size_t digits = 0;
  while (digits < version.size() && std::isdigit(static_cast<unsigned char>(version[digits])))
    ++digits;
  if (digits == 0 || digits > 6) return std::nullopt;
  return std::atoi(std::string(version.substr(0, digits)).c_str());
}

std::vector<std::string> systemd_analyze_candidates(const std::string& root) {
  std::vector<std::string> out;
  std::error_code ec;
  if (!root.empty() && fs::exists(root + "/usr/bin/systemd-analyze", ec)) {
    out.push_back(root + "/usr/bin/systemd-analyze");
  }
  const char* path = std::getenv("PATH");
  std::string dirs = path ? path : "/usr/bin:/bin";
  for (std::size_t start = 0; start <= dirs.size();) {
    auto end = dirs.find(':', start);
    if (end == std::string::npos) end = dirs.size();
    const std::string dir = dirs.substr(start, end - start);
    start = end + 1;
    if (dir.empty() || dir[0] != '/') continue;
    const std::string candidate = dir + "/systemd-analyze";
    if (access(candidate.c_str(), X_OK) == 0) {
      out.push_back(candidate);
      break;
    }
  }
  return out;
}

ExposureScoring decide_exposure_scoring(SystemdClient& systemd, ProbeRunner& runner,
                                        const std::vector<std::string>& analyze,
                                        const std::string& root) {
  ExposureScoring out;
  if (auto version = systemd.manager_version()) {
    out.manager_version = *version;
    out.manager_major = systemd_major(*version);
  }
  if (out.manager_major == kExposureModelVersion) return out;  // kBuiltinModel
  out.source = ScoringSource::kBuiltin252Only;
  if (!out.manager_major) return out;
  for (const auto& candidate : analyze) {
    auto said = run_analyze(runner, {candidate, "--version"});
    if (!said || systemd_major(said->substr(0, said->find('\n'))) != out.manager_major) continue;
    out.source = ScoringSource::kTargetAnalyze;
    out.analyze = candidate;
    out.root = root;
    break;
  }
  return out;
}

std::optional<int> parse_analyze_exposure(const std::string& output) {
  const std::string marker = "Overall exposure level for ";
  const auto at = output.rfind(marker);
  if (at == std::string::npos) return std::nullopt;
  const auto colon = output.find(": ", at);
  if (colon == std::string::npos) return std::nullopt;
  std::size_t i = colon + 2;
  int whole = 0, digits = 0;
  while (i < output.size() && std::isdigit(static_cast<unsigned char>(output[i]))) {
    whole = whole * 10 + (output[i++] - '0');
    ++digits;
  }
  if (digits == 0 || i + 1 >= output.size() || output[i] != '.' ||
      !std::isdigit(static_cast<unsigned char>(output[i + 1]))) {
    return std::nullopt;
  }
  const int tenths = whole * 10 + (output[i + 1] - '0');
  if (tenths > 100) return std::nullopt;
  return tenths;
}

Status rescore_with_analyze(const ExposureScoring& scoring, const UnitInfo& unit,
                            const std::string& dropin, ProbeRunner& runner, RunReport& report) {
  if (scoring.source != ScoringSource::kTargetAnalyze) return {};
  if (unit.fragment_path.empty()) {
    return Error{unit.id + " has no unit file for systemd-analyze", ErrorKind::kInternal};
  }
  std::error_code ec;
  const fs::path dir =
      fs::temp_directory_path(ec) / ("harden-bisect-analyze-" + std::to_string(::getpid()));
  fs::remove_all(dir, ec);
  const fs::path file = dir / unit.id;
  auto cleanup = [&] { fs::remove_all(dir, ec); };
  // The fragment as read from the target's root; its drop-ins come from the unit dirs
  // systemd-analyze reads itself (under --root).
  const std::string prefix = scoring.root.empty() ? "" : scoring.root;
  if (auto s = copy_into(prefix + unit.fragment_path, file); !s) {
    cleanup();
    return s;
  }
  auto score = [&]() -> Result<int> {
    std::vector<std::string> argv = {scoring.analyze, "security", "--offline=true"};
    if (!scoring.root.empty()) argv.push_back("--root=" + scoring.root);
    argv.push_back(file.string());
    auto output = run_analyze(runner, argv);
    if (!output) return output.error();
    if (auto tenths = parse_analyze_exposure(*output)) return *tenths;
    return Error{scoring.analyze + " security gave no exposure for " + unit.id,
                 ErrorKind::kInternal};
  };
  auto before = score();
  if (!before) {
    cleanup();
    return before.error();
  }
  fs::create_directories(dir / (unit.id + ".d"), ec);
  std::ofstream(dir / (unit.id + ".d") / "50-harden-bisect.conf") << dropin;
  auto after = score();
  cleanup();
  if (!after) return after.error();
  report.before.tenths = *before;
  report.after.tenths = *after;
  return {};
}

}  // namespace hb
