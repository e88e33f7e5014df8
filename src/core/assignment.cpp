// assess(), effective_assignments() and apply_assignments(): one loop over merge units (an
// assignment, or all IPAddress* assignments together, since an allow entry only makes sense with
// its deny entry) that merges each unit onto the state of its setting.
#include <algorithm>
#include <map>

#include "assignment_model.hpp"

namespace hb {
namespace {

using assignment::Kind;
using assignment::Parsed;
using assignment::State;

bool is_ip(const Parsed& p) {
  return p.row->merge == Kind::kIpDeny || p.row->merge == Kind::kIpAllow;
}

// The state a unit merges into: IPAddressDeny and IPAddressAllow share one.
std::string group_of(const Parsed& p) { return is_ip(p) ? "IPAddress*" : std::string(p.row->key); }

// Merge units in merge order; IP assignments form one unit at the place of the first.
std::vector<std::vector<const Parsed*>> merge_units(const std::vector<Parsed>& parsed) {
  std::vector<std::vector<const Parsed*>> units;
  std::size_t ip_unit = SIZE_MAX;
  for (const auto& p : parsed) {
    if (!is_ip(p)) {
      units.push_back({&p});
    } else if (ip_unit == SIZE_MAX) {
      ip_unit = units.size();
      units.push_back({&p});
    } else {
      units[ip_unit].push_back(&p);
    }
  }
  return units;
}

struct MergeRun {
  std::map<std::string, State> states;  // by group, only groups that were touched
  std::vector<const Parsed*> kept;      // merged assignments, in merge order
  Applicability verdict = Applicability::kAlreadySatisfied;  // of the whole list
  std::string bad_baseline;  // a baseline property of the wrong type
};

// Merges every unit that strengthens its state; the others are left out.
MergeRun run_merge(const PropertyList& baseline, const std::vector<Parsed>& parsed) {
  MergeRun run;
  for (const auto& unit : merge_units(parsed)) {
    const std::string group = group_of(*unit.front());
    auto it = run.states.find(group);
    if (it == run.states.end()) {
      auto state = assignment::read_state(baseline, *unit.front()->row);
      if (!state) {
        run.bad_baseline = std::string(unit.front()->row->key);
        run.verdict = Applicability::kWouldWeaken;
        continue;
      }
      it = run.states.emplace(group, std::move(*state)).first;
    }
    State next = it->second;
    const auto effect = assignment::classify(assignment::merge(next, unit));
    if (effect == Applicability::kStrengthens) {
      it->second = std::move(next);
      run.kept.insert(run.kept.end(), unit.begin(), unit.end());
      if (run.verdict == Applicability::kAlreadySatisfied) run.verdict = effect;
    } else if (effect == Applicability::kWouldWeaken) {
      run.verdict = effect;
    }
  }
  return run;
}

Result<std::vector<Parsed>> parse_in_merge_order(const std::vector<Assignment>& assignments) {
  std::vector<Parsed> parsed;
  for (const auto& a : assignment::in_merge_order(assignments)) {
    auto p = assignment::parse(a);
    if (!p) return p.error();
    parsed.push_back(std::move(*p));
  }
  return parsed;
}

// Sets every property `name` to `value` (the first keeps its place, later ones go), or appends.
void replace_property(PropertyList& list, const std::string& name, const PropertyValue& value) {
  auto first =
      std::find_if(list.begin(), list.end(), [&](const Property& p) { return p.name == name; });
  if (first == list.end()) {
    list.push_back({name, value});
    return;
  }
  first->value = value;
  list.erase(
      std::remove_if(first + 1, list.end(), [&](const Property& p) { return p.name == name; }),
      list.end());
}

// Adds (bas) entries after the baseline's own; a baseline without a filter loses its no-op
// entries so that ours fix the mode.
void add_filter_entries(PropertyList& list, const std::string& name, bool baseline_has_filter,
                        const std::vector<Assignment>& lines) {
  std::vector<Property> entries;
  for (const auto& line : lines) {
    auto p = assignment::parse(line);
    entries.push_back({name, NameList{p->allow, p->names}});
  }
  auto is_name = [&](const Property& p) { return p.name == name; };
  auto pos = list.end();
  if (baseline_has_filter) {
    auto last = std::find_if(list.rbegin(), list.rend(), is_name);
    pos = last.base();
  } else {
    auto first = std::find_if(list.begin(), list.end(), is_name);
    const auto offset = first - list.begin();
    list.erase(std::remove_if(list.begin(), list.end(), is_name), list.end());
    pos = list.begin() + std::min<std::ptrdiff_t>(offset, static_cast<std::ptrdiff_t>(list.size()));
  }
  list.insert(pos, entries.begin(), entries.end());
}

using FilterLines = std::vector<std::pair<std::string, std::vector<Assignment>>>;

std::vector<Assignment>& lines_of(FilterLines& all, const std::string& key) {
  auto it = std::find_if(all.begin(), all.end(), [&](const auto& kv) { return kv.first == key; });
  if (it != all.end()) return it->second;
  return all.emplace_back(key, std::vector<Assignment>{}).second;
}

}  // namespace

Applicability assess(const PropertyList& baseline, const std::vector<Assignment>& rung) {
  auto parsed = parse_in_merge_order(rung);
  if (!parsed) return Applicability::kWouldWeaken;
  return run_merge(baseline, *parsed).verdict;
}

std::vector<Assignment> effective_assignments(const PropertyList& baseline,
                                              const std::vector<Assignment>& added) {
  std::vector<Parsed> parsed;
  for (const auto& a : assignment::in_merge_order(added)) {
    if (auto p = assignment::parse(a)) parsed.push_back(std::move(*p));
  }
  std::vector<Assignment> out;
  for (const auto* p : run_merge(baseline, parsed).kept) out.push_back(p->source);
  return out;
}

Result<PropertyList> apply_assignments(const PropertyList& baseline,
                                       const std::vector<Assignment>& added) {
  auto parsed = parse_in_merge_order(added);
  if (!parsed) return parsed.error();
  const MergeRun run = run_merge(baseline, *parsed);
  if (!run.bad_baseline.empty()) {
    return Error{"the unit's " + run.bad_baseline + " property has an unexpected D-Bus type",
                 ErrorKind::kInternal};
  }
  FilterLines filter_lines;  // (bas) key -> kept assignments, keys in first-use order
  PropertyList out = baseline;
  for (const auto* p : run.kept) {
    const auto& state = run.states.at(group_of(*p));
    const std::string key(p->row->key);
    switch (p->row->merge) {
      case Kind::kSyscallFilter:
      case Kind::kAddressFamilies:
        lines_of(filter_lines, key).push_back(p->source);
        break;
      case Kind::kIpDeny:
      case Kind::kIpAllow:
        replace_property(out, key, p->row->merge == Kind::kIpDeny ? state.deny : state.allow);
        break;
      default:
        replace_property(out, key, state.value);
        break;
    }
  }
  for (const auto& [key, lines] : filter_lines) {
    const auto before = assignment::read_state(baseline, *assignment::find_row(key));
    add_filter_entries(out, key, before->filter.set, assignment::coalesce(lines));
  }
  return out;
}

std::string join_assignments(const std::vector<Assignment>& assignments) {
  std::string out;
  for (const auto& a : assignments) out += (out.empty() ? "" : " ") + a.key + "=" + a.value;
  return out;
}

}  // namespace hb
