#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <list>
#include <memory>
#include <optional>
#include <unordered_map>
#include <vector>

#include "squeezefs/common/mutex.h"
#include "squeezefs/common/result.h"

namespace squeezefs::fs {

// Identifies a stored block by where its encoded bytes live. Data files are append-only, so a
// location never changes meaning: cached blocks need no invalidation when files are overwritten,
// truncated or removed (their new blocks get new locations).
struct CacheKey {
  std::uint32_t data_file = 0;
  std::uint64_t offset = 0;

  bool operator==(const CacheKey&) const = default;
};

struct CacheKeyHash {
  std::size_t operator()(const CacheKey& k) const noexcept {
    return std::hash<std::uint64_t>{}(k.offset * 0x9e3779b97f4a7c15ULL ^ k.data_file);
  }
};

// An LRU cache of decoded blocks, bounded by the bytes it holds, with single-flight loading:
// concurrent get()s of one missing block run the loader once and all receive its result.
//
// Thread-safe. The loader runs without the cache's lock. Blocks are shared immutable buffers; a
// caller may keep one after it was evicted (the cap counts only what the cache itself holds, at
// the blocks' capacity: the memory they occupy).
// Failed loads are not cached.
class BlockCache {
 public:
  using Block = std::shared_ptr<const std::vector<std::byte>>;
  using Loader = std::function<Result<std::vector<std::byte>>()>;

  explicit BlockCache(std::size_t capacity_bytes) : capacity_(capacity_bytes) {}

  // The cached block, or the result of `load` (run once per key however many threads ask).
  // Exceptions from `load` reach the thread that ran it; waiting threads get EIO.
  Result<Block> get(const CacheKey& key, const Loader& load);
  // Adds (or replaces) a block known by other means, e.g. one just written.
  void put(const CacheKey& key, Block block);
  // Loads the block like get() unless it is cached, being loaded, or was erase()d recently (a
  // readahead that arrives after its reader streamed past the block would decode it for nothing).
  void prefetch(const CacheKey& key, const Loader& load);
  // Drops a block (a reader streaming past it will not come back); holders keep their copy.
  void erase(const CacheKey& key);
  [[nodiscard]] bool contains(const CacheKey& key);
  [[nodiscard]] std::size_t bytes();
  [[nodiscard]] std::size_t capacity() const { return capacity_; }
  // Loader runs so far (misses that decoded).
  [[nodiscard]] std::uint64_t loads();

 private:
  struct Entry {
    CacheKey key;
    Block block;
  };
  // Written under the cache's mutex_; `result` is read without it only by the thread that set it.
  struct Flight {
    bool done = false;
    std::optional<Result<Block>> result;
  };

  static constexpr std::size_t kDroppedMemory = 256;

  void insert_locked(const CacheKey& key, Block block) REQUIRES(mutex_);

  const std::size_t capacity_;
  Mutex mutex_;  // a leaf: never held while loading
  CondVar flight_cv_;
  std::list<Entry> lru_ GUARDED_BY(mutex_);  // most recent first
  std::unordered_map<CacheKey, std::list<Entry>::iterator, CacheKeyHash> entries_
      GUARDED_BY(mutex_);
  std::unordered_map<CacheKey, std::shared_ptr<Flight>, CacheKeyHash> flights_ GUARDED_BY(mutex_);
  std::deque<CacheKey> dropped_ GUARDED_BY(mutex_);  // the last kDroppedMemory erased keys
  std::size_t bytes_ GUARDED_BY(mutex_) = 0;
  std::uint64_t loads_ GUARDED_BY(mutex_) = 0;
};

}  // namespace squeezefs::fs
