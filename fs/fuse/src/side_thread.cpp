#include "side_thread.h"

#include <utility>

namespace squeezefs::fs {

SideThread::SideThread() : thread_([this] { run(); }) {}

SideThread::~SideThread() {
  stop();
}

bool SideThread::stop(std::chrono::milliseconds grace) {
  std::unique_lock lock(mutex_);
  stopping_ = true;
  ready_.notify_all();
  return finished_.wait_for(lock, grace, [&] { return done_; });
}

void SideThread::stop() {
  {
    const std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  ready_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void SideThread::post(std::function<void()> task) {
  {
    const std::lock_guard lock(mutex_);
    if (!stopping_) {
      tasks_.push_back(std::move(task));
      ready_.notify_one();
      return;
    }
  }
  task();
}

void SideThread::run() {
  std::unique_lock lock(mutex_);
  for (;;) {
    ready_.wait(lock, [&] { return stopping_ || !tasks_.empty(); });
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
