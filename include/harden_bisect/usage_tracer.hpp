// What a service's processes really use, observed from kernel tracepoints while a copy runs:
// capability checks, system calls, socket families, namespaces. Feeds priors to the search and
// the usage table of the report; never a verdict.
#pragma once

#include <cstddef>
#include <map>
#include <memory>
#include <set>
#include <string>

#include "harden_bisect/result.hpp"

namespace hb {

// How often a capability was checked, and with what answer.
struct CapabilityChecks {
  std::size_t granted = 0;
  std::size_t denied = 0;
};

// Everything seen from the copy's processes after they executed the service's program (what
// systemd's own setup does before exec is not the service's use).
struct ObservedUsage {
  std::map<int, CapabilityChecks> capabilities;  // by CAP_* number; present = checked
  std::set<std::string> syscalls;                // entered, as the kernel names them ("socket")
  std::set<int> address_families;                // socket(2) families created (AF_* numbers)
  std::set<std::string> namespaces;              // created: "mnt", "net", "user", ...
  std::size_t processes = 0;                     // copy processes that ran the program
  std::size_t events = 0;                        // events attributed to them
  bool lost_events = false;                      // the kernel buffer overflowed: incomplete
};

// Watches the copies of one run. One trace at a time.
class UsageTracer {
 public:
  virtual ~UsageTracer() = default;
  // Starts recording processes that systemd puts into a cgroup whose name starts with
  // `cgroup_prefix` (a copy's unit name is its cgroup's name), and their descendants.
  virtual Status start(const std::string& cgroup_prefix) = 0;
  // Stops recording and returns what was seen since start().
  virtual Result<ObservedUsage> stop() = 0;
};

// The tracer on tracefs (mounted if missing), in a private instance removed on every exit
// path. An Error says why tracing is unavailable here (no tracefs, no permission, missing
// tracepoints); the run then goes on without priors.
Result<std::unique_ptr<UsageTracer>> open_tracefs_usage_tracer();

}  // namespace hb
