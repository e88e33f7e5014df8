// The 81 assessors of systemd-analyze 252 (security_assessor_table[]), one row each.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "security_info.hpp"

namespace hb::exposure {

struct Assessor;
using Badness = std::optional<uint64_t>;  // nullopt = not applicable (analyze: UINT64_MAX)
using AssessFn = Badness (*)(const Assessor&, const SecurityInfo&);

struct Assessor {
  std::string_view id;          // "ProtectSystem="
  std::string_view json_field;  // "ProtectSystem"
  uint64_t weight = 0;
  uint64_t range = 1;
  AssessFn assess = nullptr;
  bool SecurityInfo::*flag = nullptr;      // the bool assess_bool reads
  uint64_t parameter = 0;                  // capability mask, CLONE_NEW* flag, or 1 = invert bool
  std::string_view syscall_group;          // for SystemCallFilter=~@group rows
  bool default_dependencies_only = false;  // N/A when DefaultDependencies=no
};

// All rows in analyze's order (the order of its JSON output before sorting).
std::span<const Assessor> assessors();

}  // namespace hb::exposure
