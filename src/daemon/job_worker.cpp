#include "job_worker.hpp"

#include "harden_bisect/apply.hpp"
#include "harden_bisect/retrying_systemd_client.hpp"
#include "harden_bisect/sdbus_systemd_client.hpp"

namespace hb::daemon {

JobOutcome run_job(const RunConfig& config, const Catalogue& catalogue,
                   const std::vector<std::string>& probe, const CancellationToken& cancel,
                   RunObserver& observer) {
  auto connected = connect_system_manager();
  if (!connected) return outcome_of(connected.error(), cancel.cancelled(), probe);
  // systemd may re-execute mid-run (package upgrades do): calls are repeated for up to 60 s.
  auto systemd = make_retrying(std::move(*connected), std::chrono::seconds(60));
  auto journal = open_journal("");
  PosixProbeRunner probes;
  auto report =
      run_hardening(config, catalogue, {*systemd, probes, journal.get(), &cancel, &observer});
  return outcome_of(report, cancel.cancelled(), probe);
}

Status apply_job(const RunConfig& config, const std::string& dropin,
                 const CancellationToken& cancel) {
  auto connected = connect_system_manager();
  if (!connected) return connected.error();
  auto systemd = make_retrying(std::move(*connected), std::chrono::seconds(60));
  PosixProbeRunner probes;
  return apply_dropin({config.unit, "", dropin, probe_specs(config), config.timing},
                      {*systemd, probes, &cancel});
}

}  // namespace hb::daemon
