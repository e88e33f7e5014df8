#include "harden_bisect/run_journal.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>

#include "harden_bisect/apply.hpp"
#include "harden_bisect/trial_oracle.hpp"

namespace hb {
namespace {

using Json = nlohmann::json;
constexpr int kJournalVersion = 1;

const VerdictKind kKinds[] = {VerdictKind::kPass,        VerdictKind::kFail,
                              VerdictKind::kHang,        VerdictKind::kStartFailed,
                              VerdictKind::kUnsupported, VerdictKind::kInfeasible};

Json verdict_to_json(const Verdict& v) {
  const auto& e = v.evidence;
  return {{"kind", to_string(v.kind)},
          {"duration_ms", v.duration.count()},
          {"summary", e.summary},
          {"probe_exit_status", e.probe_exit_status},
          {"probe_output_tail", e.probe_output_tail},
          {"unit_result", e.unit_result},
          {"exec_main_code", e.exec_main_code},
          {"exec_main_status", e.exec_main_status},
          {"journal", e.journal}};
}

Verdict verdict_from_json(const Json& j) {
  Verdict v;
  auto kind = j.at("kind").get<std::string>();
  auto it = std::find_if(std::begin(kKinds), std::end(kKinds),
                         [&](VerdictKind k) { return kind == to_string(k); });
  if (it == std::end(kKinds)) throw std::runtime_error("unknown verdict " + kind);
  v.kind = *it;
  v.duration = std::chrono::milliseconds(j.at("duration_ms").get<long long>());
  auto& e = v.evidence;
  e.summary = j.at("summary").get<std::string>();
  e.probe_exit_status = j.at("probe_exit_status").get<int>();
  e.probe_output_tail = j.at("probe_output_tail").get<std::string>();
  e.unit_result = j.at("unit_result").get<std::string>();
  e.exec_main_code = j.at("exec_main_code").get<int>();
  e.exec_main_status = j.at("exec_main_status").get<int>();
  e.journal = j.at("journal").get<std::vector<std::string>>();
  return v;
}

// Unit names may hold '\' escapes but never '/'; keep file names plain anyway.
std::string file_stem(const std::string& unit) {
  std::string out;
  for (char c : unit) out += (c == '/' ? '_' : c);
  return out;
}

}  // namespace

UnitLock::~UnitLock() {
  if (fd_ >= 0) close(fd_);  // closing releases the flock
}

std::string default_state_directory() {
  if (const char* dir = getenv("STATE_DIRECTORY"); dir && *dir) {
    std::string first(dir);
    return first.substr(0, first.find(':'));  // systemd lists several dirs separated by ':'
  }
  return "/var/lib/harden-bisect";
}

std::string user_state_directory() {
  std::string base;
  if (const char* state = getenv("XDG_STATE_HOME"); state && state[0] == '/') {
    base = state;
  } else {
    const char* home = getenv("HOME");
    base = std::string(home && home[0] == '/' ? home : "/tmp") + "/.local/state";
  }
  // mkdir -p of the base; StateStore creates the last level itself.
  for (std::size_t at = 1; at != std::string::npos; at = base.find('/', at + 1)) {
    (void)mkdir(base.substr(0, at).c_str(), 0700);
  }
  (void)mkdir(base.c_str(), 0700);
  return base + "/harden-bisect";
}

std::string StateStore::path_of(const std::string& unit, const char* suffix) const {
  return directory_ + "/" + file_stem(unit) + suffix;
}

Result<std::unique_ptr<UnitLock>> StateStore::lock(const std::string& unit) {
  if (mkdir(directory_.c_str(), 0700) != 0 && errno != EEXIST) {
    return Error{"cannot create state directory " + directory_ + ": " + std::strerror(errno),
                 ErrorKind::kInternal};
  }
  const auto path = path_of(unit, ".lock");
  int fd = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) {
    return Error{"cannot open lock " + path + ": " + std::strerror(errno), ErrorKind::kInternal};
  }
  if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
    char holder[32] = {};
    (void)!pread(fd, holder, sizeof holder - 1, 0);
    close(fd);
    std::string pid(holder);
    while (!pid.empty() && (pid.back() == '\n' || pid.back() == ' ')) pid.pop_back();
    return Error{"another harden-bisect run is working on " + unit +
                     (pid.empty() ? "" : " (pid " + pid + ")"),
                 ErrorKind::kLocked};
  }
  auto pid = std::to_string(getpid()) + "\n";
  (void)!ftruncate(fd, 0);
  (void)!pwrite(fd, pid.data(), pid.size(), 0);
  return std::make_unique<UnitLock>(fd);
}

Result<std::optional<RunJournal>> StateStore::load(const std::string& unit) const {
  const auto path = path_of(unit, ".journal.json");
  if (access(path.c_str(), F_OK) != 0) return std::optional<RunJournal>{};
  auto text = read_file(path);
  if (!text) return text.error();
  auto journal = journal_from_json(*text);
  if (!journal) return with_context(journal.error(), path);
  return std::optional<RunJournal>(std::move(*journal));
}

Status StateStore::save(const RunJournal& journal) const {
  const auto path = path_of(journal.unit, ".journal.json");
  if (auto s = write_file_atomically(path, journal_to_json(journal)); !s) return s;
  chmod(path.c_str(), 0600);
  return {};
}

Status StateStore::remove(const std::string& unit) const {
  const auto path = path_of(unit, ".journal.json");
  if (unlink(path.c_str()) != 0 && errno != ENOENT) {
    return Error{"cannot remove " + path + ": " + std::strerror(errno), ErrorKind::kInternal};
  }
  return {};
}

std::string journal_to_json(const RunJournal& journal) {
  Json trials = Json::array();
  for (const auto& [set, verdict] : journal.trials) {
    Json candidates = Json::array();
    for (const auto& c : set) candidates.push_back({c.option, c.rung});
    trials.push_back({{"set", candidates}, {"verdict", verdict_to_json(verdict)}});
  }
  Json doc = {{"version", kJournalVersion},
              {"unit", journal.unit},
              {"fingerprint", journal.fingerprint},
              {"original_stopped", journal.original_stopped},
              {"trials", trials}};
  return doc.dump(1, ' ', false, Json::error_handler_t::replace) + "\n";
}

Result<RunJournal> journal_from_json(const std::string& text) {
  try {
    auto doc = Json::parse(text);
    if (doc.at("version").get<int>() != kJournalVersion) {
      return Error{"journal version not supported", ErrorKind::kBadInput};
    }
    RunJournal journal;
    journal.unit = doc.at("unit").get<std::string>();
    journal.fingerprint = doc.at("fingerprint").get<std::string>();
    journal.original_stopped = doc.at("original_stopped").get<bool>();
    for (const auto& t : doc.at("trials")) {
      CandidateSet set;
      for (const auto& c : t.at("set"))
        set.push_back({c.at(0).get<std::size_t>(), c.at(1).get<std::size_t>()});
      journal.trials.emplace_back(std::move(set), verdict_from_json(t.at("verdict")));
    }
    return journal;
  } catch (const std::exception& e) {
    return Error{std::string("corrupt run journal: ") + e.what(), ErrorKind::kBadInput};
  }
}

JournalingOracle::JournalingOracle(Oracle& inner, const StateStore& store, RunJournal& journal,
                                   std::vector<std::pair<CandidateSet, Verdict>> replay)
    : inner_(inner), store_(store), journal_(journal), replay_(std::move(replay)) {}

Verdict JournalingOracle::evaluate(const CandidateSet& set) {
  // The search is deterministic, so a resumed run asks for the same sets in the same order;
  // the first difference ends the replay for good.
  if (!diverged_ && next_ < replay_.size() && replay_[next_].first == set) {
    auto verdict = replay_[next_++].second;
    journal_.trials.emplace_back(set, verdict);
    ++replayed_;
    return verdict;
  }
  diverged_ = true;
  auto verdict = inner_.evaluate(set);
  journal_.trials.emplace_back(set, verdict);
  if (auto s = store_.save(journal_); !s) throw TrialError(s.error());
  return verdict;
}

}  // namespace hb
