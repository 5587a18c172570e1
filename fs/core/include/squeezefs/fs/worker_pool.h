#pragma once

#include <cstddef>
#include <deque>
#include <functional>
#include <thread>
#include <vector>

#include "squeezefs/common/mutex.h"

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

  void submit(std::function<void()> task) EXCLUDES(mutex_);
  // Blocks until the queue is empty and no task is running.
  void wait_idle() EXCLUDES(mutex_);
  [[nodiscard]] std::size_t size() const { return threads_.size(); }
  // Tasks queued or running.
  [[nodiscard]] std::size_t backlog() EXCLUDES(mutex_);

 private:
  void run() EXCLUDES(mutex_);

  Mutex mutex_;  // a leaf: tasks run without it
  CondVar work_cv_;
  CondVar idle_cv_;
  std::deque<std::function<void()>> queue_ GUARDED_BY(mutex_);
  std::size_t running_ GUARDED_BY(mutex_) = 0;
  bool stopping_ GUARDED_BY(mutex_) = false;
  std::vector<std::thread> threads_;  // fixed after construction: size() reads it without a lock
};

}  // namespace squeezefs::fs
