#include "job_record.hpp"

#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "harden_bisect/apply.hpp"

namespace hb::daemon {
namespace {

using nlohmann::json;

constexpr const char* kStateNames[] = {"queued", "running", "done", "failed", "cancelled"};

// Options keep their bus type across a restart: {"t": "b", "v": true}.
json option_to_json(const OptionValue& v) {
  static const char* types[] = {"b", "x", "t", "d", "s", "as"};
  json out{{"t", types[v.index()]}};
  std::visit([&](const auto& x) { out["v"] = x; }, v);
  return out;
}

OptionValue option_from_json(const json& j) {
  const auto t = j.at("t").get<std::string>();
  const auto& v = j.at("v");
  if (t == "b") return v.get<bool>();
  if (t == "x") return v.get<std::int64_t>();
  if (t == "t") return v.get<std::uint64_t>();
  if (t == "d") return v.get<double>();
  if (t == "s") return v.get<std::string>();
  if (t == "as") return v.get<std::vector<std::string>>();
  throw std::runtime_error("unknown option type " + t);
}

}  // namespace

const char* to_string(JobState state) { return kStateNames[static_cast<int>(state)]; }

std::optional<JobState> job_state_from(const std::string& name) {
  for (int i = 0; i < 5; ++i) {
    if (name == kStateNames[i]) return static_cast<JobState>(i);
  }
  return std::nullopt;
}

std::string job_to_json(const JobRecord& job) {
  json options = json::object();
  for (const auto& [name, value] : job.options) options[name] = option_to_json(value);
  json out{{"id", job.id},
           {"unit", job.unit},
           {"probe", job.probe},
           {"options", options},
           {"owner", job.owner},
           {"state", to_string(job.state)},
           {"trials_done", job.trials_done},
           {"trials_estimated", job.trials_estimated},
           {"exposure_before", job.exposure_before},
           {"exposure_after", job.exposure_after},
           {"result", job.result},
           {"dropin", job.dropin},
           {"exit_code", job.exit_code},
           {"error", job.error},
           {"interrupted", job.interrupted}};
  return out.dump(2) + "\n";
}

Result<JobRecord> job_from_json(const std::string& text) {
  try {
    const auto j = json::parse(text);
    JobRecord job;
    job.id = j.at("id").get<std::uint32_t>();
    job.unit = j.at("unit").get<std::string>();
    job.probe = j.at("probe").get<std::vector<std::string>>();
    for (const auto& [name, value] : j.at("options").items()) {
      job.options[name] = option_from_json(value);
    }
    job.owner = j.at("owner").get<std::uint32_t>();
    auto state = job_state_from(j.at("state").get<std::string>());
    if (!state) return Error{"unknown job state", ErrorKind::kBadInput};
    job.state = *state;
    job.trials_done = j.value("trials_done", 0u);
    job.trials_estimated = j.value("trials_estimated", 0u);
    job.exposure_before = j.value("exposure_before", -1.0);
    job.exposure_after = j.value("exposure_after", -1.0);
    job.result = j.value("result", "");
    job.dropin = j.value("dropin", "");
    job.exit_code = j.value("exit_code", 0);
    job.error = j.value("error", "");
    job.interrupted = j.value("interrupted", false);
    if (job.id == 0) return Error{"job id 0", ErrorKind::kBadInput};
    return job;
  } catch (const std::exception& e) {
    return Error{std::string("corrupt job file: ") + e.what(), ErrorKind::kBadInput};
  }
}

Status JobStore::prepare() const {
  std::error_code ec;
  std::filesystem::create_directories(directory_, ec);
  if (ec) return Error{"cannot create " + directory_ + ": " + ec.message(), ErrorKind::kInternal};
  chmod(directory_.c_str(), 0700);
  return {};
}

Status JobStore::save(const JobRecord& job) const {
  return write_file_atomically(directory_ + "/job-" + std::to_string(job.id) + ".json",
                               job_to_json(job));
}

std::vector<JobRecord> JobStore::load_all() const {
  std::vector<JobRecord> jobs;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(directory_, ec)) {
    const auto name = entry.path().filename().string();
    if (!name.starts_with("job-") || !name.ends_with(".json")) continue;
    auto text = read_file(entry.path().string());
    if (!text) {
      spdlog::warn("{}", text.error().message);
      continue;
    }
    auto job = job_from_json(*text);
    if (!job) {
      spdlog::warn("{}: {}; left alone", entry.path().string(), job.error().message);
      continue;
    }
    jobs.push_back(std::move(*job));
  }
  std::sort(jobs.begin(), jobs.end(),
            [](const JobRecord& a, const JobRecord& b) { return a.id < b.id; });
  return jobs;
}

}  // namespace hb::daemon
