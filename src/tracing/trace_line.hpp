// One line of a tracefs trace_pipe, parsed into the few events the usage tracer needs.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace hb::tracing {

enum class EventKind {
  kCapability,    // capability:cap_capable   cap, ret
  kSyscall,       // syscalls:sys_enter_*      name, args
  kFork,          // sched:sched_process_fork  child_pid (threads too)
  kExec,          // sched:sched_process_exec
  kCgroupAttach,  // cgroup:cgroup_attach_task target_pid, path
};

struct TraceEvent {
  EventKind kind = EventKind::kSyscall;
  int pid = 0;              // the task that hit the tracepoint (a thread id)
  int cap = -1;             // kCapability
  int ret = 0;              // kCapability: 0 = granted
  std::string syscall;      // kSyscall: "socket", "unshare", ...
  std::string args;         // kSyscall: "family: 0x2, type: 0x1, protocol: 0"
  int child_pid = 0;        // kFork
  int target_pid = 0;       // kCgroupAttach: the task moved
  std::string cgroup_path;  // kCgroupAttach: its new cgroup, from the hierarchy's root
};

// The event on `line`, or nullopt for headers, other events and malformed lines.
std::optional<TraceEvent> parse_trace_line(std::string_view line);

// Value of argument `name` in a syscall's argument text (hex "0x.." or decimal), if present.
std::optional<unsigned long long> syscall_arg(std::string_view args, std::string_view name);

}  // namespace hb::tracing
