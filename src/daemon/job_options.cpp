#include "job_options.hpp"

#include <pwd.h>

#include <algorithm>
#include <cmath>
#include <functional>

namespace hb::daemon {
namespace {

using std::chrono::milliseconds;

std::string type_name(const OptionValue& v) {
  static const char* names[] = {"a boolean", "an integer", "an integer",
                                "a number",  "a string",   "a string list"};
  return names[v.index()];
}

ApiError bad(const std::string& name, const std::string& what) {
  return {kErrBadOption, "option " + name + ": " + what};
}

// Seconds (d, or an integer) as milliseconds; > 0 and at most a day.
std::variant<milliseconds, ApiError> seconds_of(const std::string& name, const OptionValue& v) {
  double s = 0;
  if (auto d = std::get_if<double>(&v)) {
    s = *d;
  } else if (auto i = std::get_if<std::int64_t>(&v)) {
    s = static_cast<double>(*i);
  } else if (auto u = std::get_if<std::uint64_t>(&v)) {
    s = static_cast<double>(*u);
  } else {
    return bad(name, "expected seconds (a number), got " + type_name(v));
  }
  if (!std::isfinite(s) || s <= 0 || s > 86400) {
    return bad(name, "seconds must be > 0 and at most 86400");
  }
  return milliseconds(static_cast<long long>(s * 1000));
}

// A count (an integer >= 0) up to `max`.
std::variant<unsigned, ApiError> count_of(const std::string& name, const OptionValue& v,
                                          unsigned max) {
  std::int64_t n = -1;
  if (auto i = std::get_if<std::int64_t>(&v)) {
    n = *i;
  } else if (auto u = std::get_if<std::uint64_t>(&v)) {
    n = *u > max ? static_cast<std::int64_t>(max) + 1 : static_cast<std::int64_t>(*u);
  } else {
    return bad(name, "expected an integer, got " + type_name(v));
  }
  if (n < 0 || n > max) return bad(name, "must be between 0 and " + std::to_string(max));
  return static_cast<unsigned>(n);
}

std::variant<bool, ApiError> flag_of(const std::string& name, const OptionValue& v) {
  if (auto b = std::get_if<bool>(&v)) return *b;
  return bad(name, "expected a boolean, got " + type_name(v));
}

// Option ids or prefixes: printable, no spaces, not empty.
std::variant<std::vector<std::string>, ApiError> ids_of(const std::string& name,
                                                        const OptionValue& v) {
  std::vector<std::string> ids;
  if (auto s = std::get_if<std::string>(&v)) {
    ids = {*s};
  } else if (auto list = std::get_if<std::vector<std::string>>(&v)) {
    ids = *list;
  } else {
    return bad(name, "expected a list of option ids, got " + type_name(v));
  }
  for (const auto& id : ids) {
    const bool printable =
        std::all_of(id.begin(), id.end(), [](unsigned char c) { return c > 0x20 && c < 0x7f; });
    if (id.empty() || id.size() > 200 || !printable) {
      return bad(name, "not an option id: \"" + id.substr(0, 40) + "\"");
    }
  }
  return ids;
}

// One row per option: its name and how it changes the RunConfig.
using Setter =
    std::function<std::optional<ApiError>(const std::string&, const OptionValue&, RunConfig&)>;

template <class T, class Parse, class Store>
Setter setter(Parse parse, Store store) {
  return [parse, store](const std::string& name, const OptionValue& v,
                        RunConfig& c) -> std::optional<ApiError> {
    auto parsed = parse(name, v);
    if (auto e = std::get_if<ApiError>(&parsed)) return *e;
    store(c, std::get<T>(parsed));
    return std::nullopt;
  };
}

const std::map<std::string, Setter>& setters() {
  static const std::map<std::string, Setter> table = {
      {"probe-timeout",
       setter<milliseconds>(seconds_of,
                            [](RunConfig& c, milliseconds v) { c.timing.probe_timeout = v; })},
      {"settle",
       setter<milliseconds>(seconds_of, [](RunConfig& c, milliseconds v) { c.timing.settle = v; })},
      {"start-timeout",
       setter<milliseconds>(seconds_of,
                            [](RunConfig& c, milliseconds v) { c.timing.start_timeout = v; })},
      {"stop-timeout",
       setter<milliseconds>(seconds_of,
                            [](RunConfig& c, milliseconds v) { c.timing.stop_timeout = v; })},
      {"confirm", setter<unsigned>(
                      [](const std::string& n, const OptionValue& v) { return count_of(n, v, 10); },
                      [](RunConfig& c, unsigned v) { c.search.confirmations = v; })},
      {"retries", setter<unsigned>(
                      [](const std::string& n, const OptionValue& v) { return count_of(n, v, 10); },
                      [](RunConfig& c, unsigned v) { c.search.retries = v; })},
      {"only",
       setter<std::vector<std::string>>(
           ids_of, [](RunConfig& c, std::vector<std::string> v) { c.only = std::move(v); })},
      {"skip",
       setter<std::vector<std::string>>(
           ids_of, [](RunConfig& c, std::vector<std::string> v) { c.skip = std::move(v); })},
      {"stop-original", setter<bool>(flag_of, [](RunConfig& c, bool v) { c.stop_original = v; })},
      {"check-maximal", setter<bool>(flag_of, [](RunConfig& c, bool v) { c.check_maximal = v; })},
      {"trace", setter<bool>(flag_of, [](RunConfig& c, bool v) { c.trace = v; })},
      {"repairs", setter<bool>(flag_of, [](RunConfig& c, bool v) { c.repairs = v; })},
  };
  return table;
}

}  // namespace

std::optional<ProbeIdentity> lookup_user(const std::string& name) {
  const passwd* pw = getpwnam(name.c_str());
  if (!pw) return std::nullopt;
  return ProbeIdentity{pw->pw_uid, pw->pw_gid};
}

const std::vector<std::string>& known_option_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out{"probe-user"};
    for (const auto& [name, _] : setters()) out.push_back(name);
    std::sort(out.begin(), out.end());
    return out;
  }();
  return names;
}

std::variant<RunConfig, ApiError> run_config_from_options(const JobConfigInput& input,
                                                          RunConfig base) {
  std::string probe_user = input.default_user;
  bool user_chosen = false;
  for (const auto& [name, value] : input.options) {
    if (name == "probe-user") {
      auto s = std::get_if<std::string>(&value);
      if (!s) return bad(name, "expected a user name, got " + type_name(value));
      probe_user = *s;
      user_chosen = true;
      continue;
    }
    auto row = setters().find(name);
    if (row == setters().end()) {
      std::string known;
      for (const auto& n : known_option_names()) known += (known.empty() ? "" : ", ") + n;
      return ApiError{kErrBadOption,
                      "unknown option \"" + name.substr(0, 60) + "\" (known: " + known + ")"};
    }
    if (auto e = row->second(name, value, base)) return *e;
  }
  auto identity = input.users(probe_user);
  if (!identity) {
    return bad("probe-user", "no such user \"" + probe_user.substr(0, 60) + "\"");
  }
  // Probes run unprivileged: only root may pick root or another user than itself.
  if (user_chosen && input.caller.uid != 0 && identity->uid != input.caller.uid &&
      probe_user != input.default_user) {
    return ApiError{kErrAccessDenied,
                    "option probe-user: only root may run probes as another user than itself"};
  }
  base.probe_uid = identity->uid;
  base.probe_gid = identity->gid;
  return base;
}

}  // namespace hb::daemon
