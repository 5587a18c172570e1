#include "squeezefs/index/inode_cache.h"

namespace squeezefs::index {

void InodeCache::follow(std::uint64_t undo_count) {
  if (undo_count == undo_seen_) return;
  rows_.clear();
  undo_seen_ = undo_count;
}

const InodeRecord* InodeCache::find(std::uint64_t ino) const {
  const auto it = rows_.find(ino);
  return it == rows_.end() ? nullptr : &it->second;
}

void InodeCache::put(const InodeRecord& record) {
  if (rows_.size() >= kMaxRows && !rows_.contains(record.ino)) rows_.erase(rows_.begin());
  rows_.insert_or_assign(record.ino, record);
}

void InodeCache::erase(std::uint64_t ino) {
  rows_.erase(ino);
}

}  // namespace squeezefs::index
