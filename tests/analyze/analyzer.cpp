#include "analyzer.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <stdexcept>

extern char** environ;

namespace hb::testing {

Analyzer::Analyzer(std::string binary, std::filesystem::path scratch)
    : binary_(std::move(binary)), scratch_(std::move(scratch)) {}

std::string Analyzer::run(const std::vector<std::string>& args,
                          const std::vector<std::string>& env) {
  std::vector<std::string> argv = {binary_};
  argv.insert(argv.end(), args.begin(), args.end());
  std::vector<std::string> envs = env;  // ahead of the inherited ones, so they win
  for (char** e = environ; *e; ++e) envs.emplace_back(*e);
  std::vector<char*> c_argv, c_env;
  for (auto& a : argv) c_argv.push_back(a.data());
  for (auto& e : envs) c_env.push_back(e.data());
  c_argv.push_back(nullptr);
  c_env.push_back(nullptr);

  int out[2];
  if (pipe2(out, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
  // stderr goes to a file: it is only read after the child is gone, so it cannot block it.
  const std::string err_path = (scratch_ / "stderr.txt").string();
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out[1], 1);
  posix_spawn_file_actions_addopen(&actions, 2, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0600);
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, binary_.c_str(), &actions, nullptr, c_argv.data(), c_env.data());
  posix_spawn_file_actions_destroy(&actions);
  close(out[1]);
  std::string text;
  char buf[4096];
  for (ssize_t n; rc == 0 && (n = read(out[0], buf, sizeof buf)) > 0;) text.append(buf, n);
  close(out[0]);
  int status = 0;
  if (rc == 0) waitpid(pid, &status, 0);
  if (rc != 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::ifstream err(err_path);
    std::stringstream message;
    message << binary_ << " " << args.back() << " failed: " << err.rdbuf();
    throw std::runtime_error(message.str());
  }
  return text;
}

std::set<std::string> Analyzer::syscall_group(const std::string& group) {
  std::set<std::string> out;
  std::istringstream lines(run({"syscall-filter", "--no-pager", group}, {}));
  for (std::string line; std::getline(lines, line);) {
    if (line.empty() || line[0] != ' ') continue;  // the group's own (unindented) header
    const std::string name = line.substr(line.find_first_not_of(' '));
    if (name.starts_with('#')) continue;
    if (name.starts_with('@')) {
      out.merge(syscall_group(name));
    } else {
      out.insert(name);
    }
  }
  return out;
}

AnalyzeReport Analyzer::security(const std::filesystem::path& unit, bool user_manager) {
  std::vector<std::string> args;
  if (user_manager) args.push_back("--user");  // offline --user needs $XDG_RUNTIME_DIR
  for (const char* a : {"security", "--offline=true", "--no-pager"}) args.push_back(a);
  std::vector<std::string> env = {"XDG_RUNTIME_DIR=" + scratch_.string(), "SYSTEMD_COLORS=0"};

  AnalyzeReport report;
  // The JSON has no overall line, but with SYSTEMD_ANALYZE_DEBUG=1 it has weight/badness/range.
  std::vector<std::string> json_args = args, json_env = env;
  json_args.insert(json_args.end(), {"--json=short", unit.string()});
  json_env.push_back("SYSTEMD_ANALYZE_DEBUG=1");
  for (const auto& row : nlohmann::json::parse(run(json_args, json_env))) {
    const auto badness = row.at("badness").get<uint64_t>();
    report.rows[row.at("json_field").get<std::string>()] = {
        row.at("weight").get<uint64_t>(), row.at("range").get<uint64_t>(),
        badness == UINT64_MAX ? std::nullopt : std::optional<uint64_t>(badness)};
  }

  args.push_back(unit.string());
  const std::string text = run(args, env);
  static const std::regex kOverall(R"(Overall exposure level for [^:]*: (\d+)\.(\d) ([A-Z]+))");
  std::smatch m;
  if (!std::regex_search(text, m, kOverall))
    throw std::runtime_error("no overall exposure line in: " + text);
  report.tenths = std::stoi(m[1]) * 10 + std::stoi(m[2]);
  report.level = m[3];
  return report;
}

}  // namespace hb::testing
