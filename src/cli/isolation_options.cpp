#include "isolation_options.hpp"

namespace hb {

void add_isolation_options(CLI::App& app, RunConfig& run) {
  app.add_flag("--retries-all", run.search.retry_all,
               "Re-run every failure --retries times, also those that repeat (a copy that failed "
               "a systemd step like 218/CAPABILITIES, exited non-zero or died of SIGSYS); by "
               "default only a probe that failed or hung while the copy was up is re-run");
  app.add_flag_callback(
      "--full-settle", [&run] { run.timing.settle_early = false; },
      "Always wait the whole --settle window before believing a failing probe; by default it "
      "ends once the probe failed the same way twice while the copy has been up and stable for "
      "longer than 3x the time any healthy copy needed (at least 1 s)");
}

}  // namespace hb
