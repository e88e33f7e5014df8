// The run journal: its JSON form, the state store (files, lock), the journaling oracle that
// replays an interrupted run, and how a run treats a stale or corrupt journal.
#include "harden_bisect/run_journal.hpp"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "fake_clock.hpp"
#include "fake_probe_runner.hpp"
#include "fake_service.hpp"
#include "fake_systemd_client.hpp"
#include "harden_bisect/run_driver.hpp"
#include "harden_bisect/trial_oracle.hpp"
#include "temp_dir.hpp"

namespace {

using hb::CandidateSet;
using hb::RunJournal;
using hb::StateStore;
using hb::Verdict;
using hb::VerdictKind;
namespace fs = std::filesystem;

// A fresh directory under /tmp, removed with everything in it at the end of the test.
using hb::testing::TempDir;

Verdict verdict(VerdictKind kind, std::string summary) {
  Verdict v;
  v.kind = kind;
  v.evidence.summary = std::move(summary);
  v.duration = std::chrono::milliseconds(1'234);
  return v;
}

RunJournal sample_journal() {
  RunJournal j{"web.service", "fp-1", true, {}};
  Verdict died = verdict(VerdictKind::kStartFailed, "copy died while probing");
  died.evidence.probe_exit_status = -1;
  died.evidence.probe_output_tail = "tail \xff\n";  // not UTF-8: must not break the file
  died.evidence.unit_result = "exit-code";
  died.evidence.exec_main_code = 1;
  died.evidence.exec_main_status = 218;
  died.evidence.journal = {"web[7]: Failed to drop capabilities", "second \"quoted\" line"};
  j.trials = {{{}, verdict(VerdictKind::kPass, "probe passed")},
              {{{0, 0}, {3, 1}}, died},
              {{{1, 0}}, verdict(VerdictKind::kFail, "probe exited 7")},
              {{{2, 0}}, verdict(VerdictKind::kHang, "probe hung")},
              {{{4, 2}}, verdict(VerdictKind::kUnsupported, "systemd rejected")}};
  return j;
}

void write(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
}

TEST_SUITE("journal") {
  TEST_CASE("a journal survives its JSON form: every verdict kind, every piece of evidence") {
    auto j = sample_journal();
    auto back = hb::journal_from_json(hb::journal_to_json(j));
    REQUIRE(back.ok());
    CHECK(back->unit == "web.service");
    CHECK(back->fingerprint == "fp-1");
    CHECK(back->original_stopped);
    REQUIRE(back->trials.size() == j.trials.size());
    for (std::size_t i = 0; i < j.trials.size(); ++i) {
      CAPTURE(i);
      const auto& [set, v] = back->trials[i];
      CHECK(set == j.trials[i].first);
      CHECK(v.kind == j.trials[i].second.kind);
      CHECK(v.duration == std::chrono::milliseconds(1'234));
      CHECK(v.evidence.summary == j.trials[i].second.evidence.summary);
    }
    const auto& e = back->trials[1].second.evidence;
    CHECK(e.unit_result == "exit-code");
    CHECK(e.exec_main_code == 1);
    CHECK(e.exec_main_status == 218);
    CHECK(e.probe_exit_status == -1);
    CHECK(e.journal == j.trials[1].second.evidence.journal);
    CHECK(e.probe_output_tail.rfind("tail ", 0) == 0);  // the invalid byte is replaced
  }

  TEST_CASE("a corrupt journal is bad input naming what is wrong, never an exception") {
    const std::string good = hb::journal_to_json(sample_journal());
    auto replaced = [&](const std::string& from, const std::string& to) {
      auto text = good;
      auto at = text.find(from);
      REQUIRE(at != std::string::npos);
      return text.replace(at, from.size(), to);
    };
    for (const std::string& text :
         {std::string(""), std::string("{"), good.substr(0, good.size() / 2), std::string("[]"),
          replaced("\"fingerprint\"", "\"fingerprints\""),
          replaced("\"kind\": \"hang\"", "\"kind\": \"exploded\""),
          replaced("\"original_stopped\": true", "\"original_stopped\": \"yes\"")}) {
      CAPTURE(text);
      auto j = hb::journal_from_json(text);
      REQUIRE_FALSE(j.ok());
      CHECK(j.error().message.rfind("corrupt run journal: ", 0) == 0);
      CHECK(j.error().kind == hb::ErrorKind::kBadInput);
    }
    auto future = hb::journal_from_json(replaced("\"version\": 1", "\"version\": 2"));
    REQUIRE_FALSE(future.ok());
    CHECK(future.error().message == "journal version not supported");
  }

  TEST_CASE("the store saves (0600), loads and removes a unit's journal") {
    TempDir dir;
    StateStore store(dir.str());
    auto none = store.load("web.service");
    REQUIRE(none.ok());
    CHECK_FALSE(none->has_value());
    REQUIRE(store.save(sample_journal()).ok());
    const auto path = dir.file("web.service.journal.json");
    struct stat st {};
    REQUIRE(stat(path.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
    auto loaded = store.load("web.service");
    REQUIRE(loaded.ok());
    REQUIRE(loaded->has_value());
    CHECK((**loaded).trials.size() == 5);
    CHECK(store.load("other.service").ok());  // other units are not affected
    REQUIRE(store.remove("web.service").ok());
    CHECK_FALSE(fs::exists(path));
    CHECK(store.remove("web.service").ok());  // removing twice is fine
    CHECK_FALSE(store.load("web.service")->has_value());
  }

  TEST_CASE("a corrupt journal file is an error naming the file") {
    TempDir dir;
    write(dir.file("web.service.journal.json"), "{\"version\": 1, \"unit\": ");
    StateStore store(dir.str());
    auto loaded = store.load("web.service");
    REQUIRE_FALSE(loaded.ok());
    CHECK(loaded.error().message.rfind(dir.file("web.service.journal.json") + ": corrupt", 0) == 0);
  }

  TEST_CASE("a store that cannot write reports it") {
    StateStore store("/dev/null/state");
    CHECK_FALSE(store.save(sample_journal()).ok());
    CHECK_FALSE(store.lock("web.service").ok());
  }

  TEST_CASE("one run per unit: a second lock names the holder until the first is released") {
    TempDir dir;
    StateStore store(dir.str() + "/state");  // created on first use
    auto first = store.lock("web.service");
    REQUIRE(first.ok());
    auto second = store.lock("web.service");
    REQUIRE_FALSE(second.ok());
    CHECK(second.error().kind == hb::ErrorKind::kLocked);
    CHECK(second.error().message == "another harden-bisect run is working on web.service (pid " +
                                        std::to_string(getpid()) + ")");
    CHECK(store.lock("db.service").ok());  // other units are independent
    first->reset();
    CHECK(store.lock("web.service").ok());
  }

  TEST_CASE("a lock held without a pid is still named; a lock that is a symlink is refused") {
    TempDir dir;
    StateStore store(dir.str());
    const int holder = open(dir.file("web.service.lock").c_str(), O_RDWR | O_CREAT, 0600);
    REQUIRE(holder >= 0);
    REQUIRE(flock(holder, LOCK_EX) == 0);  // another process's lock, before it wrote its pid
    auto second = store.lock("web.service");
    REQUIRE_FALSE(second.ok());
    CHECK(second.error().message == "another harden-bisect run is working on web.service");
    close(holder);
    fs::create_symlink("/etc/hostname", dir.file("db.service.lock"));
    auto through_link = store.lock("db.service");
    REQUIRE_FALSE(through_link.ok());
    CHECK(through_link.error().message.rfind("cannot open lock " + dir.file("db.service.lock"),
                                             0) == 0);
  }

  TEST_CASE("state files keep a unit name plain; a journal that cannot be removed is an error") {
    TempDir dir;
    StateStore store(dir.str());
    REQUIRE(store.lock("a/b.service").ok());
    CHECK(fs::exists(dir.file("a_b.service.lock")));
    fs::create_directory(dir.file("web.service.journal.json"));
    auto removed = store.remove("web.service");
    REQUIRE_FALSE(removed.ok());
    CHECK(removed.error().message.rfind("cannot remove " + dir.file("web.service.journal.json"),
                                        0) == 0);
  }

  TEST_CASE("the default state directory: systemd's first STATE_DIRECTORY, else /var/lib") {
    const char* saved = getenv("STATE_DIRECTORY");
    const std::string before = saved ? saved : "";
    setenv("STATE_DIRECTORY", "/var/lib/harden-bisectd:/var/lib/other", 1);
    CHECK(hb::default_state_directory() == "/var/lib/harden-bisectd");
    setenv("STATE_DIRECTORY", "", 1);
    CHECK(hb::default_state_directory() == "/var/lib/harden-bisect");
    unsetenv("STATE_DIRECTORY");
    CHECK(hb::default_state_directory() == "/var/lib/harden-bisect");
    if (saved) setenv("STATE_DIRECTORY", before.c_str(), 1);
  }

  TEST_CASE("a resumed run answers from the journal while the sets match, then runs trials") {
    TempDir dir;
    StateStore store(dir.str());
    hb::testing::FakeService service;
    service.breaks(1);
    RunJournal journal{"web.service", "fp-1", false, {}};
    std::vector<std::pair<CandidateSet, Verdict>> recorded = {
        {{}, verdict(VerdictKind::kPass, "recorded pass")},
        {{{0, 0}, {1, 0}}, verdict(VerdictKind::kFail, "recorded fail")},
        {{{0, 0}}, verdict(VerdictKind::kPass, "recorded after divergence")}};
    hb::JournalingOracle oracle(service, store, journal, recorded);

    CHECK(oracle.evaluate({}).evidence.summary == "recorded pass");
    CHECK(oracle.evaluate({{0, 0}, {1, 0}}).evidence.summary == "recorded fail");
    CHECK(service.calls() == 0);
    CHECK(oracle.replayed() == 2);
    // The search asks something else: the replay ends for good, even for a recorded set.
    CHECK(oracle.evaluate({{1, 0}}).kind == VerdictKind::kFail);
    CHECK(oracle.evaluate({{0, 0}}).evidence.summary != "recorded after divergence");
    CHECK(service.calls() == 2);
    CHECK(oracle.replayed() == 2);

    // Every verdict, replayed or new, is in the journal in order, and on disk.
    REQUIRE(journal.trials.size() == 4);
    CHECK(journal.trials[2].first == CandidateSet{{1, 0}});
    auto saved = store.load("web.service");
    REQUIRE(saved.ok());
    REQUIRE(saved->has_value());
    CHECK((**saved).trials.size() == 4);
  }

  TEST_CASE("a journal that cannot be written ends the run with a TrialError") {
    StateStore store("/dev/null/state");
    hb::testing::FakeService service;
    RunJournal journal{"web.service", "fp-1", false, {}};
    hb::JournalingOracle oracle(service, store, journal, {});
    CHECK_THROWS_AS((void)oracle.evaluate({}), hb::TrialError);
  }

  // A whole run with an empty catalogue against the fakes: what it does with journals.
  struct RunBench {
    TempDir dir;
    hb::testing::FakeClock clock;
    hb::testing::FakeSystemdClient systemd{clock};
    hb::testing::FakeProbeRunner probes{clock};
    hb::RunConfig config;
    hb::Catalogue catalogue;

    RunBench() {
      systemd.add_unit({"web.service", "loaded", "", "inactive", "dead", "/x", {}, {}},
                       {{"Nice", "VARIANT \"i\" { INT32 0; };"}});
      config.unit = "web.service";
      config.probes = {{"/usr/bin/probe"}};
      config.state_directory = dir.str();
      config.timing.settle = std::chrono::milliseconds(0);  // the real clock: no waiting
    }
    hb::Result<hb::RunReport> run() {
      return hb::run_hardening(config, catalogue, {systemd, probes, nullptr, {}, {}});
    }
    std::string journal_path() const { return dir.file("web.service.journal.json"); }
  };

  TEST_CASE("--resume of a run with other options refuses before starting anything") {
    RunBench b;
    StateStore store(b.dir.str());
    REQUIRE(
        store.save({"web.service", "stale", false, {{{}, verdict(VerdictKind::kPass, "")}}}).ok());
    b.config.resume = true;
    auto report = b.run();
    REQUIRE_FALSE(report.ok());
    CHECK(report.error().message.rfind("cannot resume: the interrupted run of web.service", 0) ==
          0);
    CHECK(b.systemd.started_copies().empty());
    CHECK(b.probes.runs() == 0);
    auto kept = store.load("web.service");  // the interrupted run's journal is left alone
    REQUIRE(kept.ok());
    REQUIRE(kept->has_value());
    CHECK((**kept).fingerprint == "stale");
  }

  TEST_CASE("a corrupt journal is set aside: the run starts over, finishes and removes it") {
    RunBench b;
    write(b.journal_path(), "not json");
    auto report = b.run();
    REQUIRE(report.ok());
    CHECK(report->confirmed);
    CHECK_FALSE(fs::exists(b.journal_path()));
    CHECK(b.systemd.running_copies().empty());
    // Probes saw the report's trial numbers in HB_TRIAL (the fidelity and score copies are not
    // trials).
    std::set<std::string> seen;
    for (std::size_t i = 0; i < b.probes.runs(); ++i) seen.insert(*b.probes.env(i, "HB_TRIAL"));
    std::set<std::string> numbers;
    for (const auto& t : report->trials) numbers.insert(std::to_string(t.number));
    CHECK(seen == numbers);
    CHECK(report->trials.size() >= 2);
  }
}

}  // namespace
