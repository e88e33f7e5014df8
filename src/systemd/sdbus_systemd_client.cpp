// SystemdClient over sdbus-c++: one connection, job completion from JobRemoved signals,
// a single-threaded poll loop (no event-loop thread, so no locking).
#include "harden_bisect/sdbus_systemd_client.hpp"

#include <poll.h>
#include <sdbus-c++/sdbus-c++.h>
#include <signal.h>
#include <systemd/sd-bus.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <thread>

#include "bus_values.hpp"
#include "harden_bisect/text.hpp"

namespace hb {
namespace {

constexpr const char* kService = "org.freedesktop.systemd1";
constexpr const char* kManagerPath = "/org/freedesktop/systemd1";
constexpr const char* kManager = "org.freedesktop.systemd1.Manager";
constexpr const char* kUnit = "org.freedesktop.systemd1.Unit";
constexpr const char* kServiceIface = "org.freedesktop.systemd1.Service";
constexpr const char* kProperties = "org.freedesktop.DBus.Properties";
constexpr auto kCallTimeout = std::chrono::seconds(25);

using Clock = std::chrono::steady_clock;
using PropertyMap = std::map<std::string, sdbus::Variant>;

Error bus_error(const sdbus::Error& e, const std::string& context) {
  std::string what = e.getMessage().empty() ? e.getName() : e.getMessage();
  if (e.getName() == "org.freedesktop.DBus.Error.AccessDenied" ||
      e.getName() == "org.freedesktop.DBus.Error.InteractiveAuthorizationRequired") {
    what = "permission denied by systemd (" + what + "); run as root";
  }
  // While systemd re-executes (daemon-reexec) its bus name is briefly gone or calls get no
  // reply; such calls are worth repeating.
  const bool retryable = e.getName() == "org.freedesktop.DBus.Error.NoReply" ||
                         e.getName() == "org.freedesktop.DBus.Error.ServiceUnknown" ||
                         e.getName() == "org.freedesktop.DBus.Error.NameHasNoOwner" ||
                         e.getName() == "org.freedesktop.DBus.Error.Timeout";
  return Error{context + ": " + what, ErrorKind::kSystemd, retryable};
}

bool is_no_such_unit(const sdbus::Error& e) {
  return e.getName() == "org.freedesktop.systemd1.NoSuchUnit";
}

// Errors that mean the bus or manager failed, as opposed to systemd refusing our properties.
bool is_transport_error(const sdbus::Error& e) {
  const auto& n = e.getName();
  return n == "org.freedesktop.DBus.Error.AccessDenied" ||
         n == "org.freedesktop.DBus.Error.InteractiveAuthorizationRequired" ||
         n == "org.freedesktop.DBus.Error.NoReply" ||
         n == "org.freedesktop.DBus.Error.Disconnected" ||
         n == "org.freedesktop.DBus.Error.ServiceUnknown" ||
         n == "org.freedesktop.DBus.Error.Timeout" || n == "org.freedesktop.systemd1.UnitExists" ||
         n.rfind("System.Error.ECONN", 0) == 0 || n == "System.Error.ENOTCONN" ||
         n == "System.Error.EPIPE";
}

std::string hex(const std::vector<uint8_t>& bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (auto b : bytes) {
    out += kDigits[b >> 4];
    out += kDigits[b & 15];
  }
  return out;
}

template <class T>
T get_or(const PropertyMap& map, const char* name, T fallback) {
  auto it = map.find(name);
  if (it == map.end() || !it->second.containsValueOfType<T>()) return fallback;
  return it->second.get<T>();
}

class SdbusSystemdClient final : public SystemdClient {
 public:
  // `raw_bus` is a second, plain sd-bus connection to the same manager; the client owns it.
  SdbusSystemdClient(std::unique_ptr<sdbus::IConnection> connection, sd_bus* raw_bus)
      : connection_(std::move(connection)),
        manager_(sdbus::createProxy(*connection_, kService, kManagerPath)),
        raw_bus_(raw_bus) {
    manager_->uponSignal("JobRemoved")
        .onInterface(kManager)
        .call([this](uint32_t, const sdbus::ObjectPath& job, const std::string&,
                     const std::string& result) { finished_jobs_[job] = result; });
    manager_->finishRegistration();
  }

  ~SdbusSystemdClient() override {
    if (raw_bus_) sd_bus_flush_close_unref(raw_bus_);
  }

  Status subscribe() {
    try {
      manager_->callMethod("Subscribe").onInterface(kManager).withTimeout(kCallTimeout);
    } catch (const sdbus::Error& e) {
      return bus_error(e, "while subscribing to systemd's job signals");
    }
    return {};
  }

  Result<UnitInfo> load_unit(const std::string& name) override {
    try {
      sdbus::ObjectPath path;
      manager_->callMethod("LoadUnit")
          .onInterface(kManager)
          .withTimeout(kCallTimeout)
          .withArguments(name)
          .storeResultsTo(path);
      auto props = get_all(path, kUnit);
      UnitInfo info;
      info.id = get_or<std::string>(props, "Id", name);
      info.load_state = get_or<std::string>(props, "LoadState", "");
      auto load_error = get_or<sdbus::Struct<std::string, std::string>>(props, "LoadError", {});
      info.load_error = std::get<1>(load_error);
      info.active_state = get_or<std::string>(props, "ActiveState", "");
      info.sub_state = get_or<std::string>(props, "SubState", "");
      info.fragment_path = get_or<std::string>(props, "FragmentPath", "");
      info.drop_in_paths = get_or<std::vector<std::string>>(props, "DropInPaths", {});
      info.triggered_by = get_or<std::vector<std::string>>(props, "TriggeredBy", {});
      return info;
    } catch (const sdbus::Error& e) {
      return bus_error(e, "while loading " + name);
    }
  }

  Result<PropertyList> read_properties(const std::string& unit, const std::string& interface,
                                       const std::vector<PropertySpec>& specs) override {
    try {
      auto props = get_all(unit_path(unit), interface);
      PropertyList out;
      for (const auto& spec : specs) {
        auto it = props.find(spec.name);
        if (it == props.end()) continue;
        auto value = from_variant(it->second, spec.signature);
        if (!value) {
          return Error{"property " + spec.name + " of " + unit + " has signature " +
                           it->second.peekValueType() + ", expected " + spec.signature,
                       ErrorKind::kSystemd};
        }
        out.push_back({spec.name, std::move(*value)});
      }
      return with_dumps(unit, interface, std::move(out));
    } catch (const sdbus::Error& e) {
      return bus_error(e, "while reading properties of " + unit);
    }
  }

  // Opaque values get systemd's dump as their text (what they are compared and logged by).
  Result<PropertyList> with_dumps(const std::string& unit, const std::string& interface,
                                  PropertyList list) {
    const bool any_opaque = std::any_of(list.begin(), list.end(), [](const Property& p) {
      return std::holds_alternative<OpaqueValue>(p.value);
    });
    if (!any_opaque) return list;
    auto dumps = dump_properties(unit, interface);
    if (!dumps) return dumps.error();
    for (auto& p : list) {
      if (auto* opaque = std::get_if<OpaqueValue>(&p.value)) opaque->text = (*dumps)[p.name];
    }
    return list;
  }

  // sdbus-c++ cannot walk a value of unknown type; sd-bus can (sd_bus_message_dump), so a
  // second, plain sd-bus connection serves this one call.
  Result<std::map<std::string, std::string>> dump_properties(
      const std::string& unit, const std::string& interface) override {
    std::string path;
    try {
      path = unit_path(unit);
    } catch (const sdbus::Error& e) {
      return bus_error(e, "while loading " + unit);
    }
    sd_bus_error error = SD_BUS_ERROR_NULL;
    sd_bus_message* reply = nullptr;
    int r = sd_bus_call_method(raw_bus_, kService, path.c_str(), kProperties, "GetAll", &error,
                               &reply, "s", interface.c_str());
    if (r < 0) {
      Error e{"while reading properties of " + unit + ": " +
                  (error.message ? error.message : std::string(strerror(-r))),
              ErrorKind::kSystemd};
      sd_bus_error_free(&error);
      return e;
    }
    std::map<std::string, std::string> out;
    sd_bus_message_enter_container(reply, 'a', "{sv}");
    while (sd_bus_message_enter_container(reply, 'e', "sv") > 0) {
      const char* name = nullptr;
      sd_bus_message_read(reply, "s", &name);
      char* text = nullptr;
      size_t length = 0;
      FILE* f = open_memstream(&text, &length);
      sd_bus_message_dump(reply, f, SD_BUS_MESSAGE_DUMP_SUBTREE_ONLY);
      fclose(f);
      out[name] = without_ansi(std::string_view(text, length));
      free(text);
      sd_bus_message_exit_container(reply);
    }
    sd_bus_message_unref(reply);
    return out;
  }

  Result<std::set<std::string>> service_property_names() override {
    try {
      // Any service object carries the full Service interface; the bus's own unit always exists
      // (dbus.service, dbus-broker.service under a user manager: both are named dbus.service).
      auto proxy = sdbus::createProxy(*connection_, kService, unit_path("dbus.service"));
      std::string xml;
      proxy->callMethod("Introspect")
          .onInterface("org.freedesktop.DBus.Introspectable")
          .withTimeout(kCallTimeout)
          .storeResultsTo(xml);
      std::set<std::string> names;
      auto begin = xml.find("<interface name=\"org.freedesktop.systemd1.Service\">");
      auto end = xml.find("</interface>", begin);
      if (begin == std::string::npos) return names;
      const std::string tag = "<property name=\"";
      for (auto at = xml.find(tag, begin); at != std::string::npos && at < end;
           at = xml.find(tag, at + 1)) {
        auto start = at + tag.size();
        names.insert(xml.substr(start, xml.find('"', start) - start));
      }
      return names;
    } catch (const sdbus::Error& e) {
      return bus_error(e, "while introspecting systemd's Service interface");
    }
  }

  Result<StartOutcome> start_transient(const std::string& name, const PropertyList& properties,
                                       std::chrono::milliseconds timeout) override {
    std::vector<sdbus::Struct<std::string, sdbus::Variant>> props;
    for (const auto& p : properties) props.emplace_back(p.name, to_variant(p.value));
    // Holds the unit loaded until stop() lets go: a copy that exits at once (Type=oneshot, a
    // crash) would otherwise be garbage-collected before its state and settings are read,
    // and LoadUnit would then answer with an empty stub of defaults.
    props.emplace_back("AddRef", sdbus::Variant(true));
    std::vector<sdbus::Struct<std::string, std::vector<sdbus::Struct<std::string, sdbus::Variant>>>>
        aux;
    sdbus::ObjectPath job;
    try {
      manager_->callMethod("StartTransientUnit")
          .onInterface(kManager)
          .withTimeout(kCallTimeout)
          .withArguments(name, std::string("replace"), props, aux)
          .storeResultsTo(job);
    } catch (const sdbus::Error& e) {
      if (is_transport_error(e)) return bus_error(e, "while starting transient unit " + name);
      return StartOutcome{true, e.getName() + ": " + e.getMessage(), ""};
    }
    auto result = wait_job(job, Clock::now() + timeout);
    if (!result) {
      // A copy that never finishes starting is a verdict, not a broken bus: the caller stops it.
      if (result.error().kind == ErrorKind::kDeadline) return StartOutcome{false, "", "timeout"};
      return with_context(result.error(), "while starting " + name);
    }
    return StartOutcome{false, "", *result};
  }

  Result<UnitStatus> status(const std::string& name) override {
    UnitStatus s;
    try {
      sdbus::ObjectPath path;
      try {
        manager_->callMethod("GetUnit")
            .onInterface(kManager)
            .withTimeout(kCallTimeout)
            .withArguments(name)
            .storeResultsTo(path);
      } catch (const sdbus::Error& e) {
        if (!is_no_such_unit(e)) throw;
        s.active_state = "inactive";
        s.sub_state = "dead";
        return s;
      }
      auto unit = get_all(path, kUnit);
      s.active_state = get_or<std::string>(unit, "ActiveState", "");
      s.sub_state = get_or<std::string>(unit, "SubState", "");
      s.invocation_id = hex(get_or<std::vector<uint8_t>>(unit, "InvocationID", {}));
      auto service = get_all(path, kServiceIface);
      s.result = get_or<std::string>(service, "Result", "");
      s.exec_main_code = get_or<int32_t>(service, "ExecMainCode", 0);
      s.exec_main_status = get_or<int32_t>(service, "ExecMainStatus", 0);
      s.main_pid = get_or<uint32_t>(service, "MainPID", 0);
      return s;
    } catch (const sdbus::Error& e) {
      if (is_no_such_unit(e)) {  // vanished between the calls
        s.active_state = "inactive";
        return s;
      }
      return bus_error(e, "while reading the state of " + name);
    }
  }

  Status stop(const std::string& name, std::chrono::milliseconds timeout) override {
    const auto deadline = Clock::now() + timeout;
    try {
      sdbus::ObjectPath job;
      try {
        manager_->callMethod("StopUnit")
            .onInterface(kManager)
            .withTimeout(kCallTimeout)
            .withArguments(name, std::string("replace"))
            .storeResultsTo(job);
        auto waited = wait_job(job, deadline);
        if (!waited && waited.error().kind != ErrorKind::kDeadline) return waited.error();
      } catch (const sdbus::Error& e) {
        if (!is_no_such_unit(e)) throw;
      }
      if (!wait_inactive(name, deadline)) {
        // The unit ignores SIGTERM or hangs in ExecStop: escalate.
        try {
          manager_->callMethod("KillUnit")
              .onInterface(kManager)
              .withTimeout(kCallTimeout)
              .withArguments(name, std::string("all"), int32_t{SIGKILL});
        } catch (const sdbus::Error& e) {
          if (!is_no_such_unit(e)) throw;
        }
        if (!wait_inactive(name, Clock::now() + std::chrono::seconds(10))) {
          return Error{"could not stop " + name + " even with SIGKILL", ErrorKind::kDeadline};
        }
      }
      try {
        manager_->callMethod("ResetFailedUnit")
            .onInterface(kManager)
            .withTimeout(kCallTimeout)
            .withArguments(name);
      } catch (const sdbus::Error& e) {
        if (!is_no_such_unit(e) && e.getName() != "org.freedesktop.systemd1.LoadFailed") throw;
      }
      release(name);
      return {};
    } catch (const sdbus::Error& e) {
      return bus_error(e, "while stopping " + name);
    }
  }

  Result<std::string> start(const std::string& name, bool restart,
                            std::chrono::milliseconds timeout) override {
    try {
      sdbus::ObjectPath job;
      manager_->callMethod(restart ? "RestartUnit" : "StartUnit")
          .onInterface(kManager)
          .withTimeout(kCallTimeout)
          .withArguments(name, std::string("replace"))
          .storeResultsTo(job);
      return wait_job(job, Clock::now() + timeout);
    } catch (const sdbus::Error& e) {
      return bus_error(e, std::string("while ") + (restart ? "restarting " : "starting ") + name);
    }
  }

  Status reload() override {
    try {
      manager_->callMethod("Reload").onInterface(kManager).withTimeout(std::chrono::seconds(90));
      return {};
    } catch (const sdbus::Error& e) {
      return bus_error(e, "while reloading systemd (daemon-reload)");
    }
  }

  Result<std::string> manager_version() override {
    try {
      return manager_->getProperty("Version").onInterface(kManager).get<std::string>();
    } catch (const sdbus::Error& e) {
      return bus_error(e, "while reading the manager's Version");
    }
  }

  Result<std::vector<std::string>> list_units(const std::string& prefix) override {
    using UnitRow =
        sdbus::Struct<std::string, std::string, std::string, std::string, std::string, std::string,
                      sdbus::ObjectPath, uint32_t, std::string, sdbus::ObjectPath>;
    try {
      std::vector<UnitRow> rows;
      manager_->callMethod("ListUnits")
          .onInterface(kManager)
          .withTimeout(kCallTimeout)
          .storeResultsTo(rows);
      std::vector<std::string> names;
      for (const auto& row : rows) {
        if (std::get<0>(row).rfind(prefix, 0) == 0) names.push_back(std::get<0>(row));
      }
      return names;
    } catch (const sdbus::Error& e) {
      return bus_error(e, "while listing units");
    }
  }

 private:
  // LoadUnit, not GetUnit: an inactive unit nobody references is unloaded right away.
  std::string unit_path(const std::string& unit) {
    sdbus::ObjectPath path;
    manager_->callMethod("LoadUnit")
        .onInterface(kManager)
        .withTimeout(kCallTimeout)
        .withArguments(unit)
        .storeResultsTo(path);
    return path;
  }

  // Drops the reference start_transient took (AddRef), so a stopped copy can go away. Units
  // that were never referenced by us answer with an error, which means nothing here.
  void release(const std::string& name) {
    try {
      manager_->callMethod("UnrefUnit")
          .onInterface(kManager)
          .withTimeout(kCallTimeout)
          .withArguments(name);
    } catch (const sdbus::Error&) {
    }
  }

  PropertyMap get_all(const std::string& path, const std::string& interface) {
    auto proxy = sdbus::createProxy(*connection_, kService, path);
    PropertyMap props;
    proxy->callMethod("GetAll")
        .onInterface(kProperties)
        .withTimeout(kCallTimeout)
        .withArguments(interface)
        .storeResultsTo(props);
    return props;
  }

  // Dispatches queued signals, then waits at most `max_wait` for more bus traffic.
  void pump(std::chrono::milliseconds max_wait) {
    while (connection_->processPendingRequest()) {
    }
    auto data = connection_->getEventLoopPollData();
    int wait = static_cast<int>(max_wait.count());
    int bus_wait = data.getPollTimeout();
    if (bus_wait >= 0 && bus_wait < wait) wait = bus_wait;
    pollfd fd{data.fd, data.events, 0};
    ::poll(&fd, 1, wait);
    while (connection_->processPendingRequest()) {
    }
  }

  // Waits for JobRemoved of `job`; an error of kind kDeadline means the deadline passed.
  Result<std::string> wait_job(const std::string& job, Clock::time_point deadline) {
    for (;;) {
      if (auto it = finished_jobs_.find(job); it != finished_jobs_.end()) {
        auto result = it->second;
        finished_jobs_.erase(it);
        return result;
      }
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      if (left.count() <= 0)
        return Error{"job " + job + " did not finish in time", ErrorKind::kDeadline};
      pump(std::min(left, std::chrono::milliseconds(100)));
    }
  }

  bool wait_inactive(const std::string& name, Clock::time_point deadline) {
    for (;;) {
      auto s = status(name);
      if (s && (s->active_state == "inactive" || s->active_state == "failed")) return true;
      if (Clock::now() >= deadline) return false;
      pump(std::chrono::milliseconds(20));
    }
  }

  std::unique_ptr<sdbus::IConnection> connection_;
  std::unique_ptr<sdbus::IProxy> manager_;
  std::map<std::string, std::string> finished_jobs_;  // job path -> JobRemoved result
  sd_bus* raw_bus_ = nullptr;                         // for dump_properties only
};

// Opens the plain sd-bus connection to `target`'s manager, as systemctl's bus_connect_transport
// does (systemd 252): local system or user bus, a machine's (sd_bus_open_user_machine runs
// systemd-stdio-bridge as the named user there), or a remote system bus over ssh.
int open_raw_bus(const ManagerTarget& target, sd_bus** bus) {
  const char* where = target.where.c_str();
  switch (target.transport) {
    case BusTransport::kLocal:
      return target.user() ? sd_bus_open_user(bus) : sd_bus_open_system(bus);
    case BusTransport::kMachine:
      return target.user() ? sd_bus_open_user_machine(bus, where)
                           : sd_bus_open_system_machine(bus, where);
    case BusTransport::kRemote:
      return sd_bus_open_system_remote(bus, where);
  }
  return -EINVAL;
}

// The sdbus-c++ connection to the same bus. sdbus-c++ 1.2 has no machine connections, so those
// reuse the address sd-bus computed for the raw one (a unixexec: or x-machine-unix: address).
std::unique_ptr<sdbus::IConnection> open_connection(const ManagerTarget& target, sd_bus* raw) {
  switch (target.transport) {
    case BusTransport::kLocal:
      return target.user() ? sdbus::createSessionBusConnection()
                           : sdbus::createSystemBusConnection();
    case BusTransport::kRemote:
      return sdbus::createRemoteSystemBusConnection(target.where);
    case BusTransport::kMachine:
      break;
  }
  const char* address = nullptr;
  if (sd_bus_get_address(raw, &address) < 0 || !address) {
    throw sdbus::Error("System.Error.EINVAL", "no bus address for -M " + target.where);
  }
  return sdbus::createSessionBusConnectionWithAddress(address);
}

}  // namespace

Result<std::unique_ptr<SystemdClient>> connect_manager(const ManagerTarget& target) {
  const std::string context = target == ManagerTarget{} ? "cannot connect to the system bus"
                                                        : "cannot connect to " + describe(target);
  sd_bus* raw = nullptr;
  if (int r = open_raw_bus(target, &raw); r < 0) {
    std::string hint;
    if (target.user() && target.transport == BusTransport::kLocal) {
      hint =
          " (is there a user manager for this user? $XDG_RUNTIME_DIR/bus or "
          "$DBUS_SESSION_BUS_ADDRESS must reach it; as root use --user -M USER@.host)";
    }
    return Error{context + ": " + std::strerror(-r) + hint, ErrorKind::kSystemd};
  }
  try {
    auto client = std::make_unique<SdbusSystemdClient>(open_connection(target, raw), raw);
    if (auto s = client->subscribe(); !s) return s.error();
    return std::unique_ptr<SystemdClient>(std::move(client));
  } catch (const sdbus::Error& e) {
    sd_bus_flush_close_unref(raw);  // the client never took it
    return bus_error(e, context);
  }
}

Result<std::unique_ptr<SystemdClient>> connect_system_manager() { return connect_manager({}); }

}  // namespace hb
