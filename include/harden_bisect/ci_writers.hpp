// CI formats of plan outcomes, with the meaning build farms expect: one testcase per unit, red
// only for what needs a human (fails as shipped, above ceiling/threshold, regression); rejected
// options are the normal result of hardening and go to system-out. Pure rendering.
#pragma once

#include <string>
#include <vector>

#include "harden_bisect/unit_summary.hpp"

namespace hb {

// JUnit XML as Jenkins and GitLab read it: <testsuites> with one <testsuite name=`suite`>, one
// <testcase> per unit (classname "harden-bisect.system"/".user"). A failed unit has one
// <failure> (type = the first failure kind; the body lists all), an error unit one <error>, an
// unsupported unit <skipped>. Every unit's kept/rejected/skipped options go to <system-out>.
// The counts on both elements add up.
std::string render_junit(const std::vector<UnitSummary>& units, const std::string& suite,
                         const std::string& tool_version);

// SARIF 2.1.0: one rule per systemd-analyze row (the v252 table), one result per row still
// exposed after hardening, per unit (logical location = the unit). Units without a run have no
// results.
std::string render_sarif(const std::vector<UnitSummary>& units, const std::string& tool_version);

}  // namespace hb
