// --apply: installs the drop-in on the real unit, atomically, and rolls it back if the hardened
// unit then fails its probes. Also the atomic file writes the run journal and reports use.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "harden_bisect/clock.hpp"
#include "harden_bisect/interrupt.hpp"
#include "harden_bisect/manager_target.hpp"
#include "harden_bisect/probe_runner.hpp"
#include "harden_bisect/result.hpp"
#include "harden_bisect/systemd_client.hpp"
#include "harden_bisect/trial_oracle.hpp"

namespace hb {

// Where a drop-in goes and who owns what apply creates there.
struct DropinLocation {
  std::string path;
  std::optional<unsigned> owner_uid;  // new directories and the file are chowned to this user
  std::optional<unsigned> owner_gid;  // (a user manager's files belong to its user)
  bool create_parents = false;        // create missing parent directories (~/.config/...)
};

// What to install where, and how to check the unit afterwards.
struct ApplyRequest {
  std::string unit;    // e.g. "nginx.service"
  std::string root;    // file system root of the target ("" = "/")
  std::string dropin;  // the file's content
  // The run's probes (argv and identity). Each gets HB_UNIT and HB_COPY = the unit,
  // HB_TRIAL = "apply" and HB_ATTEMPT in its environment and timing.probe_timeout as its
  // deadline.
  std::vector<ProbeSpec> probes;
  // start_timeout for the restart; settle = the window in which failing probes are repeated
  // (retry_pause apart) before the unit counts as broken.
  TrialTiming timing;
  // Where to write; null = dropin_path(root, unit), as root, for the system manager.
  std::optional<DropinLocation> location;
};

// Side effects of --apply; owned by the caller.
struct ApplyPorts {
  SystemdClient& systemd;
  ProbeRunner& probes;
  // Polled once, before anything is written: a cancelled apply changes nothing. Once the
  // drop-in is written the apply runs to its end (installed, or rolled back). Null = never.
  const CancellationToken* cancel = nullptr;
  Clock* clock = nullptr;  // the settle window and retry pauses; null = the steady clock
};

// Writes dropin_path(root, unit) atomically and reloads systemd. If the unit is active, restarts
// it and probes it until every probe passes within timing.settle; if the unit is not active the
// drop-in stays and takes effect at its next start. Rolls back (the earlier file restored, or
// the new one removed; reload; the unit restarted if it was restarted) when the reload fails,
// the unit cannot be loaded afterwards, the restart does not finish, or the probes never pass;
// the last two return kApplyFailed, the others the failing call's error. An existing file that
// cannot be read is an error before anything is written.
Status apply_dropin(const ApplyRequest& request, ApplyPorts ports);

// Path of the drop-in for `unit` under the target root ("" = "/"):
// ROOT/etc/systemd/system/UNIT.d/50-harden-bisect.conf.
std::string dropin_path(const std::string& root, const std::string& unit);

// Where --apply writes the drop-in of `unit` for `manager`. System: dropin_path(root, unit).
// User: ROOT/HOME/.config/systemd/user/UNIT.d/50-harden-bisect.conf of the manager's user (USER
// of -M USER@..., looked up in ROOT/etc/passwd; else the caller, whose $XDG_CONFIG_HOME counts),
// owned by that user. Errors (kUsage): an unknown user, or a user manager reached with -H.
Result<DropinLocation> dropin_location(const std::string& root, const std::string& unit,
                                       const ManagerTarget& manager);

// Writes `content` to `path` atomically: temp file in the same directory (0644), fsync,
// rename, fsync of the directory. Creates the last directory if missing; refuses a symlink as
// the file or as its directory. On any failure the old file is intact and no temp file is left.
Status write_file_atomically(const std::string& path, const std::string& content);

// Writes a command's output: "" writes nothing, "-" is stdout, a device or pipe (/dev/null, a
// FIFO) is written in place (a rename would replace the node), a path is written atomically.
Status write_output(const std::string& path, const std::string& content);

// The whole content of a file; an Error (kInternal, naming the path) when it cannot be read.
Result<std::string> read_file(const std::string& path);

// The content of a file, nullopt when it does not exist; an Error when it exists but cannot be
// read.
Result<std::optional<std::string>> read_file_if_exists(const std::string& path);

}  // namespace hb
