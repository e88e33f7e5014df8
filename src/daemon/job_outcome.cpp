#include "job_outcome.hpp"

#include "harden_bisect/report_writers.hpp"

namespace hb::daemon {
namespace {

std::string command_line(const std::vector<std::string>& argv) {
  std::string out;
  for (const auto& word : argv) out += (out.empty() ? "" : " ") + word;
  return out;
}

// The rejected rung that passes on top of the final set, if any (--check-maximal).
std::string not_maximal(const RunReport& report) {
  for (const auto& r : report.rejected) {
    if (r.maximality && r.maximality->passed()) {
      return "not maximal: " + r.rung + " passes when added to the final set";
    }
  }
  return "";
}

}  // namespace

JobOutcome outcome_of(const Result<RunReport>& report, bool cancelled,
                      const std::vector<std::string>& probe) {
  JobOutcome out;
  if (!report) {
    const auto& e = report.error();
    const bool interrupted = cancelled || e.kind == ErrorKind::kInterrupted;
    out.state = interrupted ? JobState::kCancelled : JobState::kFailed;
    out.exit_code = static_cast<int>(interrupted ? ExitCode::kInterrupted : exit_code_for(e.kind));
    out.error = interrupted ? "cancelled (" + e.message + ")" : e.message;
    return out;
  }
  RunReport copy = *report;
  copy.tool_version = HB_VERSION;
  const std::vector<std::string> probes{command_line(probe)};
  out.dropin = render_dropin_file(copy, dropin_header(probes));
  out.result = render_json(copy, {"", probes, out.dropin});
  out.exposure_before = copy.before.tenths / 10.0;
  out.exposure_after = copy.after.tenths / 10.0;
  out.state = JobState::kDone;
  out.error = not_maximal(copy);
  out.exit_code = static_cast<int>(out.error.empty() ? ExitCode::kOk : ExitCode::kNotMaximal);
  return out;
}

}  // namespace hb::daemon
