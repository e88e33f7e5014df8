// The drop-in file: what the user installs and reads, so it is written like a careful admin
// writes one: one line per setting, a plain-words comment for each, nothing that changes
// nothing, and every comment one sanitised line.
#include <algorithm>
#include <functional>
#include <sstream>
#include <string_view>
#include <utility>

#include "dropin_plan.hpp"
#include "harden_bisect/assignment.hpp"
#include "harden_bisect/option_groups.hpp"
#include "harden_bisect/report_writers.hpp"
#include "harden_bisect/weak_probe.hpp"
#include "report_text.hpp"

namespace hb {
namespace {

using report::DropinLine;
using report::DropinPlan;
using report::one_line;

constexpr std::size_t kEvidenceColumns = 160;  // evidence after "# ": long enough to read
constexpr std::size_t kWrapColumns = 100;      // prose comments wrap here, as .clang-format
constexpr const char* kSystemdRules = "252";   // the systemd whose rules the lines follow

// Prose as "# " lines wrapped at word boundaries; a word longer than a line stays whole.
void comment(std::ostream& out, std::string_view text) {
  std::istringstream words(one_line(text));
  std::string line = "#";
  for (std::string word; words >> word;) {
    if (line.size() > 1 && report::columns(line) + 1 + report::columns(word) > kWrapColumns) {
      out << line << '\n';
      line = "#";
    }
    line += " " + word;
  }
  out << line << '\n';
}

// One line of evidence, cut at a word boundary when too long.
void evidence(std::ostream& out, std::string_view text) {
  out << "# " << report::truncate_words(one_line(text), kEvidenceColumns) << '\n';
}

std::string section_title(const std::string& group) {
  if (const OptionGroup* known = find_option_group(group)) return std::string(known->title);
  return group.empty() ? "Other" : group;
}

void header(std::ostream& out, const RunReport& report, const DropinHeader& h) {
  const std::string systemd = h.systemd_version.empty() ? kSystemdRules : h.systemd_version;
  comment(out, "Hardening for " + report.unit + ", written by harden-bisect " +
                   report.tool_version + " for systemd " + systemd + ".");
  if (!h.date.empty()) comment(out, "Written on " + h.date + ".");
  if (report.confirmed) {
    comment(out, "The service passed its health probe with all of these settings together.");
  } else {
    comment(out,
            "WARNING: the service did NOT pass its health probe reliably with all of these "
            "settings together; test before installing.");
  }
  for (const auto& probe : h.probes) {
    evidence(out, "Probe: " + probe);
    if (auto why = weak_probe_reason(probe)) comment(out, "WARNING: " + *why + ".");
  }
  std::string repairs;  // each once: two repairs may grant the same (StateDirectory=foo)
  for (const auto& k : report.kept) {
    for (const auto& a : k.repairs) {
      const std::string line = a.key + "=" + a.value;
      if ((", " + repairs + ", ").find(", " + line + ", ") == std::string::npos)
        repairs += (repairs.empty() ? "" : ", ") + line;
    }
  }
  if (!repairs.empty()) {
    comment(out, "Repairs: " + repairs +
                     " add access back, deliberately and narrowly, so that stronger settings "
                     "hold than the service survives without them (each is marked REPAIR below).");
  }
  if (!report.user_manager) {
    comment(out, "Exposure (systemd-analyze security): " + report.before.score_text() + " " +
                     report.before.level() + " before, " + report.after.score_text() + " " +
                     report.after.level() + " with this file.");
    comment(out, "Install as /etc/systemd/system/" + report.unit +
                     ".d/50-harden-bisect.conf, then run systemctl daemon-reload and restart the "
                     "service.");
    return;
  }
  comment(out, "Exposure (systemd-analyze security --user): " + report.before.score_text() + " " +
                   report.before.level() + " before, " + report.after.score_text() + " " +
                   report.after.level() + " with this file.");
  if (report.before_enforced && report.after_enforced) {
    comment(out,
            "Counting only what a user manager enforces: " + report.before_enforced->score_text() +
                " " + report.before_enforced->level() + " before, " +
                report.after_enforced->score_text() + " " + report.after_enforced->level() +
                " with this file (systemd-analyze scores settings a user manager accepts "
                "but does not enforce as applied).");
  }
  comment(out, "Install as ~/.config/systemd/user/" + report.unit +
                   ".d/50-harden-bisect.conf, then run systemctl --user daemon-reload and "
                   "restart the service.");
}

// Why a repair's grant is there, by setting: it adds access back so a stronger setting holds.
constexpr std::pair<std::string_view, std::string_view> kRepairWhy[] = {
    {"StateDirectory",
     "the service writes under /var/lib/NAME itself; systemd creates that directory for it "
     "(owned by its user, mode 0755) and keeps it writable under ProtectSystem=strict"},
    {"LogsDirectory",
     "the service writes under /var/log/NAME; systemd creates it and keeps it "
     "writable under ProtectSystem=strict"},
    {"CacheDirectory",
     "the service writes under /var/cache/NAME; systemd creates it and keeps "
     "it writable under ProtectSystem=strict"},
    {"RuntimeDirectory",
     "the service writes under /run/NAME; systemd creates it and keeps it "
     "writable under ProtectSystem=strict"},
    {"ReadWritePaths",
     "exactly the paths the service writes stay writable under "
     "ProtectSystem=strict"},
    {"AmbientCapabilities",
     "the non-root service keeps exactly the capabilities it was proven "
     "to need (the only ones left in its bounding set)"},
    {"SystemCallFilter",
     "the groups of system calls the service was seen making that the "
     "allow list lacks"},
};

// The kept option on `line` that added it as a repair, or nullptr.
const KeptOption* repair_of(const DropinLine& line) {
  for (const auto* k : line.from) {
    for (const auto& a : k->repairs)
      if (a.key == line.setting.key) return k;
  }
  return nullptr;
}

// What a line does, in plain words.
void explain(std::ostream& out, const DropinLine& line) {
  const auto& key = line.setting.key;
  const auto& value = line.setting.value;
  if (const KeptOption* k = repair_of(line)) {
    auto why = std::find_if(std::begin(kRepairWhy), std::end(kRepairWhy),
                            [&](const auto& kv) { return kv.first == key; });
    std::string base;
    for (const auto& a : k->assignments)
      if (std::find(k->repairs.begin(), k->repairs.end(), a) == k->repairs.end())
        base += (base.empty() ? "" : " ") + a.key + "=" + a.value;
    return comment(
        out, "REPAIR for " + base + ": adds access back, deliberately and narrowly: " +
                 std::string(why != std::end(kRepairWhy) ? why->second : "what the service needs"));
  }
  if (key == "CapabilityBoundingSet" && line.from.size() > 1) {
    if (value.empty()) return comment(out, "Drops every capability: the service needs none.");
    if (!value.starts_with('~'))
      return comment(out,
                     "Keeps only the capabilities the service needs; every other one is "
                     "dropped.");
    return comment(out, "Drops the capabilities the service does not need.");
  }
  if (key == "RestrictNamespaces" && line.from.size() > 1) {
    if (value == "yes") return comment(out, "Forbids creating namespaces of any kind.");
    return comment(out, "Forbids creating namespaces of these kinds.");
  }
  if (key == "RestrictAddressFamilies" && line.from.size() > 1 && !value.starts_with('~')) {
    return comment(out, "Allows sockets of these families only; the service uses no other.");
  }
  if (line.from.size() == 1) {
    const auto* k = line.from.front();
    return comment(out,
                   k->why.empty() ? report::setting_label(k->assignments, k->id, k->rung) : k->why);
  }
  for (const auto* k : line.from) {  // several settings on one line: one comment each
    std::string what;
    for (const auto& a : k->assignments)
      if (a.key == key)
        what += (what.empty() ? "" : " ") + a.value.substr(a.value.starts_with('~'));
    comment(out, (k->why.empty() ? k->id : k->why) + " (" + what + ")");
  }
}

// "SystemCallFilter=~@swap @obsolete, PrivateTmp=yes": the omitted settings of one reason, same
// keys joined the way a drop-in line joins them.
std::string omitted_names(const std::vector<const report::OmittedSetting*>& omitted) {
  std::vector<std::pair<std::string, std::string>> by_key;  // key -> joined value
  for (const auto* o : omitted) {
    auto it = std::find_if(by_key.begin(), by_key.end(),
                           [&](const auto& kv) { return kv.first == o->setting.key; });
    if (it == by_key.end()) {
      by_key.emplace_back(o->setting.key, o->setting.value);
      continue;
    }
    const bool deny = it->second.starts_with('~') && o->setting.value.starts_with('~');
    const std::string more = deny ? o->setting.value.substr(1) : o->setting.value;
    if ((" " + it->second + " ").find(" " + more + " ") == std::string::npos)
      it->second += " " + more;
  }
  std::string out;
  for (const auto& [key, value] : by_key) out += (out.empty() ? "" : ", ") + key + "=" + value;
  return out;
}

void kept_settings(std::ostream& out, const RunReport& report) {
  if (report.kept.empty()) {
    out << "\n# Nothing kept: every candidate broke the probe or was skipped.\n";
    return;
  }
  const DropinPlan plan = report::plan_dropin(report.unit_settings, report.kept);
  std::vector<std::string> groups;
  for (const auto& l : plan.lines) groups.push_back(l.from.front()->group);
  for (const auto& o : plan.omitted) groups.push_back(o.from->group);
  for (const auto& group : report::ordered_groups(groups)) {
    out << "\n# --- " << one_line(section_title(group)) << " ---\n";
    const DropinLine* previous = nullptr;
    for (const auto& line : plan.lines) {
      if (line.from.front()->group != group) continue;
      // Lines of one setting (IPAddressDeny= and IPAddressAllow=) share one comment; a repair's
      // grant gets its own.
      if (!previous || previous->from != line.from || line.from.size() > 1 ||
          repair_of(line) != repair_of(*previous))
        explain(out, line);
      out << line.setting.key << '=' << line.setting.value << '\n';
      previous = &line;
    }
    // Tested settings that need no line, by reason.
    std::vector<std::string> reasons;
    for (const auto& o : plan.omitted)
      if (o.from->group == group &&
          std::find(reasons.begin(), reasons.end(), o.because) == reasons.end())
        reasons.push_back(o.because);
    for (const auto& because : reasons) {
      std::vector<const report::OmittedSetting*> same;
      for (const auto& o : plan.omitted)
        if (o.from->group == group && o.because == because) same.push_back(&o);
      comment(out, "Not written, because " + because + ": " + omitted_names(same) + ".");
    }
  }
}

void rejected_and_skipped(std::ostream& out, const RunReport& report) {
  auto infeasible = [](const RejectedOption& r) {
    return r.verdict.kind == VerdictKind::kInfeasible;
  };
  auto rejected = [&](bool which) {
    for (const auto& r : report.rejected) {
      if (infeasible(r) != which) continue;
      auto label = report::setting_label(r.assignments, r.id, r.rung);
      // Only the reason a reader can act on; how the search narrowed it down is not theirs.
      if (r.why.starts_with("conflicts with ")) label += " (" + one_line(r.why) + ")";
      evidence(out, label + ": " + report::rejection_reason(r.verdict));
    }
  };
  if (std::any_of(report.rejected.begin(), report.rejected.end(), std::not_fn(infeasible))) {
    out << "\n# Left out: the service failed its probe with these.\n";
    rejected(false);
  }
  if (std::any_of(report.rejected.begin(), report.rejected.end(), infeasible)) {
    out << "\n# Left out, infeasible under this manager (a step it cannot carry out, not a need "
           "of\n# the service).\n";
    rejected(true);
  }
  if (!report.unenforced.empty()) {
    out << "\n# Not written: this manager accepts these but does not enforce them, so they would "
           "not\n# protect anything.\n";
    for (const auto& u : report.unenforced) evidence(out, u.id + ": " + u.reason);
  }
  if (!report.skipped.empty()) {
    out << "\n# Not tried:\n";
    for (const auto& s : report.skipped) evidence(out, s.id + ": " + s.reason);
  }
}

}  // namespace

std::string render_dropin_file(const RunReport& report, const DropinHeader& h) {
  std::ostringstream out;
  header(out, report, h);
  out << "[Service]\n";
  kept_settings(out, report);
  rejected_and_skipped(out, report);
  return out.str();
}

}  // namespace hb
