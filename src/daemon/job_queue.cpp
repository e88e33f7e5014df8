#include "job_queue.hpp"

#include <algorithm>
#include <set>

namespace hb::daemon {

void JobQueue::enqueue(std::uint32_t id, const std::string& unit) { queued_.push_back({id, unit}); }

std::vector<std::uint32_t> JobQueue::take_startable() {
  std::vector<std::uint32_t> started;
  std::set<std::string> busy;
  for (const auto& [id, unit] : running_) busy.insert(unit);
  for (auto it = queued_.begin(); it != queued_.end() && running_.size() < max_parallel_;) {
    if (busy.count(it->unit)) {
      ++it;
      continue;
    }
    busy.insert(it->unit);
    running_.emplace(it->id, it->unit);
    started.push_back(it->id);
    it = queued_.erase(it);
  }
  return started;
}

void JobQueue::finished(std::uint32_t id) { running_.erase(id); }

bool JobQueue::remove_queued(std::uint32_t id) {
  auto it =
      std::find_if(queued_.begin(), queued_.end(), [&](const Entry& e) { return e.id == id; });
  if (it == queued_.end()) return false;
  queued_.erase(it);
  return true;
}

bool JobQueue::is_queued(std::uint32_t id) const {
  return std::any_of(queued_.begin(), queued_.end(), [&](const Entry& e) { return e.id == id; });
}

}  // namespace hb::daemon
