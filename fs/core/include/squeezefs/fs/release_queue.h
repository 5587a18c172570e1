#pragma once

#include <cstddef>
#include <functional>
#include <span>
#include <vector>

#include "squeezefs/common/mutex.h"
#include "squeezefs/index/metadata_store.h"
#include "squeezefs/index/records.h"

namespace squeezefs::fs {

// Blocks that a metadata commit stopped referencing, held until that commit is durable. Giving
// their space back earlier would let a crash bring back a block map entry whose bytes are gone.
//
// push() after transact() returns (never inside a transaction body); on_sync() with what each
// MetadataStore::sync() reports. When a sync reports lost commits, some removals may be undone
// and their blocks still in use, so every waiting block is dropped instead (its space stays
// accounted for compaction to reclaim).
//
// Thread-safe. mutex_ is a leaf: the releaser runs after it is let go.
class ReleaseQueue {
 public:
  // Gives the space of blocks back (best effort); called from on_sync() without locks held.
  using Releaser = std::function<void(std::span<const index::BlockRef>)>;

  explicit ReleaseQueue(Releaser releaser) : releaser_(std::move(releaser)) {}

  // Queues `blocks`, freed by the commit `ticket` (seq 0: nothing committed, nothing queued).
  void push(index::CommitTicket ticket, std::vector<index::BlockRef> blocks);
  // Releases the blocks of commits up to result.durable_seq, or drops every waiting block when
  // result.lost_commits. Returns how many blocks were dropped.
  std::size_t on_sync(const index::SyncResult& result);
  [[nodiscard]] bool empty();

 private:
  struct Waiting {
    std::uint64_t seq;
    std::vector<index::BlockRef> blocks;
  };

  const Releaser releaser_;
  Mutex mutex_;
  std::vector<Waiting> waiting_ GUARDED_BY(mutex_);  // in push order, not necessarily seq order
};

}  // namespace squeezefs::fs
