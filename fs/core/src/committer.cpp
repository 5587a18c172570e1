#include "squeezefs/fs/committer.h"

#include <algorithm>
#include <exception>
#include <iterator>

#include "squeezefs/common/log.h"
#include "squeezefs/common/storage_error.h"

namespace squeezefs::fs {

Committer::Committer(CommitFn commit, std::size_t max_batch, std::chrono::milliseconds gather)
    : commit_(std::move(commit)), max_batch_(std::max<std::size_t>(1, max_batch)), gather_(gather) {
  thread_ = std::thread([this] { run(); });
}

Committer::~Committer() {
  {
    const MutexLock lock(mutex_);
    stopping_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void Committer::enqueue(EncodedBlock block) {
  bool wake = false;
  {
    const MutexLock lock(mutex_);
    queue_.push_back(std::move(block));
    // A gathering batch waits for its time, a full batch or a waiter, not for every block.
    wake = queue_.size() == 1 || queue_.size() >= max_batch_ || waiters_ > 0;
  }
  if (wake) cv_.notify_one();
}

Committer::Waiter::Waiter(Committer& committer) : committer_(committer) {
  {
    const MutexLock lock(committer_.mutex_);
    ++committer_.waiters_;
  }
  committer_.cv_.notify_one();  // a gathering batch commits now
}

Committer::Waiter::~Waiter() {
  const MutexLock lock(committer_.mutex_);
  --committer_.waiters_;
}

std::uint64_t Committer::batches() {
  const MutexLock lock(mutex_);
  return batches_;
}

void Committer::run() {
  MutexLock lock(mutex_);
  for (;;) {
    // Loops rather than wait predicates: the analysis cannot see that a predicate runs locked.
    while (!stopping_ && queue_.empty()) cv_.wait(lock);
    if (queue_.empty()) return;  // stopping with nothing left
    if (gather_.count() > 0) {
      const auto deadline = std::chrono::steady_clock::now() + gather_;
      while (!stopping_ && waiters_ == 0 && queue_.size() < max_batch_) {
        if (cv_.wait_until(lock, deadline) == std::cv_status::timeout) break;
      }
    }
    std::vector<EncodedBlock> batch;
    if (queue_.size() <= max_batch_) {
      batch.swap(queue_);
    } else {
      const auto cut = queue_.begin() + static_cast<std::ptrdiff_t>(max_batch_);
      batch.assign(std::make_move_iterator(queue_.begin()), std::make_move_iterator(cut));
      queue_.erase(queue_.begin(), cut);
    }
    lock.unlock();
    try {
      commit_(batch);
    } catch (const std::exception& e) {
      log().error("block commit failed: {}", log_text(e));
    }
    lock.lock();
    ++batches_;
  }
}

}  // namespace squeezefs::fs
