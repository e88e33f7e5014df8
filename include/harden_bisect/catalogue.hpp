// The option catalogue: data describing every hardening candidate, loaded from YAML.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "harden_bisect/result.hpp"

namespace hb {

// How an option behaves under a per-user service manager (systemd 252).
enum class UserManagerSupport {
  kWorks,              // enforced as on the system manager
  kNeedsPrivateUsers,  // fails or is ignored unless PrivateUsers=yes
  kFails,              // the unit fails to start (e.g. 218/CAPABILITIES, 216/GROUP)
  kNotEnforced,        // accepted and scored, but silently not enforced
};

// One unit-file assignment, e.g. {"ProtectSystem", "strict"} or
// {"CapabilityBoundingSet", "~CAP_NET_RAW"}. Unit-file syntax is what users read in the drop-in.
struct Assignment {
  std::string key;
  std::string value;
  bool operator==(const Assignment&) const = default;
};

// How a repair rung adds access back to its assignments, derived during the run from what
// the service was seen to need. Repairs are tried only after the stronger rungs failed.
enum class RepairKind {
  kNone,           // a plain rung: exactly its assignments
  kWritablePaths,  // + StateDirectory=/LogsDirectory=/CacheDirectory=/RuntimeDirectory= for
                   //   the paths it could not write, else ReadWritePaths= for exactly them
  kIdentity,       // a non-root identity (DynamicUser=yes implies ProtectSystem=strict) + the
                   //   writable-paths grants + AmbientCapabilities= with the capabilities
                   //   proven needed (whose drop from the bounding set failed)
  kSyscallGroups,  // + SystemCallFilter= of the observed groups the allow list lacks
};

// One step of an option's ladder.
struct Rung {
  std::string label;                    // "strict"; defaults to the joined assignments
  std::vector<Assignment> assignments;  // applied together
  RepairKind repair = RepairKind::kNone;
};

// The catalogue spelling of a RepairKind ("writable-paths"), and back (nullopt if unknown).
const char* to_string(RepairKind kind);
std::optional<RepairKind> repair_kind_from(std::string_view name);

struct CatalogueOption {
  std::string id;     // unique: "ProtectSystem", "CapabilityBoundingSet=~CAP_NET_RAW"
  std::string group;  // drop-in grouping: identity, filesystem, devices, kernel, capabilities,
                      // network, namespaces, syscalls, process
  std::vector<Rung> rungs;          // strongest first; at least one
  std::vector<std::string> scores;  // systemd-analyze json_fields this option improves
  double risk = 0.1;  // prior probability it breaks a typical service (orders the search)
  UserManagerSupport user_manager = UserManagerSupport::kWorks;
  std::string why;  // one line, used as the drop-in comment
};

struct Catalogue {
  std::vector<CatalogueOption> options;

  // The option with this id, or nullptr.
  const CatalogueOption* find(std::string_view id) const;
};

// Loads a catalogue YAML file. A file with top-level `extends: builtin` adds to (and overrides
// rows of, by id) `base`, or the builtin catalogue when `base` is null; otherwise it replaces
// it. Errors (kBadInput) carry file:line:column; with several problems the first is named,
// followed by "(and N more)".
Result<Catalogue> load_catalogue(const std::string& path, const Catalogue* base = nullptr);

// Parses catalogue YAML text; `origin` names it in error messages.
Result<Catalogue> parse_catalogue(const std::string& yaml_text, const std::string& origin,
                                  const Catalogue* base = nullptr);

// Path of the catalogue installed with the program (overridable with $HARDEN_BISECT_DATADIR).
std::string builtin_catalogue_path();

// Loads the catalogue at builtin_catalogue_path() and adds a default row
// ("CapabilityBoundingSet=~CAP_X") for every capability libcap knows on this system that the
// file has no row for, so that newer kernels are covered.
Result<Catalogue> load_builtin_catalogue();

// The catalogue spelling of a UserManagerSupport: "works", "needs-private-users", ...
const char* to_string(UserManagerSupport support);

}  // namespace hb
