// JournalReader over sd-journal: the copy's lines by invocation id, from the service itself
// (_SYSTEMD_INVOCATION_ID) and from the manager about it (INVOCATION_ID).
#include <systemd/sd-journal.h>

#include <deque>

#include "harden_bisect/sdbus_systemd_client.hpp"

namespace hb {
namespace {

class SdJournalReader final : public JournalReader {
 public:
  explicit SdJournalReader(std::string root) : root_(std::move(root)) {}

  std::vector<std::string> lines(const std::string& invocation_id, std::size_t max_lines) override {
    if (invocation_id.empty()) return {};
    sd_journal* j = nullptr;
    int r = root_.empty() ? sd_journal_open(&j, SD_JOURNAL_LOCAL_ONLY | SD_JOURNAL_SYSTEM)
                          : sd_journal_open_directory(&j, root_.c_str(), SD_JOURNAL_OS_ROOT);
    if (r < 0) return {};
    std::string own = "_SYSTEMD_INVOCATION_ID=" + invocation_id;
    std::string manager = "INVOCATION_ID=" + invocation_id;
    sd_journal_add_match(j, own.data(), own.size());
    sd_journal_add_disjunction(j);
    sd_journal_add_match(j, manager.data(), manager.size());
    std::deque<std::string> tail;
    SD_JOURNAL_FOREACH(j) {
      const void* data = nullptr;
      size_t length = 0;
      if (sd_journal_get_data(j, "MESSAGE", &data, &length) < 0) continue;
      std::string line(static_cast<const char*>(data) + 8, length - 8);  // skip "MESSAGE="
      tail.push_back(std::move(line));
      if (tail.size() > max_lines) tail.pop_front();
    }
    sd_journal_close(j);
    return {tail.begin(), tail.end()};
  }

 private:
  std::string root_;
};

}  // namespace

std::unique_ptr<JournalReader> open_journal(const std::string& root) {
  return std::make_unique<SdJournalReader>(root);
}

}  // namespace hb
