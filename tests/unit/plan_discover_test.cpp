// `plan discover`: which services a host sweep hardens, that the plan it writes is a valid
// version-1 plan `plan run` accepts, and that every report marks its default probe as weak.
#include "harden_bisect/plan_discover.hpp"

#include <doctest/doctest.h>

#include <sstream>

#include "harden_bisect/ci_writers.hpp"
#include "harden_bisect/plan.hpp"
#include "harden_bisect/plan_outputs.hpp"
#include "harden_bisect/report_writers.hpp"
#include "harden_bisect/weak_probe.hpp"

namespace {

hb::UnitInfo unit(std::string id, std::string load = "loaded", std::string active = "active",
                  std::string sub = "running", std::string fragment = "/lib/systemd/system/x") {
  return {std::move(id),  std::move(load),     "", std::move(active),
          std::move(sub), std::move(fragment), {}, {}};
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// A host: two running services to harden, and one of each kind that must be left out.
std::vector<hb::UnitInfo> host() {
  return {unit("nginx.service"),
          unit("cron.service"),
          unit("getty@tty1.service"),
          unit("serial-getty@ttyS0.service"),
          unit("systemd-reboot.service"),
          unit("systemd-poweroff.service"),
          unit("initrd-switch-root.service"),
          unit("emergency.service"),
          unit("rescue.service"),
          unit("masked.service", "masked", "inactive", "dead", ""),
          unit("gone.service", "not-found", "inactive", "dead", ""),
          unit("run-u42.service", "loaded", "active", "running", ""),
          unit("apt-daily-upgrade.service", "loaded", "inactive", "dead"),
          unit("systemd-tmpfiles-setup.service", "loaded", "active", "exited"),
          unit("foo@.service"),
          unit("dev-sda1.device"),
          unit("tmp.mount")};
}

}  // namespace

TEST_SUITE("plan-discover") {
  TEST_CASE("discover hardens running services and leaves out unsafe, masked and idle units") {
    CHECK_FALSE(hb::discover_skip_reason(unit("nginx.service")));
    const std::pair<const char*, const char*> left_out[] = {
        {"getty@tty1.service", "unsafe to start"},
        {"serial-getty@ttyS0.service", "unsafe to start"},
        {"systemd-reboot.service", "reboots the machine"},
        {"systemd-poweroff.service", "powers the machine off"},
        {"initrd-switch-root.service", "initrd"},
        {"emergency.service", "emergency"},
        {"rescue.service", "rescue"},
        {"masked.service", "masked"},
        {"gone.service", "not loaded (not-found)"},
        {"run-u42.service", "transient"},
        {"apt-daily-upgrade.service", "not running (inactive/dead)"},
        {"systemd-tmpfiles-setup.service", "not running (active/exited)"},
        {"foo@.service", "template"},
        {"tmp.mount", "not a service"},
    };
    for (const auto& [name, why] : left_out) {
      hb::UnitInfo info;
      for (const auto& u : host()) {
        if (u.id == name) info = u;
      }
      REQUIRE(info.id == name);
      const auto reason = hb::discover_skip_reason(info);
      REQUIRE_MESSAGE(reason, name);
      CHECK_MESSAGE(contains(*reason, why), name << ": " << *reason);
    }
  }

  TEST_CASE("the discovered plan is a valid version-1 plan with the default probe, sorted") {
    auto text = hb::render_discovered_plan(host(), "252 (252.39-1~deb12u1)");
    REQUIRE(text.ok());
    auto plan = hb::parse_plan(*text, "discovered.yaml", "/");
    REQUIRE_MESSAGE(plan.ok(), (plan.ok() ? "" : plan.error().message));
    CHECK(plan->version == 1);
    REQUIRE(plan->units.size() == 2);
    CHECK(plan->units[0].unit == "cron.service");
    CHECK(plan->units[1].unit == "nginx.service");
    for (const auto& u : plan->units) {
      REQUIRE(u.probes.size() == 1);
      CHECK(u.probes[0] == hb::default_discover_probe());
      REQUIRE(u.options.probe_timeout);
      CHECK(*u.options.probe_timeout > hb::kDiscoverSettle);  // the probe takes that long
      CHECK_FALSE(u.user);
    }
    // Every service left out is named with its reason, as a comment; non-services are counted.
    CHECK(contains(*text, "#   getty@tty1.service: unsafe to start: "));
    CHECK(contains(*text, "#   masked.service: masked\n"));
    CHECK(contains(*text, "#   apt-daily-upgrade.service: not running (inactive/dead)"));
    CHECK(contains(*text, "2 units that are not services"));
    CHECK(contains(*text, "on systemd 252 (252.39-1~deb12u1)"));
    CHECK(contains(*text, "It is WEAK"));
  }

  TEST_CASE("a host with no running service gives a one-line error, not an invalid plan") {
    auto text = hb::render_discovered_plan({unit("rescue.service"), unit("tmp.mount")}, "");
    REQUIRE_FALSE(text.ok());
    CHECK(text.error().kind == hb::ErrorKind::kBadInput);
    CHECK(text.error().message.find('\n') == std::string::npos);
  }

  TEST_CASE("the default probe is weak wherever it is installed; a real probe is not") {
    CHECK(hb::weak_probe_reason("unit-active --settle 5"));
    CHECK(hb::weak_probe_reason("/usr/libexec/harden-bisect/probes/unit-active --settle 5"));
    CHECK_FALSE(hb::weak_probe_reason("http-ok http://127.0.0.1:8080/"));
    CHECK_FALSE(hb::weak_probe_reason("/opt/unit-active-and-more"));
    CHECK(hb::weak_probe_notes({"http-ok u", "unit-active --settle 5"}).size() == 1);
  }

  TEST_CASE("every report of a unit with the default probe marks it as weak") {
    const std::string probe = "unit-active --settle 5";
    hb::RunReport report;
    report.unit = "cron.service";
    report.confirmed = true;
    hb::ReportContext context;
    context.probes = {probe};
    CHECK(contains(hb::render_json(report, context),
                   "\"weak_probes\": [\n    \"" + probe + ": weak probe"));
    CHECK(contains(hb::render_json(report, {}), "\"weak_probes\": []"));
    CHECK(contains(hb::render_dropin_file(report, hb::dropin_header({probe})),
                   "# WARNING: weak probe: it only checks that the copy stays active"));

    hb::UnitSummary u;
    u.unit = "cron.service";
    u.probes = {probe};
    u.before_tenths = 96;
    u.after_tenths = 20;
    hb::PlanSummary s;
    s.plan = "discovered.yaml";
    s.units = {u};
    CHECK(contains(hb::render_summary_json(s), "\"weak_probes\": [\n        \"" + probe));
    const auto md = hb::render_summary_markdown(s);
    CHECK(contains(md, "| passed (weak probe) |"));
    CHECK(contains(md, "### Weak probes\n\n- `cron.service`: " + probe + ": weak probe"));
    std::ostringstream table;
    hb::print_plan_table(table, s.units, false);
    CHECK(contains(table.str(), "passed (weak probe)\n"));
    CHECK(contains(hb::render_junit(s.units, "p", "0.1.0"), "WARNING: " + probe + ": weak probe"));
    // A real probe gets no warning anywhere.
    s.units[0].probes = {"http-ok http://127.0.0.1/"};
    CHECK_FALSE(contains(hb::render_summary_markdown(s), "weak"));
    CHECK(contains(hb::render_summary_json(s), "\"weak_probes\": []"));
  }
}
