#include "harden_bisect/retrying_systemd_client.hpp"

#include <spdlog/spdlog.h>

namespace hb {
namespace {

constexpr auto kPause = std::chrono::milliseconds(200);

class RetryingSystemdClient final : public SystemdClient {
 public:
  RetryingSystemdClient(std::unique_ptr<SystemdClient> inner, std::chrono::milliseconds patience,
                        Clock& clock)
      : inner_(std::move(inner)), patience_(patience), clock_(clock) {}

  Result<UnitInfo> load_unit(const std::string& name) override {
    return retry([&] { return inner_->load_unit(name); });
  }
  Result<PropertyList> read_properties(const std::string& unit, const std::string& interface,
                                       const std::vector<PropertySpec>& specs) override {
    return retry([&] { return inner_->read_properties(unit, interface, specs); });
  }
  Result<std::map<std::string, std::string>> dump_properties(
      const std::string& unit, const std::string& interface) override {
    return retry([&] { return inner_->dump_properties(unit, interface); });
  }
  Result<std::set<std::string>> service_property_names() override {
    return retry([&] { return inner_->service_property_names(); });
  }
  Result<UnitStatus> status(const std::string& name) override {
    return retry([&] { return inner_->status(name); });
  }
  Status stop(const std::string& name, std::chrono::milliseconds timeout) override {
    return retry([&] { return inner_->stop(name, timeout); });
  }
  Result<std::string> start(const std::string& name, bool restart,
                            std::chrono::milliseconds timeout) override {
    return retry([&] { return inner_->start(name, restart, timeout); });
  }
  Status reload() override {
    return retry([&] { return inner_->reload(); });
  }
  Result<std::string> manager_version() override {
    return retry([&] { return inner_->manager_version(); });
  }
  Result<std::vector<std::string>> list_units(const std::string& prefix) override {
    return retry([&] { return inner_->list_units(prefix); });
  }

  // Not blindly repeatable: the first call may have created the unit before the reply was
  // lost. Then the unit exists, and its state tells how the start went.
  Result<StartOutcome> start_transient(const std::string& name, const PropertyList& properties,
                                       std::chrono::milliseconds timeout) override {
    auto first = inner_->start_transient(name, properties, timeout);
    if (first || !first.error().retryable) return first;
    spdlog::warn("systemd did not answer ({}); waiting for it", first.error().message);
    auto state = status(name);
    if (!state) return state.error();
    if (state->active_state == "inactive")
      return retry([&] { return inner_->start_transient(name, properties, timeout); });
    const auto deadline = clock_.now() + timeout;
    while (state->active_state == "activating" && clock_.now() < deadline) {
      clock_.sleep_for(kPause);
      state = status(name);
      if (!state) return state.error();
    }
    return StartOutcome{false, "", state->active_state == "active" ? "done" : "failed"};
  }

 private:
  template <class F>
  auto retry(F call) -> decltype(call()) {
    auto result = call();
    const auto deadline = clock_.now() + patience_;
    while (!result && result.error().retryable && clock_.now() < deadline) {
      spdlog::debug("retrying after: {}", result.error().message);
      clock_.sleep_for(kPause);
      result = call();
    }
    return result;
  }

  std::unique_ptr<SystemdClient> inner_;
  std::chrono::milliseconds patience_;
  Clock& clock_;
};

}  // namespace

std::unique_ptr<SystemdClient> make_retrying(std::unique_ptr<SystemdClient> inner,
                                             std::chrono::milliseconds patience, Clock& clock) {
  return std::make_unique<RetryingSystemdClient>(std::move(inner), patience, clock);
}

}  // namespace hb
