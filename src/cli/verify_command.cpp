// `harden-bisect verify`: runs the search on the unit as shipped and reports it as (a) passes
// as shipped, (b) further options with their gains, (c) stronger rungs of its own settings.
#include "verify_command.hpp"

#include <sys/stat.h>

#include <fstream>
#include <iostream>

#include "harden_bisect/apply.hpp"
#include "harden_bisect/report_writers.hpp"
#include "harden_bisect/verify.hpp"

namespace hb {
namespace {}  // namespace

Result<int> run_verify(const RunConfig& config, const Catalogue& catalogue, RunPorts ports,
                       const VerifyOutputs& outputs) {
  auto report = verify_unit(config, catalogue, ports);
  if (!report) return report.error();
  report->run.tool_version = HB_VERSION;

  if (outputs.json_mode == "off") {
    if (auto s = write_output("-", render_verify_text(*report)); !s) return s.error();
  } else {
    if (auto s = write_output("-", render_verify_json(*report, outputs.json_mode == "pretty")); !s)
      return s.error();
  }
  if (auto s = write_output(outputs.json_path, render_verify_json(*report, true)); !s)
    return s.error();
  if (report->passes_as_shipped) {
    const auto dropin = render_dropin_file(report->run, dropin_header(outputs.probe_lines));
    if (auto s = write_output(outputs.dropin_path, dropin); !s) return s.error();
    if (auto s = write_output(outputs.junit_path, render_junit(report->run)); !s) return s.error();
  }
  return verify_exit_code(*report);
}

}  // namespace hb
