#include "usage_recorder.hpp"

namespace hb::tracing {
namespace {

// CLONE_NEW* flags of clone(2)/unshare(2)/setns(2), named as RestrictNamespaces= names them.
constexpr std::pair<unsigned long long, const char*> kNamespaceFlags[] = {
    {0x00020000, "mnt"},  {0x02000000, "cgroup"}, {0x04000000, "uts"}, {0x08000000, "ipc"},
    {0x10000000, "user"}, {0x20000000, "pid"},    {0x40000000, "net"},
};

}  // namespace

void UsageRecorder::feed_line(std::string_view line) {
  if (auto event = parse_trace_line(line)) feed(*event);
}

bool UsageRecorder::in_copy_cgroup(std::string_view path) const {
  // The copy's own cgroup or one below it (a service may create sub-cgroups).
  return path.find('/' + prefix_) != std::string_view::npos;
}

void UsageRecorder::feed(const TraceEvent& event) {
  switch (event.kind) {
    case EventKind::kCgroupAttach: {
      // systemd attaches a copy's process both from the manager and from the child itself.
      if (!in_copy_cgroup(event.cgroup_path)) return;
      tasks_.try_emplace(event.target_pid, TaskState::kJoined);
      return;
    }
    case EventKind::kFork: {
      auto it = tasks_.find(event.pid);
      if (it != tasks_.end()) tasks_[event.child_pid] = it->second;
      return;
    }
    case EventKind::kExec: {
      auto it = tasks_.find(event.pid);
      if (it == tasks_.end() || it->second == TaskState::kActive) return;
      it->second = TaskState::kActive;
      ++usage_.processes;
      return;
    }
    case EventKind::kCapability:
    case EventKind::kSyscall: {
      auto it = tasks_.find(event.pid);
      if (it != tasks_.end() && it->second == TaskState::kActive) record(event);
      return;
    }
  }
}

void UsageRecorder::record(const TraceEvent& event) {
  ++usage_.events;
  if (event.kind == EventKind::kCapability) {
    CapabilityChecks& checks = usage_.capabilities[event.cap];
    ++(event.ret == 0 ? checks.granted : checks.denied);
    return;
  }
  usage_.syscalls.insert(event.syscall);
  auto namespaces_in = [&](unsigned long long flags) {
    for (const auto& [flag, name] : kNamespaceFlags) {
      if (flags & flag) usage_.namespaces.insert(name);
    }
  };
  if (event.syscall == "socket") {
    if (auto family = syscall_arg(event.args, "family")) {
      usage_.address_families.insert(static_cast<int>(*family));
    }
  } else if (event.syscall == "unshare") {
    if (auto flags = syscall_arg(event.args, "unshare_flags")) namespaces_in(*flags);
  } else if (event.syscall == "clone") {
    if (auto flags = syscall_arg(event.args, "clone_flags")) namespaces_in(*flags);
  } else if (event.syscall == "setns") {
    if (auto flags = syscall_arg(event.args, "flags")) namespaces_in(*flags);
  }
  // clone3 passes its flags in memory the tracepoint does not show: not counted.
}

}  // namespace hb::tracing
