// The drop-in header's inputs: the only place the report layer reads the environment.
#include <cerrno>
#include <cstdlib>
#include <ctime>

#include "harden_bisect/report_writers.hpp"

namespace hb {

DropinHeader dropin_header(std::vector<std::string> probes, std::string systemd_version) {
  DropinHeader h{std::move(probes), std::move(systemd_version), {}};
  // https://reproducible-builds.org/specs/source-date-epoch/: a decimal count of seconds.
  const char* epoch = std::getenv("SOURCE_DATE_EPOCH");
  if (epoch == nullptr || *epoch == '\0') return h;
  char* end = nullptr;
  errno = 0;
  const long long seconds = std::strtoll(epoch, &end, 10);
  if (errno != 0 || *end != '\0' || seconds < 0) return h;
  const std::time_t t = static_cast<std::time_t>(seconds);
  std::tm utc{};
  char buf[32];
  if (gmtime_r(&t, &utc) != nullptr && std::strftime(buf, sizeof buf, "%Y-%m-%d", &utc) > 0)
    h.date = buf;
  return h;
}

}  // namespace hb
