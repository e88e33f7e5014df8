// Which jobs may run now: at most one per unit (two runs on one unit would fight over its
// copies, lock and original), and at most `max_parallel` in all. Pure bookkeeping; the daemon
// starts and joins the threads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <vector>

namespace hb::daemon {

class JobQueue {
 public:
  explicit JobQueue(std::size_t max_parallel) : max_parallel_(max_parallel ? max_parallel : 1) {}

  // Adds a job at the end of the queue.
  void enqueue(std::uint32_t id, const std::string& unit);

  // Moves the jobs that may start now from queued to running, in submission order, and returns
  // them: a queued job starts when its unit has no running job and fewer than max_parallel run.
  // A job never overtakes an earlier one of its own unit.
  std::vector<std::uint32_t> take_startable();

  // A running job ended; its unit is free again.
  void finished(std::uint32_t id);

  // Removes a job that has not started; false when it is not queued.
  bool remove_queued(std::uint32_t id);

  bool is_queued(std::uint32_t id) const;
  bool is_running(std::uint32_t id) const { return running_.count(id) > 0; }
  std::size_t running() const { return running_.size(); }
  std::size_t queued() const { return queued_.size(); }
  bool idle() const { return running_.empty() && queued_.empty(); }
  std::size_t max_parallel() const { return max_parallel_; }

 private:
  struct Entry {
    std::uint32_t id;
    std::string unit;
  };
  std::size_t max_parallel_;
  std::deque<Entry> queued_;
  std::map<std::uint32_t, std::string> running_;  // id -> unit
};

}  // namespace hb::daemon
