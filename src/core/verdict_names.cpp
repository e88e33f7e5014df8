#include "harden_bisect/verdict.hpp"

namespace hb {

const char* to_string(VerdictKind kind) {
  switch (kind) {
    case VerdictKind::kPass:
      return "pass";
    case VerdictKind::kFail:
      return "fail";
    case VerdictKind::kHang:
      return "hang";
    case VerdictKind::kStartFailed:
      return "start-failed";
    case VerdictKind::kUnsupported:
      return "unsupported";
    case VerdictKind::kInfeasible:
      return "infeasible";
  }
  return "unknown";  // only for a value outside the enum, e.g. read from a corrupt file
}

}  // namespace hb
