#include "squeezefs/fs/block_cache.h"

#include <algorithm>

namespace squeezefs::fs {

void BlockCache::insert_locked(const CacheKey& key, Block block) {
  if (auto it = entries_.find(key); it != entries_.end()) {
    bytes_ -= it->second->block->capacity();
    lru_.erase(it->second);
    entries_.erase(it);
  }
  const std::size_t size = block->capacity();
  if (size > capacity_) return;  // would evict everything and still not fit
  lru_.push_front(Entry{key, std::move(block)});
  entries_.emplace(key, lru_.begin());
  bytes_ += size;
  while (bytes_ > capacity_) {
    const Entry& victim = lru_.back();
    bytes_ -= victim.block->capacity();
    entries_.erase(victim.key);
    lru_.pop_back();
  }
}

Result<BlockCache::Block> BlockCache::get(const CacheKey& key, const Loader& load) {
  std::shared_ptr<Flight> flight;
  {
    MutexLock lock(mutex_);
    if (auto it = entries_.find(key); it != entries_.end()) {
      lru_.splice(lru_.begin(), lru_, it->second);
      return it->second->block;
    }
    if (auto it = flights_.find(key); it != flights_.end()) {
      // Someone is decoding this block: wait for their result instead of decoding it again.
      auto shared = it->second;
      while (!shared->done) flight_cv_.wait(lock);
      return *shared->result;
    }
    flight = std::make_shared<Flight>();
    flights_.emplace(key, flight);
    ++loads_;
    if (auto it = std::find(dropped_.begin(), dropped_.end(), key); it != dropped_.end()) {
      dropped_.erase(it);  // wanted again
    }
  }
  const auto finish = [&](Result<Block> result) {
    const MutexLock lock(mutex_);
    if (result) insert_locked(key, *result);
    flight->result = std::move(result);
    flight->done = true;
    flights_.erase(key);
    flight_cv_.notify_all();
  };
  try {
    auto loaded = load();
    if (!loaded) {
      finish(Unexpected{loaded.error()});
    } else {
      finish(Block(std::make_shared<const std::vector<std::byte>>(std::move(*loaded))));
    }
  } catch (...) {
    finish(fail(std::errc::io_error));
    throw;
  }
  return *flight->result;
}

void BlockCache::put(const CacheKey& key, Block block) {
  const MutexLock lock(mutex_);
  insert_locked(key, std::move(block));
}

void BlockCache::prefetch(const CacheKey& key, const Loader& load) {
  {
    const MutexLock lock(mutex_);
    if (entries_.contains(key) || flights_.contains(key)) return;
    if (std::find(dropped_.begin(), dropped_.end(), key) != dropped_.end()) return;
  }
  (void)get(key, load);
}

void BlockCache::erase(const CacheKey& key) {
  const MutexLock lock(mutex_);
  if (auto it = entries_.find(key); it != entries_.end()) {
    bytes_ -= it->second->block->capacity();
    lru_.erase(it->second);
    entries_.erase(it);
  }
  dropped_.push_back(key);
  if (dropped_.size() > kDroppedMemory) dropped_.pop_front();
}

bool BlockCache::contains(const CacheKey& key) {
  const MutexLock lock(mutex_);
  return entries_.contains(key);
}

std::size_t BlockCache::bytes() {
  const MutexLock lock(mutex_);
  return bytes_;
}

std::uint64_t BlockCache::loads() {
  const MutexLock lock(mutex_);
  return loads_;
}

}  // namespace squeezefs::fs
