#include "side_thread.h"

#include <utility>

namespace squeezefs::fs {

SideThread::SideThread() : thread_([this] { run(); }) {}

SideThread::~SideThread() {
  stop();
}

bool SideThread::stop(std::chrono::milliseconds grace) {
  MutexLock lock(mutex_);
  stopping_ = true;
  ready_.notify_all();
  const auto deadline = std::chrono::steady_clock::now() + grace;
  while (!done_) {
    if (finished_.wait_until(lock, deadline) == std::cv_status::timeout) return done_;
  }
  return true;
}

void SideThread::stop() {
  {
    const MutexLock lock(mutex_);
    stopping_ = true;
  }
  ready_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void SideThread::post(std::function<void()> task) {
  {
    const MutexLock lock(mutex_);
    if (!stopping_) {
      tasks_.push_back(std::move(task));
      ready_.notify_one();
      return;
    }
  }
  task();
}

void SideThread::run() {
  MutexLock lock(mutex_);
  for (;;) {
    while (!stopping_ && tasks_.empty()) ready_.wait(lock);
    if (tasks_.empty()) {  // stopping, and nothing left
      done_ = true;
      finished_.notify_all();
      return;
    }
    auto task = std::move(tasks_.front());
    tasks_.pop_front();
    lock.unlock();
    task();
    lock.lock();
  }
}

}  // namespace squeezefs::fs
