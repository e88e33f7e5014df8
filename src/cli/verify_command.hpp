// `harden-bisect verify [OPTIONS] --probe P UNIT` (issue 13 item 1). It takes the main command's
// options (main.cpp parses them); this file runs the verify and writes its reports.
#pragma once

#include <string>
#include <vector>

#include "harden_bisect/catalogue.hpp"
#include "harden_bisect/run_driver.hpp"

namespace hb {

// What of the command line the verify uses besides the RunConfig.
struct VerifyOutputs {
  std::string json_mode = "off";  // pretty|short: the verify JSON on stdout instead of the text
  std::string json_path;          // --json-file: the verify JSON, pretty
  std::string dropin_path;        // -o: a drop-in of everything that passed ("" = none)
  std::string junit_path;         // --junit: the run's JUnit file
  std::vector<std::string> probe_lines;  // as the user gave them, for the drop-in header
};

// Runs the verify and writes the reports. Returns the exit status (0 nothing to add,
// kExitImprovable more passes, 5 fails as shipped) or the error that stopped it.
Result<int> run_verify(const RunConfig& config, const Catalogue& catalogue, RunPorts ports,
                       const VerifyOutputs& outputs);

}  // namespace hb
