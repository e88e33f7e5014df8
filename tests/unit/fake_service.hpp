// FakeService: a simulated service for search tests. Knows which candidates break it, which
// pairs conflict, which properties systemd rejects, and can fail flakily; records every call.
#pragma once

#include <algorithm>
#include <cstddef>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "harden_bisect/oracle.hpp"
#include "harden_bisect/verdict.hpp"

namespace hb::testing {

class FakeService final : public Oracle {
 public:
  // Rung `rung` of `option` breaks the service.
  FakeService& breaks(std::size_t option, std::size_t rung = 0) {
    breaking_.insert({option, rung});
    return *this;
  }

  // Rungs 0 .. `first_good - 1` of `option` break; weaker ones work.
  FakeService& breaks_above(std::size_t option, std::size_t first_good) {
    for (std::size_t rung = 0; rung < first_good; ++rung) breaks(option, rung);
    return *this;
  }

  // Rung `rung` of `option` makes the copy fail the way a systemd step does: start-failed with
  // Result=exit-code and `status` (218 = CAPABILITIES), a failure that repeats every time.
  FakeService& breaks_at_start(std::size_t option, std::size_t rung = 0, int status = 218) {
    breaking_.insert({option, rung});
    at_start_[{option, rung}] = status;
    return *this;
  }

  // systemd rejects this rung of `option` (unknown or invalid property).
  FakeService& unsupported(std::size_t option, std::size_t rung = 0) {
    unsupported_.insert({option, rung});
    return *this;
  }

  // A set breaks if it holds any rung of both options. The first `misses` trials holding both
  // pass anyway: an intermittent conflict that a single trial can miss.
  FakeService& conflict(std::size_t a, std::size_t b, int misses = 0) {
    conflicts_.push_back({a, b, misses});
    return *this;
  }

  // Every trial fails, even with nothing added (the unhardened service is already broken).
  FakeService& broken() {
    broken_ = true;
    return *this;
  }

  // Every `period`-th call fails (kFail, "flaky") whatever the set; 0 = never.
  FakeService& flaky_every(std::size_t period) {
    flaky_period_ = period;
    return *this;
  }

  Verdict evaluate(const CandidateSet& set) override {
    calls_.push_back(set);
    if (broken_) return failure("broken without hardening");
    for (Candidate c : set) {
      if (unsupported_.contains(c)) return verdict(VerdictKind::kUnsupported, "unsupported", c);
    }
    for (Candidate c : set) {
      if (auto it = at_start_.find(c); it != at_start_.end()) {
        Verdict v = verdict(VerdictKind::kStartFailed, "fails at start", c);
        v.evidence.unit_result = "exit-code";
        v.evidence.exec_main_code = 1;  // CLD_EXITED
        v.evidence.exec_main_status = it->second;
        return v;
      }
      if (breaking_.contains(c)) return verdict(VerdictKind::kFail, "breaks", c);
    }
    for (Conflict& k : conflicts_) {
      if (holds(set, k.a) && holds(set, k.b) && k.seen++ >= k.misses) {
        return failure("conflict " + std::to_string(k.a) + "+" + std::to_string(k.b));
      }
    }
    if (flaky_period_ != 0 && calls_.size() % flaky_period_ == 0) {
      return failure("flaky");
    }
    return {};
  }

  std::size_t calls() const { return calls_.size(); }
  const std::vector<CandidateSet>& log() const { return calls_; }

  // Trials one-at-a-time elimination would make over `rung_counts` (each option's rungs tried
  // strongest first until one works), plus its baseline. Ignores conflicts and flakiness.
  std::size_t one_at_a_time_trials(const std::vector<std::size_t>& rung_counts) const {
    std::size_t trials = 1;
    for (std::size_t option = 0; option < rung_counts.size(); ++option) {
      std::size_t rung = 0;
      while (rung < rung_counts[option] && bad({option, rung})) ++rung;
      trials += std::min(rung + 1, rung_counts[option]);
    }
    return trials;
  }

  // Whether `c` breaks the service on its own (breaking or unsupported).
  bool bad(Candidate c) const { return breaking_.contains(c) || unsupported_.contains(c); }

 private:
  struct Conflict {
    std::size_t a;
    std::size_t b;
    int misses;
    int seen = 0;
  };

  static bool holds(const CandidateSet& set, std::size_t option) {
    return std::any_of(set.begin(), set.end(), [&](Candidate c) { return c.option == option; });
  }

  static Verdict failure(std::string summary, VerdictKind kind = VerdictKind::kFail) {
    Verdict v;
    v.kind = kind;
    v.evidence.summary = std::move(summary);
    return v;
  }

  static Verdict verdict(VerdictKind kind, const std::string& what, Candidate c) {
    return failure(what + " " + std::to_string(c.option) + "/" + std::to_string(c.rung), kind);
  }

  std::set<Candidate> breaking_;
  std::set<Candidate> unsupported_;
  std::map<Candidate, int> at_start_;  // breakers that fail as a systemd step, with the status
  std::vector<Conflict> conflicts_;
  std::size_t flaky_period_ = 0;
  bool broken_ = false;
  std::vector<CandidateSet> calls_;
};

}  // namespace hb::testing
