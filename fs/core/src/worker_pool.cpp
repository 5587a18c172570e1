#include "squeezefs/fs/worker_pool.h"

#include <algorithm>
#include <exception>

#include "squeezefs/common/log.h"
#include "squeezefs/common/storage_error.h"

namespace squeezefs::fs {

WorkerPool::WorkerPool(unsigned threads) {
  if (threads == 0) threads = std::max(1U, std::thread::hardware_concurrency());
  threads_.reserve(threads);
  for (unsigned i = 0; i < threads; ++i) threads_.emplace_back([this] { run(); });
}

WorkerPool::~WorkerPool() {
  {
    const MutexLock lock(mutex_);
    stopping_ = true;
  }
  work_cv_.notify_all();
  for (auto& t : threads_) t.join();
}

void WorkerPool::submit(std::function<void()> task) {
  {
    const MutexLock lock(mutex_);
    queue_.push_back(std::move(task));
  }
  work_cv_.notify_one();
}

void WorkerPool::wait_idle() {
  MutexLock lock(mutex_);
  while (!queue_.empty() || running_ != 0) idle_cv_.wait(lock);
}

std::size_t WorkerPool::backlog() {
  const MutexLock lock(mutex_);
  return queue_.size() + running_;
}

void WorkerPool::run() {
  MutexLock lock(mutex_);
  for (;;) {
    while (!stopping_ && queue_.empty()) work_cv_.wait(lock);
    // Drain the queue before stopping so no accepted task is lost.
    if (queue_.empty()) return;
    auto task = std::move(queue_.front());
    queue_.pop_front();
    ++running_;
    lock.unlock();
    try {
      task();
    } catch (const std::exception& e) {
      log().error("worker task failed: {}", log_text(e));
    } catch (...) {
      log().error("worker task failed");
    }
    lock.lock();
    --running_;
    if (queue_.empty() && running_ == 0) idle_cv_.notify_all();
  }
}

}  // namespace squeezefs::fs
