// Names of systemd's exit statuses and of signals, as verdicts print them.
#include "../../src/trial/exit_status.hpp"

#include <doctest/doctest.h>

TEST_SUITE("trial") {
  TEST_CASE("a failed exec step is named as systemd names it") {
    CHECK(hb::describe_exit(1, 218) == "status=218/CAPABILITIES");
    CHECK(hb::describe_exit(1, 226) == "status=226/NAMESPACE");
    CHECK(hb::describe_exit(1, 245) == "status=245/BPF");
    CHECK(hb::describe_exit(1, 3) == "status=3");      // the daemon's own code: no name
    CHECK(hb::describe_exit(1, 223) == "status=223");  // a gap in systemd's table
    CHECK(hb::describe_exit(1, 0).empty());            // a clean exit says nothing
  }

  TEST_CASE("signals by name, with a core dump noted") {
    CHECK(hb::describe_exit(2, 31) == "signal=SIGSYS");
    CHECK(hb::describe_exit(3, 11) == "signal=SIGSEGV (core dumped)");
    CHECK(hb::describe_exit(2, 200) == "signal=200");  // no such signal
    CHECK(hb::describe_exit(0, 0).empty());            // never ran
  }
}
