// `harden-bisect verify`: the run's result seen from the unit as shipped (see verify.hpp).
#include "harden_bisect/verify.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <sstream>

#include "harden_bisect/assignment.hpp"
#include "harden_bisect/exposure_scoring.hpp"
#include "harden_bisect/run_driver.hpp"
#include "harden_bisect/trial_oracle.hpp"
#include "harden_bisect/unit_snapshot.hpp"

namespace hb {
namespace {

using Json = nlohmann::json;

// analyze's sum of per-row badness (each normalised by its range, rounded up) and of weights.
struct BadnessSum {
  int64_t badness = 0;
  int64_t weight = 0;
  double exposure() const { return weight ? 10.0 * badness / weight : 10.0; }
};
BadnessSum badness_of(const Exposure& e) {
  BadnessSum sum;
  for (const auto& row : e.rows) {
    if (!row.badness) continue;
    sum.badness += static_cast<int64_t>((*row.badness * row.weight + row.range - 1) / row.range);
    sum.weight += static_cast<int64_t>(row.weight);
  }
  return sum;
}

// The strongest rung of `option` weaker than `kept_rung` that the unit already satisfies, as
// text; "" when it satisfies none (the option is new to the unit).
std::string shipped_rung(const CatalogueOption& option, const std::string& kept_rung,
                         const PropertyList& unit_settings) {
  bool below_kept = false;
  for (const auto& rung : option.rungs) {
    if (below_kept && assess(unit_settings, rung.assignments) == Applicability::kAlreadySatisfied)
      return join_assignments(rung.assignments);
    if (rung.label == kept_rung || join_assignments(rung.assignments) == kept_rung)
      below_kept = true;
  }
  return {};
}

Json exposure_json(const Exposure& e) {
  return {{"score", e.score_text()}, {"tenths", e.tenths}, {"level", e.level()}};
}

Json finding_json(const VerifyFinding& f) {
  Json settings = Json::array();
  for (const auto& a : f.assignments) settings.push_back(a.key + "=" + a.value);
  Json out = {{"id", f.id},
              {"group", f.group},
              {"rung", f.rung},
              {"settings", settings},
              {"exposure_alone", exposure_json(f.alone)},
              {"gain", f.gain},
              {"gain_exposure", std::round(f.gain_exposure * 1000) / 1000},
              {"gain_tenths", f.gain_tenths},
              {"why", f.why}};
  if (!f.shipped_rung.empty()) out["shipped_rung"] = f.shipped_rung;
  return out;
}

// "9.6 UNSAFE"
std::string exposure_text(const Exposure& e) { return e.score_text() + " " + e.level(); }

// "-0.04": the exposure an option removes, before analyze rounds it.
std::string gain_text(double gain_exposure) {
  char text[32];
  std::snprintf(text, sizeof text, "-%.2f", gain_exposure);
  return text;
}

}  // namespace

VerifyReport classify_findings(const RunReport& run, const Catalogue& catalogue) {
  VerifyReport report;
  report.unit = run.unit;
  report.passes_as_shipped = true;
  report.shipped = run.before;
  report.hardened = run.after;
  for (const auto& kept : run.kept) {
    VerifyFinding f{kept.id, kept.group, kept.rung, kept.assignments, {}, run.before,
                    0,       0.0,        0,         kept.why};
    if (const auto* option = catalogue.find(kept.id))
      f.shipped_rung = shipped_rung(*option, kept.rung, run.unit_settings);
    (f.shipped_rung.empty() ? report.further : report.strengthen).push_back(std::move(f));
  }
  report.run = run;
  return report;
}

Result<VerifyReport> verify_unit(const RunConfig& config, const Catalogue& catalogue,
                                 RunPorts ports) {
  // Gains are measured on copies and scored by the built-in model only (no systemd-analyze
  // candidates): on another systemd than 252 the report says so in one line.
  const auto scoring = decide_exposure_scoring(ports.systemd, ports.probes, {}, "");
  auto run = run_hardening(config, catalogue, ports);
  if (!run && run.error().kind != ErrorKind::kBaselineFailed) return run.error();
  auto unit = snapshot_unit(ports.systemd, config.unit);
  if (!unit) return unit.error();
  if (!run) {
    VerifyReport failed;
    failed.unit = config.unit;
    failed.shipped_evidence = run.error().message;
    failed.shipped = failed.hardened = score_copy(unit->security, *unit);
    failed.systemd_version = scoring.manager_version;
    failed.exposure_note = scoring.note();
    return failed;
  }
  auto report = classify_findings(*run, catalogue);
  report.systemd_version = scoring.manager_version;
  report.exposure_note = scoring.note();

  // Each finding's exposure alone: one copy each, started, read and stopped (no probe).
  Clock& clock = ports.clock ? *ports.clock : SteadyClock::instance();
  TrialOracle copies(ports.systemd, ports.probes, ports.journal, *unit, {}, {}, config.timing,
                     copy_prefix(config.unit) + "gain-", clock, ports.cancel);
  const BadnessSum shipped = badness_of(report.shipped);
  try {
    for (auto* list : {&report.further, &report.strengthen}) {
      for (auto& f : *list) {
        if (ports.cancel && ports.cancel->cancelled())
          return Error{"interrupted", ErrorKind::kInterrupted};
        f.alone = score_copy(copies.inspect(f.assignments, security_property_specs()), *unit);
        const BadnessSum alone = badness_of(f.alone);
        f.gain = shipped.badness - alone.badness;
        f.gain_exposure = shipped.exposure() - alone.exposure();
        f.gain_tenths = report.shipped.tenths - f.alone.tenths;
      }
      std::stable_sort(list->begin(), list->end(), [](const auto& a, const auto& b) {
        return a.gain_exposure > b.gain_exposure;
      });
    }
  } catch (const TrialError& e) {
    return e.error;
  }
  return report;
}

int verify_exit_code(const VerifyReport& report) {
  if (!report.passes_as_shipped) return static_cast<int>(ExitCode::kBaselineFailed);
  if (!report.further.empty() || !report.strengthen.empty()) return kExitImprovable;
  return static_cast<int>(ExitCode::kOk);
}

std::string render_verify_text(const VerifyReport& r) {
  std::ostringstream out;
  out << "harden-bisect verify " << r.unit << "\n";
  if (!r.exposure_note.empty()) out << "note: " << r.exposure_note << "\n";
  if (!r.passes_as_shipped) {
    out << "(a) as shipped   FAILS its probe: " << r.shipped_evidence << "\n";
    out << "    exposure     " << exposure_text(r.shipped) << "\n";
    return out.str();
  }
  out << "(a) as shipped   passes its probe, exposure " << exposure_text(r.shipped) << "\n";
  out << "    with (b)+(c) " << exposure_text(r.hardened) << "\n";
  char line[160];
  out << "(b) further options that pass (" << r.further.size()
      << "), each with the exposure it removes alone and the score then:\n";
  for (const auto& f : r.further) {
    std::snprintf(line, sizeof line, "    %-58.58s %5s  -> %s\n", f.rung.c_str(),
                  gain_text(f.gain_exposure).c_str(), f.alone.score_text().c_str());
    out << line;
  }
  out << "(c) settings that pass at a higher rung (" << r.strengthen.size() << "):\n";
  for (const auto& f : r.strengthen) {
    const std::string change = f.shipped_rung + " -> " + f.rung;
    std::snprintf(line, sizeof line, "    %-58.58s %5s  -> %s\n", change.c_str(),
                  gain_text(f.gain_exposure).c_str(), f.alone.score_text().c_str());
    out << line;
  }
  return out.str();
}

std::string render_verify_json(const VerifyReport& r, bool pretty) {
  Json further = Json::array(), strengthen = Json::array();
  for (const auto& f : r.further) further.push_back(finding_json(f));
  for (const auto& f : r.strengthen) strengthen.push_back(finding_json(f));
  Json doc = {
      {"format_version", kVerifyFormatVersion},
      {"unit", r.unit},
      {"passes_as_shipped", r.passes_as_shipped},
      {"evidence", r.shipped_evidence.empty() ? Json(nullptr) : Json(r.shipped_evidence)},
      {"systemd_version", r.systemd_version.empty() ? Json(nullptr) : Json(r.systemd_version)},
      {"exposure_note", r.exposure_note.empty() ? Json(nullptr) : Json(r.exposure_note)},
      {"exposure",
       {{"shipped", exposure_json(r.shipped)}, {"hardened", exposure_json(r.hardened)}}},
      {"further", further},
      {"strengthen", strengthen},
      {"exit_code", verify_exit_code(r)}};
  return doc.dump(pretty ? 2 : -1, ' ', false, Json::error_handler_t::replace) + "\n";
}

}  // namespace hb
