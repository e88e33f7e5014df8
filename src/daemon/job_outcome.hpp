// How a job's run ended, from the run library's result: the job's state, the CLI's exit code
// for the same outcome, and the drop-in and JSON report of a done job. Pure.
#pragma once

#include <string>
#include <vector>

#include "harden_bisect/result.hpp"
#include "harden_bisect/run_report.hpp"
#include "job_record.hpp"

namespace hb::daemon {

// How a run ended, as the job shows it.
struct JobOutcome {
  JobState state = JobState::kFailed;
  int exit_code = 1;   // the CLI's exit code for the same outcome
  std::string error;   // "" when done
  std::string result;  // JSON report
  std::string dropin;
  double exposure_before = -1;
  double exposure_after = -1;
};

// The job's outcome from the run's result. `cancelled`: the user cancelled the job (a run
// stopped for a daemon shutdown is no outcome: the job resumes at the next start).
JobOutcome outcome_of(const Result<RunReport>& report, bool cancelled,
                      const std::vector<std::string>& probe);

}  // namespace hb::daemon
