#include "trace_line.hpp"

#include <cctype>
#include <charconv>
#include <cstddef>

namespace hb::tracing {
namespace {

bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

std::optional<long long> to_number(std::string_view s) {
  long long value = 0;
  int base = 10;
  bool negative = false;
  if (s.starts_with('-')) negative = true, s.remove_prefix(1);
  if (s.starts_with("0x")) base = 16, s.remove_prefix(2);
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value, base);
  if (ec != std::errc() || end == s.data()) return std::nullopt;
  return negative ? -value : value;
}

// The word after "key" up to the next separator (space or comma), e.g. field("cap 21, ret 0",
// "cap ") = "21". Matches only at the start or after a space.
std::optional<std::string_view> field(std::string_view body, std::string_view key) {
  for (std::size_t at = body.find(key); at != std::string_view::npos; at = body.find(key, at + 1)) {
    if (at != 0 && body[at - 1] != ' ') continue;
    std::string_view rest = body.substr(at + key.size());
    return rest.substr(0, rest.find_first_of(" ,"));
  }
  return std::nullopt;
}

std::optional<int> int_field(std::string_view body, std::string_view key) {
  auto text = field(body, key);
  if (!text) return std::nullopt;
  auto n = to_number(*text);
  if (!n) return std::nullopt;
  return static_cast<int>(*n);
}

// "  comm-with-dashes-1234 [001] d..1. 123.456: rest": the pid and "rest". The comm may hold
// anything, so the line is anchored on the CPU field "[ddd]" (an optional "(tgid)" may precede).
std::optional<std::pair<int, std::string_view>> split_header(std::string_view line) {
  for (std::size_t open = line.find(" ["); open != std::string_view::npos;
       open = line.find(" [", open + 1)) {
    const std::size_t close = line.find(']', open);
    if (close == std::string_view::npos || !all_digits(line.substr(open + 2, close - open - 2))) {
      continue;
    }
    std::string_view task = line.substr(0, open);
    while (!task.empty() && task.back() == ' ') task.remove_suffix(1);
    if (task.ends_with(')')) {  // record-tgid: "comm-1234 (  1200)"
      task = task.substr(0, task.rfind('('));
      while (!task.empty() && task.back() == ' ') task.remove_suffix(1);
    }
    const std::size_t dash = task.rfind('-');
    if (dash == std::string_view::npos || !all_digits(task.substr(dash + 1))) return std::nullopt;
    auto pid = to_number(task.substr(dash + 1));
    // After the CPU: flags, the timestamp ending in ':', one space, the event.
    const std::size_t stamp_end = line.find(": ", close);
    if (!pid || stamp_end == std::string_view::npos) return std::nullopt;
    return std::pair{static_cast<int>(*pid), line.substr(stamp_end + 2)};
  }
  return std::nullopt;
}

}  // namespace

std::optional<unsigned long long> syscall_arg(std::string_view args, std::string_view name) {
  std::string key(name);
  key += ": ";
  auto text = field(args, key);
  if (!text) return std::nullopt;
  auto n = to_number(*text);
  if (!n) return std::nullopt;
  return static_cast<unsigned long long>(*n);
}

std::optional<TraceEvent> parse_trace_line(std::string_view line) {
  if (line.starts_with('#')) return std::nullopt;
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
  auto header = split_header(line);
  if (!header) return std::nullopt;
  TraceEvent event;
  event.pid = header->first;
  std::string_view rest = header->second;

  // Syscall entries print as "sys_socket(family: 0x2, ...)"; every other event as "name: body".
  const std::size_t paren = rest.find('(');
  const std::size_t colon = rest.find(": ");
  if (rest.starts_with("sys_") && paren != std::string_view::npos &&
      (colon == std::string_view::npos || paren < colon) && rest.ends_with(')')) {
    event.kind = EventKind::kSyscall;
    event.syscall = rest.substr(4, paren - 4);
    event.args = rest.substr(paren + 1, rest.size() - paren - 2);
    return event;
  }
  if (colon == std::string_view::npos) return std::nullopt;
  const std::string_view name = rest.substr(0, colon);
  const std::string_view body = rest.substr(colon + 2);
  if (name == "cap_capable") {
    auto cap = int_field(body, "cap ");
    auto ret = int_field(body, "ret ");
    if (!cap || !ret) return std::nullopt;
    event.kind = EventKind::kCapability;
    event.cap = *cap;
    event.ret = *ret;
    return event;
  }
  if (name == "sched_process_fork") {
    auto child = int_field(body, "child_pid=");
    if (!child) return std::nullopt;
    event.kind = EventKind::kFork;
    event.child_pid = *child;
    return event;
  }
  if (name == "sched_process_exec") {
    event.kind = EventKind::kExec;
    return event;
  }
  if (name == "cgroup_attach_task") {
    auto path = field(body, "dst_path=");
    auto target = int_field(body, "pid=");
    if (!path || !target) return std::nullopt;
    event.kind = EventKind::kCgroupAttach;
    event.cgroup_path = *path;
    event.target_pid = *target;
    return event;
  }
  return std::nullopt;
}

}  // namespace hb::tracing
