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
    const std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void Committer::enqueue(EncodedBlock block) {
  bool wake = false;
  {
    const std::lock_guard lock(mutex_);
    queue_.push_back(std::move(block));
    // A gathering batch waits for its time, a full batch or a waiter, not for every block.
    wake = queue_.size() == 1 || queue_.size() >= max_batch_ || waiters_ > 0;
  }
  if (wake) cv_.notify_one();
}

Committer::Waiter::Waiter(Committer& committer) : committer_(committer) {
  {
    const std::lock_guard lock(committer_.mutex_);
    ++committer_.waiters_;
  }
  committer_.cv_.notify_one();  // a gathering batch commits now
}

Committer::Waiter::~Waiter() {
  const std::lock_guard lock(committer_.mutex_);
  --committer_.waiters_;
}

std::uint64_t Committer::batches() {
  const std::lock_guard lock(mutex_);
  return batches_;
}

void Committer::run() {
  std::unique_lock lock(mutex_);
  for (;;) {
    cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) return;  // stopping with nothing left
    if (gather_.count() > 0) {
      cv_.wait_for(lock, gather_,
                   [this] { return stopping_ || waiters_ > 0 || queue_.size() >= max_batch_; });
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
