// Repair rungs: a strong option plus the narrow grant that lets the service survive it
// (ProtectSystem=strict + StateDirectory=foo instead of ProtectSystem=full). Derived during the
// run from what the failures showed and the baseline trace saw; pure, no I/O (internal to
// src/run).
#pragma once

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "harden_bisect/catalogue.hpp"
#include "harden_bisect/verdict.hpp"

namespace hb::repairs {

// What a repair is derived from.
struct Evidence {
  // Absolute paths a failing trial could not write (EROFS), in first-seen order.
  std::vector<std::string> unwritable_paths;
  // Capabilities ("CAP_NET_BIND_SERVICE") whose drop from the bounding set was rejected.
  std::vector<std::string> needed_capabilities;
  // System calls the traced baseline entered; empty when nothing was traced.
  std::set<std::string> observed_syscalls;
};

// A repair rung as tried.
struct RepairedRung {
  std::vector<Assignment> assignments;  // the rung: its base assignments with the grants
  std::vector<Assignment> grants;       // what adds access back, for the report and drop-in
};

// Absolute paths on the lines of a failing trial's probe output and journal that report a
// read-only file system ("[Errno 30] Read-only file system: '/var/lib/foo/x'", "EROFS"). The
// failing trial's own words are the evidence: this kernel's syscall tracepoints show path
// arguments only as user-space pointers, so the trace cannot name the paths written.
std::vector<std::string> unwritable_paths(const Verdict& verdict);

// "CAP_X" for every rejected rung that drops CAP_X from the bounding set ("~CAP_X").
std::vector<std::string> needed_capabilities(
    const std::vector<std::vector<Assignment>>& rejected_rungs);

// The repair of `kind` on a rung with assignments `base`, or nullopt when the evidence shows
// nothing to repair (the rung is then not tried):
//  - writable paths: a directory under /var/lib, /var/log, /var/cache or /run becomes
//    StateDirectory=/LogsDirectory=/CacheDirectory=/RuntimeDirectory= of its first component
//    (systemd creates it owned by the service's user, mode 0755, and makes it writable under
//    ProtectSystem=strict and DynamicUser=); any other path outside the API and temporary file
//    systems becomes ReadWritePaths=-PATH, exactly that path ("-": a missing one is no start
//    failure). /tmp, /var/tmp, /home, /root, /run/user, /proc, /sys, /dev are left to their own
//    options (PrivateTmp=, ProtectHome=, ...).
//  - identity: a non-root identity (DynamicUser=yes, which implies ProtectSystem=strict) with
//    the writable-paths grants and AmbientCapabilities= with exactly the capabilities proven
//    needed, so that it keeps them (CAP_NET_BIND_SERVICE for a low port).
//  - syscall groups: the base allow list (SystemCallFilter=@system-service) plus, for each
//    observed system call it lacks, the systemd 252 group that holds it, in one line.
std::optional<RepairedRung> repair(RepairKind kind, const std::vector<Assignment>& base,
                                   const Evidence& evidence);

}  // namespace hb::repairs
