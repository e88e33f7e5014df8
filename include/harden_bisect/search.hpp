// Group-testing search for the strongest set of candidates the service survives. Pure: all
// effects go through the Oracle.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "harden_bisect/oracle.hpp"

namespace hb {

// What the search needs to know about one option; rungs are tried strongest first.
struct SearchItem {
  std::string id;  // for messages only
  std::size_t rung_count = 1;
  double risk = 0.1;    // prior probability that the option breaks the service (0..1)
  double weight = 1.0;  // exposure weight; the least weight is dropped in a conflict
};

// Options whose risk is at least this are tested alone instead of in groups.
inline constexpr double kTestAloneRisk = 0.5;

// What watching the baseline copy said about an option: a prior that orders the search, never a
// verdict. A check is not a need (daemons probe CAP_SYS_ADMIN and fall back), and a use the
// trace missed is still found, by a failing group trial.
enum class Usage {
  kUnknown,  // not observable, or nothing was traced: ordered by risk
  kUnused,   // nothing it restricts was seen: leads the first group, with the other unused
  kUsed,     // something it restricts was seen: tested alone, whatever its risk
};

// Asked once, after a passing baseline: the usage of each search item (same order), or an empty
// vector when nothing was observed.
using UsageSource = std::function<std::vector<Usage>()>;

struct SearchOptions {
  int confirmations = 2;  // passes the final set must get in a row
  int retries = 1;        // re-runs of a failure before it is believed (never for kUnsupported, nor
                          // for a candidate the trace saw used)
  bool retry_all = false;  // also re-run failures that repeat (is_ambiguous() false), e.g. a
                           // copy that failed 218/CAPABILITIES or died of SIGSYS
};

struct Rejection {
  Candidate candidate;
  Verdict verdict;  // the trial that shows the candidate breaks the service
  std::string why;  // "fails alone", "conflicts with X in the final set", ...
};

// Oracle calls by purpose; they add up to SearchResult::trials.
struct TrialCounts {
  std::size_t baseline = 0;       // the copy with nothing added
  std::size_t search = 0;         // group tests and bisection steps
  std::size_t retries = 0;        // re-runs of failures before they were believed
  std::size_t confirmations = 0;  // runs of the final set
  std::size_t conflicts = 0;      // runs isolating a conflict in a final set that failed
};

struct SearchResult {
  bool baseline_passed = false;
  Verdict baseline;                 // verdict of the copy with nothing added
  CandidateSet kept;                // the final set (at most one rung per option)
  std::vector<Rejection> rejected;  // every rung that was rejected, strongest first per option
  bool confirmed = false;           // the final set passed `confirmations` times
  std::size_t trials = 0;           // oracle calls actually made (memo hits excluded)
  TrialCounts counts;               // `trials` split by purpose
};

// Asked before rung `next.rung` > 0 of an option is first tried, when its stronger rungs were
// all rejected, with every rejection of the search so far: whether to try it (false skips to
// the next rung). Repair rungs are derived here from the evidence of the failures, so they
// exist only once those failures are known; a repair with nothing to repair is skipped.
using RungGate = std::function<bool(Candidate next, const std::vector<Rejection>& rejected_so_far)>;

// Observer for progress output; called after every oracle call with the set and its verdict.
using TrialObserver = std::function<void(std::size_t trial, const CandidateSet&, const Verdict&)>;

// How many search trials the search may spend beyond one-at-a-time elimination (one trial per
// candidate rung it decides) for `option_count` options: 2*ceil(log2(option_count + 1)).
// Never zero: a search that first tests a group needs n + 1 trials when all n options break.
std::size_t search_overspend_limit(std::size_t option_count);

// Runs baseline, group testing over ladders, and confirmation with conflict resolution.
// Search trials never exceed one-at-a-time elimination by more than search_overspend_limit();
// retries, confirmations and conflict isolation come on top (see TrialCounts). With `usage`,
// each round's first group holds the unused candidates, followed by the unknown low-risk ones;
// used candidates are tested alone, like risky ones. With `gate`, a weaker rung the gate refuses
// is never tried (the option goes on to its next rung).
SearchResult run_search(const std::vector<SearchItem>& items, Oracle& oracle,
                        const SearchOptions& options, const TrialObserver& observer = {},
                        const UsageSource& usage = {}, const RungGate& gate = {});

}  // namespace hb
