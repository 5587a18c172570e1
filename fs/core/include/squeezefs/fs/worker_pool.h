#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace squeezefs::fs {

// A fixed set of threads running queued tasks in FIFO order: block compression and readahead
// decodes, so codec work stays off the FUSE threads.
//
// Thread-safe. Tasks must not throw (an escaping exception is logged and dropped). The destructor
// runs every task already queued, then joins the threads.
class WorkerPool {
 public:
  // `threads` = 0 means one thread per core.
  explicit WorkerPool(unsigned threads = 0);
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;
  ~WorkerPool();

  void submit(std::function<void()> task);
  // Blocks until the queue is empty and no task is running.
  void wait_idle();
  [[nodiscard]] std::size_t size() const { return threads_.size(); }
  // Tasks queued or running.
  [[nodiscard]] std::size_t backlog();

 private:
  void run();

  std::mutex mutex_;  // a leaf: tasks run without it
  std::condition_variable work_cv_;
  std::condition_variable idle_cv_;
  std::deque<std::function<void()>> queue_;  // guarded by mutex_
  std::size_t running_ = 0;                  // guarded by mutex_
  bool stopping_ = false;                    // guarded by mutex_
  std::vector<std::thread> threads_;
};

}  // namespace squeezefs::fs
