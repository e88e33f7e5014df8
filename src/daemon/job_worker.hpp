// Runs one job on the run library (run_hardening, apply_dropin), never a second implementation
// of a run. Called on a worker thread; each call opens its own connection to the system bus.
#pragma once

#include <string>
#include <vector>

#include "harden_bisect/catalogue.hpp"
#include "harden_bisect/interrupt.hpp"
#include "harden_bisect/run_driver.hpp"
#include "job_outcome.hpp"

namespace hb::daemon {

// run_hardening of `config` with the real ports; `observer` sees phases and trials.
JobOutcome run_job(const RunConfig& config, const Catalogue& catalogue,
                   const std::vector<std::string>& probe, const CancellationToken& cancel,
                   RunObserver& observer);

// apply_dropin of a done job's drop-in with the job's probes and timing.
Status apply_job(const RunConfig& config, const std::string& dropin,
                 const CancellationToken& cancel);

}  // namespace hb::daemon
