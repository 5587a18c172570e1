#include "squeezefs/fs/release_queue.h"

#include <utility>

namespace squeezefs::fs {

void ReleaseQueue::push(index::CommitTicket ticket, std::vector<index::BlockRef> blocks) {
  if (ticket.seq == 0 || blocks.empty()) return;
  const MutexLock lock(mutex_);
  waiting_.push_back(Waiting{ticket.seq, std::move(blocks)});
}

std::size_t ReleaseQueue::on_sync(const index::SyncResult& result) {
  std::vector<index::BlockRef> durable;
  std::size_t dropped = 0;
  {
    const MutexLock lock(mutex_);
    std::vector<Waiting> later;
    for (auto& entry : waiting_) {
      if (result.lost_commits) {
        dropped += entry.blocks.size();
      } else if (entry.seq <= result.durable_seq) {
        durable.insert(durable.end(), entry.blocks.begin(), entry.blocks.end());
      } else {
        later.push_back(std::move(entry));
      }
    }
    waiting_ = std::move(later);
  }
  if (!durable.empty()) releaser_(durable);
  return dropped;
}

bool ReleaseQueue::empty() {
  const MutexLock lock(mutex_);
  return waiting_.empty();
}

}  // namespace squeezefs::fs
