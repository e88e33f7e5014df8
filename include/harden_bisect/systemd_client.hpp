// The narrow interface to a systemd service manager. Only its adapter (SdbusSystemdClient)
// knows D-Bus; nothing behind this interface knows about the search.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "harden_bisect/property.hpp"
#include "harden_bisect/result.hpp"

namespace hb {

// Unit-level facts used to refuse unusable units with a clear message.
struct UnitInfo {
  std::string id;            // canonical name, e.g. "nginx.service"
  std::string load_state;    // loaded, not-found, masked, bad-setting, error
  std::string load_error;    // systemd's LoadError message, if any
  std::string active_state;  // active, inactive, failed, activating, ...
  std::string sub_state;
  std::string fragment_path;  // unit file path ("" for transient units)
  std::vector<std::string> drop_in_paths;
  std::vector<std::string> triggered_by;  // e.g. sockets that activate it
};

// Runtime state of a unit, for verdicts.
struct UnitStatus {
  std::string active_state;
  std::string sub_state;
  std::string result;  // Result=: success, exit-code, signal, timeout, ...
  int32_t exec_main_code = 0;
  int32_t exec_main_status = 0;
  uint32_t main_pid = 0;
  std::string invocation_id;  // hex, for the journal
};

// A property to read, with the D-Bus signature the reader expects.
struct PropertySpec {
  std::string name;
  std::string signature;  // as exposed by the manager, e.g. "a(sasasttttuii)" for ExecStartEx
};

// PropertySpec signature meaning "whatever the manager has": read as an OpaqueValue, to be
// sent back unchanged (read and write forms of the property must agree).
inline constexpr const char* kAnySignature = "*";

// Result of asking systemd to start a transient unit. A rejection is data (the candidate is
// unsupported), not an Error (which means the bus or the manager failed us).
struct StartOutcome {
  bool rejected = false;
  std::string rejection;   // D-Bus error name and message when rejected
  std::string job_result;  // done, failed, timeout, canceled, dependency, skipped
};

class SystemdClient {
 public:
  virtual ~SystemdClient() = default;

  // Loads a unit (LoadUnit) and returns its unit-level facts.
  virtual Result<UnitInfo> load_unit(const std::string& name) = 0;

  // Reads the listed properties of `unit` on `interface` ("org.freedesktop.systemd1.Service",
  // "org.freedesktop.systemd1.Unit"). Properties the manager does not expose are left out.
  virtual Result<PropertyList> read_properties(const std::string& unit,
                                               const std::string& interface,
                                               const std::vector<PropertySpec>& specs) = 0;

  // Every property of `unit` on `interface` as canonical text (name -> dump), whatever its
  // type. Used to prove that a copy reproduces the original.
  virtual Result<std::map<std::string, std::string>> dump_properties(
      const std::string& unit, const std::string& interface) = 0;

  // Property names the manager's Service interface exposes (introspection).
  virtual Result<std::set<std::string>> service_property_names() = 0;

  // StartTransientUnit(name, "replace", props) and waits for the start job to finish.
  virtual Result<StartOutcome> start_transient(const std::string& name,
                                               const PropertyList& properties,
                                               std::chrono::milliseconds timeout) = 0;

  // Current runtime state; a unit that is gone reports active_state "inactive".
  virtual Result<UnitStatus> status(const std::string& name) = 0;

  // Stops the unit and waits until it is inactive or failed; at the deadline, SIGKILLs it.
  // Then clears a failed state (ResetFailedUnit), so a transient unit disappears.
  virtual Status stop(const std::string& name, std::chrono::milliseconds timeout) = 0;

  // Starts (or restarts) a unit and waits for the job.
  virtual Result<std::string> start(const std::string& name, bool restart,
                                    std::chrono::milliseconds timeout) = 0;

  // Reload unit files (daemon-reload) and wait for it to finish.
  virtual Status reload() = 0;

  // Names of loaded units starting with `prefix`.
  virtual Result<std::vector<std::string>> list_units(const std::string& prefix) = 0;

  // The manager's Version property, as it reports it ("252.39-1~deb12u1").
  virtual Result<std::string> manager_version() = 0;
};

// Reads a unit's journal lines by invocation id (sd-journal).
class JournalReader {
 public:
  virtual ~JournalReader() = default;
  // Up to `max_lines` newest MESSAGE lines of the invocation, oldest first.
  virtual std::vector<std::string> lines(const std::string& invocation_id,
                                         std::size_t max_lines) = 0;
};

}  // namespace hb
