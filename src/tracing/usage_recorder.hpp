// Turns a stream of trace events into the usage of one copy: follows the processes systemd puts
// into the copy's cgroup, and their children, and counts what they do after exec.
#pragma once

#include <string>
#include <string_view>
#include <unordered_map>

#include "harden_bisect/usage_tracer.hpp"
#include "trace_line.hpp"

namespace hb::tracing {

class UsageRecorder {
 public:
  // Watches cgroups whose name (any path component) starts with `cgroup_prefix`.
  explicit UsageRecorder(std::string cgroup_prefix) : prefix_(std::move(cgroup_prefix)) {}

  // One line of trace_pipe; lines of other tasks and events are ignored.
  void feed_line(std::string_view line);
  void feed(const TraceEvent& event);

  const ObservedUsage& usage() const { return usage_; }

 private:
  enum class TaskState {
    kJoined,  // in the copy's cgroup, still systemd's setup code (before exec)
    kActive,  // runs the service's program (or descends from a task that does)
  };

  bool in_copy_cgroup(std::string_view path) const;
  void record(const TraceEvent& event);

  std::string prefix_;
  std::unordered_map<int, TaskState> tasks_;
  ObservedUsage usage_;
};

}  // namespace hb::tracing
