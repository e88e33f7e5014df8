// The usage table of a run: per capability, syscall group, address family and namespace, what
// the traced baseline copy did with it and whether a failing trial proved it needed.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace hb {

struct UsageRow {
  std::string name;            // "CAP_NET_BIND_SERVICE", "@privileged", "AF_INET", "user"
  bool held = false;           // capabilities: in the copy's bounding set; others: allowed
  std::size_t granted = 0;     // capabilities: checks answered yes; others: times used
  std::size_t denied = 0;      // capabilities: checks answered no
  bool proven_needed = false;  // a trial that took it away failed (and was believed)
  bool checked() const { return granted + denied > 0; }
};

struct UsageTable {
  bool traced = false;  // false: `note` says why there are no observations (nor priors)
  std::string note;     // one line for the report
  std::vector<UsageRow> capabilities;
  std::vector<UsageRow> syscall_groups;
  std::vector<UsageRow> address_families;
  std::vector<UsageRow> namespaces;
};

}  // namespace hb
