#pragma once

#include <chrono>
#include <deque>
#include <functional>
#include <thread>

#include "squeezefs/common/mutex.h"

namespace squeezefs::fs {

// One thread, outside libfuse's worker pool, for request work that waits for other requests:
// an lseek that first has the kernel write back its dirty pages blocks until the WRITE requests
// of that writeback are served, which only the pool's threads can do. Run there, such waits hold
// no pool thread, so any number of them cannot starve the pool (whatever max_threads says).
//
// Thread-safe. stop() (or the destructor) runs the tasks still queued, then joins.
class SideThread {
 public:
  SideThread();
  SideThread(const SideThread&) = delete;
  SideThread& operator=(const SideThread&) = delete;
  ~SideThread();

  // Queues `task`; tasks run one at a time, in order. A task must not throw.
  void post(std::function<void()> task) EXCLUDES(mutex_);
  // Runs what is queued and ends the thread; later tasks run on the caller's thread. False when
  // the tasks have not ended within `grace`: the thread then goes on, and stop() waits for it.
  bool stop(std::chrono::milliseconds grace) EXCLUDES(mutex_);
  void stop() EXCLUDES(mutex_);

 private:
  void run() EXCLUDES(mutex_);

  Mutex mutex_;  // a leaf
  CondVar ready_;
  std::deque<std::function<void()>> tasks_ GUARDED_BY(mutex_);
  bool stopping_ GUARDED_BY(mutex_) = false;
  bool done_ GUARDED_BY(mutex_) = false;  // the thread has ended its loop
  CondVar finished_;
  std::thread thread_;
};

}  // namespace squeezefs::fs
