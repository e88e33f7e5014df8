// Trace-line parsing, attribution of events to a copy's processes, and the priors and names
// derived from what was observed. Lines are real trace_pipe output of kernel 6.x.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "../../src/tracing/trace_line.hpp"
#include "../../src/tracing/usage_priors.hpp"
#include "../../src/tracing/usage_recorder.hpp"

namespace hb {
namespace {

using tracing::EventKind;
using tracing::parse_trace_line;
using tracing::UsageRecorder;

const char* kCap =
    "         python3-20752   [000] .....  1444.310642: cap_capable: cred 00000000daf6454b, "
    "target_ns 00000000b530f62f, capable_ns 00000000b530f62f, cap 10, ret 0";

TEST_SUITE("tracing") {
  TEST_CASE("a cap_capable line gives the task, the capability and the answer") {
    auto e = parse_trace_line(kCap);
    REQUIRE(e);
    CHECK(e->kind == EventKind::kCapability);
    CHECK(e->pid == 20752);
    CHECK(e->cap == 10);
    CHECK(e->ret == 0);
    auto denied = parse_trace_line(
        "  nginx-7 [001] d..1. 5.000001: cap_capable: cred 0000000080c7e52a, target_ns "
        "00000000b530f62f, capable_ns 00000000b530f62f, cap 21, ret -1");
    REQUIRE(denied);
    CHECK(denied->cap == 21);
    CHECK(denied->ret == -1);
  }

  TEST_CASE("a syscall entry gives its name and arguments, hex or decimal") {
    auto e = parse_trace_line(
        "            bash-20736   [000] .....  1444.219192: sys_clone(clone_flags: 0x1200011, "
        "newsp: 0, parent_tidptr: 0, child_tidptr: 0x7f29042cba10, tls: 0)");
    REQUIRE(e);
    CHECK(e->kind == EventKind::kSyscall);
    CHECK(e->pid == 20736);
    CHECK(e->syscall == "clone");
    CHECK(tracing::syscall_arg(e->args, "clone_flags") == 0x1200011);
    CHECK(tracing::syscall_arg(e->args, "newsp") == 0);
    CHECK(tracing::syscall_arg(e->args, "tls") == 0);
    CHECK_FALSE(tracing::syscall_arg(e->args, "flags"));  // not a suffix match of clone_flags
    auto s = parse_trace_line(
        " python3-9 [001] ..... 2.5: sys_socket(family: 0xa, type: 0x80801, protocol: 0)");
    REQUIRE(s);
    CHECK(s->syscall == "socket");
    CHECK(tracing::syscall_arg(s->args, "family") == 10);
  }

  TEST_CASE("a comm with dashes, spaces, brackets or a tgid column still gives the right pid") {
    auto a = parse_trace_line(
        " (sd-exec-strv)-4321 [001] ..... 9.1: sched_process_exec: filename=/usr/bin/python3 "
        "pid=4321 old_pid=4321");
    REQUIRE(a);
    CHECK(a->kind == EventKind::kExec);
    CHECK(a->pid == 4321);
    auto b = parse_trace_line(" my [odd] task-55 [000] ..... 1.0: sys_getpid()");
    REQUIRE(b);
    CHECK(b->pid == 55);
    CHECK(b->syscall == "getpid");
    CHECK(b->args.empty());
    auto c = parse_trace_line(" worker-77 (   70) [000] ..... 1.0: sys_close(fd: 0x3)");
    REQUIRE(c);
    CHECK(c->pid == 77);
  }

  TEST_CASE("fork and cgroup attach lines give the child and the cgroup path") {
    auto f = parse_trace_line(
        "            bash-20736   [000] .....  1444.219956: sched_process_fork: comm=bash "
        "pid=20736 child_comm=bash child_pid=20752");
    REQUIRE(f);
    CHECK(f->kind == EventKind::kFork);
    CHECK(f->pid == 20736);
    CHECK(f->child_pid == 20752);
    auto g = parse_trace_line(
        "         systemd-812 [001] ..... 77.0: cgroup_attach_task: dst_root=0 dst_id=9123 "
        "dst_level=4 dst_path=/harden-bisect-sb-hb1/payload/system.slice/"
        "harden-bisect-web-1.service pid=990 comm=systemd");
    REQUIRE(g);
    CHECK(g->kind == EventKind::kCgroupAttach);
    CHECK(g->pid == 812);
    CHECK(g->target_pid == 990);
    CHECK(g->cgroup_path ==
          "/harden-bisect-sb-hb1/payload/system.slice/harden-bisect-web-1.service");
  }

  TEST_CASE("headers, other events, sys_exit lines and garbage are skipped") {
    CHECK_FALSE(parse_trace_line("# tracer: nop"));
    CHECK_FALSE(parse_trace_line("#           TASK-PID     CPU#  |||||  TIMESTAMP  FUNCTION"));
    CHECK_FALSE(parse_trace_line(""));
    CHECK_FALSE(parse_trace_line("garbage without fields"));
    CHECK_FALSE(parse_trace_line(" bash-1 [000] ..... 1.0: sys_clone -> 0x5110"));
    CHECK_FALSE(parse_trace_line(" bash-1 [000] ..... 1.0: sched_switch: prev_comm=bash"));
    CHECK_FALSE(parse_trace_line(" bash-x [000] ..... 1.0: sys_close(fd: 0x3)"));
    CHECK_FALSE(parse_trace_line(" bash-1 [000] ..... 1.0: cap_capable: cred 0, cap x, ret 0"));
  }

  TEST_CASE("only the copy's processes after exec count, with their children and threads") {
    UsageRecorder recorder("harden-bisect-web-");
    const std::vector<std::string> lines = {
        // The manager forks 100 and moves it into the copy's cgroup; 100 sets up, then execs.
        " systemd-1 [0] ..... 1.0: sched_process_fork: comm=systemd pid=1 child_comm=systemd "
        "child_pid=100",
        " systemd-1 [0] ..... 1.0: cgroup_attach_task: dst_root=0 dst_id=5 dst_level=2 "
        "dst_path=/system.slice/harden-bisect-web-3.service pid=100 comm=systemd",
        " (web)-100 [0] ..... 1.1: cap_capable: cred 0, target_ns 0, capable_ns 0, cap 6, ret 0",
        " (web)-100 [0] ..... 1.1: sys_setresuid(ruid: 0, euid: 0, suid: 0)",
        " (web)-100 [0] ..... 1.2: sched_process_exec: filename=/usr/bin/web pid=100 old_pid=100",
        " web-100 [0] ..... 1.3: sys_socket(family: 0x2, type: 0x1, protocol: 0)",
        " web-100 [0] ..... 1.3: cap_capable: cred 0, target_ns 0, capable_ns 0, cap 10, ret 0",
        " web-100 [0] ..... 1.3: cap_capable: cred 0, target_ns 0, capable_ns 0, cap 21, ret -1",
        " web-100 [0] ..... 1.4: sched_process_fork: comm=web pid=100 child_comm=web "
        "child_pid=101",
        " web-101 [1] ..... 1.5: sys_unshare(unshare_flags: 0x10020000)",
        // Another service the manager starts meanwhile, and the manager itself: not the copy.
        " systemd-1 [0] ..... 1.6: cgroup_attach_task: dst_root=0 dst_id=6 dst_level=2 "
        "dst_path=/system.slice/other.service pid=200 comm=systemd",
        " other-200 [0] ..... 1.7: sched_process_exec: filename=/usr/bin/other pid=200 "
        "old_pid=200",
        " other-200 [0] ..... 1.7: cap_capable: cred 0, target_ns 0, capable_ns 0, cap 12, ret 0",
        " systemd-1 [0] ..... 1.8: sys_socket(family: 0x10, type: 0x3, protocol: 0)",
    };
    for (const auto& line : lines) recorder.feed_line(line);
    const ObservedUsage& u = recorder.usage();
    CHECK(u.processes == 1);
    REQUIRE(u.capabilities.size() == 2);  // not CAP_SETUID (6): systemd's setup before exec
    CHECK(u.capabilities.at(10).granted == 1);
    CHECK(u.capabilities.at(21).denied == 1);
    CHECK_FALSE(u.capabilities.contains(12));
    CHECK(u.syscalls == std::set<std::string>{"socket", "unshare"});
    CHECK(u.address_families == std::set<int>{2});
    CHECK(u.namespaces == std::set<std::string>{"mnt", "user"});
    CHECK(u.events == 4);
  }

  TEST_CASE("capability priors: checked ones are used, the others unused; allow lists too") {
    ObservedUsage u;
    u.capabilities[10] = {1, 0};  // CAP_NET_BIND_SERVICE
    CHECK(tracing::usage_prior({{"CapabilityBoundingSet", "~CAP_NET_BIND_SERVICE"}}, u) ==
          Usage::kUsed);
    CHECK(tracing::usage_prior({{"CapabilityBoundingSet", "~CAP_NET_RAW CAP_SYS_ADMIN"}}, u) ==
          Usage::kUnused);
    CHECK(tracing::usage_prior({{"CapabilityBoundingSet", "CAP_NET_BIND_SERVICE"}}, u) ==
          Usage::kUnused);
    CHECK(tracing::usage_prior({{"CapabilityBoundingSet", ""}}, u) == Usage::kUsed);
    // Identity: a granted capability is lost without root.
    CHECK(tracing::usage_prior({{"DynamicUser", "yes"}}, u) == Usage::kUsed);
    CHECK(tracing::usage_prior({{"PrivateUsers", "yes"}}, u) == Usage::kUsed);
    CHECK(tracing::usage_prior({{"DynamicUser", "yes"}}, ObservedUsage{}) == Usage::kUnknown);
    // Options the trace cannot see.
    CHECK(tracing::usage_prior({{"ProtectSystem", "strict"}}, u) == Usage::kUnknown);
    CHECK(tracing::usage_prior({{"PrivateTmp", "yes"}, {"CapabilityBoundingSet", "~CAP_CHOWN"}},
                               u) == Usage::kUnknown);
  }

  TEST_CASE("syscall, family, namespace and network priors follow what was entered or created") {
    ObservedUsage u;
    u.syscalls = {"read", "socket", "setrlimit", "mount"};
    u.address_families = {2, 1};
    u.namespaces = {"mnt"};
    CHECK(tracing::usage_prior({{"SystemCallFilter", "~@resources"}}, u) == Usage::kUsed);
    CHECK(tracing::usage_prior({{"SystemCallFilter", "~@reboot"}}, u) == Usage::kUnused);
    CHECK(tracing::usage_prior({{"SystemCallFilter", "~@privileged"}}, u) == Usage::kUnused);
    u.syscalls.insert("setuid");
    CHECK(tracing::usage_prior({{"SystemCallFilter", "~@privileged"}}, u) == Usage::kUsed);
    CHECK(tracing::usage_prior({{"SystemCallFilter", "~@nonsense"}}, u) == Usage::kUnknown);
    u.syscalls.erase("setuid");
    CHECK(tracing::usage_prior({{"SystemCallFilter", "@system-service"}}, u) == Usage::kUsed);
    u.syscalls.erase("mount");
    CHECK(tracing::usage_prior({{"SystemCallFilter", "@system-service"}}, u) == Usage::kUnknown);
    CHECK(tracing::usage_prior({{"RestrictAddressFamilies", "~AF_INET AF_INET6"}}, u) ==
          Usage::kUsed);
    CHECK(tracing::usage_prior({{"RestrictAddressFamilies", "~AF_PACKET"}}, u) == Usage::kUnused);
    CHECK(tracing::usage_prior({{"RestrictAddressFamilies", "AF_UNIX AF_INET AF_INET6"}}, u) ==
          Usage::kUnused);
    CHECK(tracing::usage_prior({{"RestrictAddressFamilies", "AF_UNIX"}}, u) == Usage::kUsed);
    CHECK(tracing::usage_prior({{"RestrictNamespaces", "~mnt"}}, u) == Usage::kUsed);
    CHECK(tracing::usage_prior({{"RestrictNamespaces", "~user"}}, u) == Usage::kUnused);
    CHECK(tracing::usage_prior({{"PrivateNetwork", "yes"}}, u) == Usage::kUsed);
    CHECK(tracing::usage_prior({{"IPAddressDeny", "any"}}, ObservedUsage{}) == Usage::kUnused);
    CHECK(tracing::observed_syscall_groups(u) == std::set<std::string>{"@resources"});
    CHECK(tracing::family_name(10) == "AF_INET6");
    CHECK(tracing::family_name(99) == "AF_99");
  }
}

}  // namespace
}  // namespace hb
