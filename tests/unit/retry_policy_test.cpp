// No wasted trials: which failures are re-run (is_ambiguous) and what the search saves by
// believing the ones that repeat, against simulated services.
#include <doctest/doctest.h>

#include <csignal>

#include "fake_service.hpp"
#include "harden_bisect/search.hpp"
#include "harden_bisect/verdict.hpp"

namespace hb {
namespace {

using testing::FakeService;

Verdict start_failed(std::string result, int code, int status) {
  Verdict v;
  v.kind = VerdictKind::kStartFailed;
  v.evidence.unit_result = std::move(result);
  v.evidence.exec_main_code = code;
  v.evidence.exec_main_status = status;
  return v;
}

Verdict of_kind(VerdictKind kind) {
  Verdict v;
  v.kind = kind;
  return v;
}

std::vector<SearchItem> make_items(std::size_t n) {
  std::vector<SearchItem> items(n);
  for (std::size_t i = 0; i < n; ++i) items[i].id = "opt" + std::to_string(i);
  return items;
}

}  // namespace

TEST_SUITE("retry-policy") {
  TEST_CASE("the probe's word while the copy was up is ambiguous; a pass is not a failure") {
    CHECK(is_ambiguous(of_kind(VerdictKind::kFail)));
    CHECK(is_ambiguous(of_kind(VerdictKind::kHang)));
    CHECK_FALSE(is_ambiguous(of_kind(VerdictKind::kPass)));
    CHECK_FALSE(is_ambiguous(of_kind(VerdictKind::kUnsupported)));
  }

  TEST_CASE("systemd step failures, exit codes and self-inflicted signals repeat") {
    CHECK_FALSE(is_ambiguous(start_failed("exit-code", 1, 218)));  // CAPABILITIES
    CHECK_FALSE(is_ambiguous(start_failed("exit-code", 1, 226)));  // NAMESPACE
    CHECK_FALSE(is_ambiguous(start_failed("exit-code", 1, 1)));    // the daemon gave up
    CHECK_FALSE(is_ambiguous(start_failed("signal", 2, SIGSYS)));  // seccomp
    CHECK_FALSE(is_ambiguous(start_failed("core-dump", 3, SIGSEGV)));
    CHECK_FALSE(is_ambiguous(start_failed("resources", 0, 0)));  // namespace setup failed
  }

  TEST_CASE("timeouts, outside kills and a copy still coming up may change on a re-run") {
    CHECK(is_ambiguous(start_failed("timeout", 0, 0)));       // start job timed out
    CHECK(is_ambiguous(start_failed("success", 0, 0)));       // still activating
    CHECK(is_ambiguous(start_failed("signal", 2, SIGKILL)));  // OOM killer, stop timeout
    CHECK(is_ambiguous(start_failed("signal", 2, SIGTERM)));
    CHECK(is_ambiguous(start_failed("oom-kill", 2, SIGKILL)));
    CHECK(is_ambiguous(start_failed("watchdog", 2, SIGABRT)));
    CHECK(is_ambiguous(start_failed("exit-code", 1, 0)));  // exited 0: odd, re-run
  }

  TEST_CASE("breakers that fail at start are believed at once; probe failures are re-run") {
    SearchOptions options;
    options.retries = 2;
    FakeService service;
    service.breaks_at_start(3).breaks_at_start(9, 0, 226).breaks(14);
    SearchResult result = run_search(make_items(24), service, options);
    REQUIRE(result.rejected.size() == 3);
    CHECK(result.rejected[0].candidate.option == 3);
    CHECK(result.rejected[1].candidate.option == 9);
    CHECK(result.rejected[2].candidate.option == 14);
    CHECK(result.counts.retries == 2);  // only option 14's probe failure, twice

    // --retries-all: the old behaviour, every failure twice more; same result.
    options.retry_all = true;
    FakeService again;
    again.breaks_at_start(3).breaks_at_start(9, 0, 226).breaks(14);
    SearchResult all = run_search(make_items(24), again, options);
    CHECK(all.kept == result.kept);
    CHECK(all.counts.retries == 6);
    CHECK(all.trials == result.trials + 4);
    CHECK(again.calls() == service.calls() + 4);
  }

  TEST_CASE("a flaky probe failure is still re-run and overturned") {
    SearchOptions options;  // retries = 1
    FakeService service;
    service.breaks_at_start(5).flaky_every(4);
    SearchResult result = run_search(make_items(16), service, options);
    REQUIRE(result.rejected.size() == 1);
    CHECK(result.rejected[0].candidate.option == 5);
    CHECK(result.confirmed);
  }
}

}  // namespace hb
