#pragma once

#include <atomic>
#include <cstddef>
#include <map>
#include <vector>

#include "squeezefs/common/mutex.h"
#include "squeezefs/fs/block_store.h"

namespace squeezefs::fs {

// An in-memory BlockStore for tests. Files roll over at `file_limit` bytes like the real store.
class MemoryBlockStore final : public BlockStore {
 public:
  explicit MemoryBlockStore(std::size_t file_limit = 1 << 20) : file_limit_(file_limit) {}

  StoredLocation store(std::span<const std::byte> bytes) override;
  [[nodiscard]] bool load(const StoredLocation& location, std::span<std::byte> out) override;
  void sync() override;

  // Test hooks: direct access to stored bytes (to corrupt them), the sync count, and failing
  // syncs (each then throws EIO, as a failing disk's fdatasync would).
  // The reference outlives the lock: use it only while no store() or load() runs.
  std::vector<std::byte>& file(std::uint32_t id) EXCLUDES(mutex_) {
    const MutexLock lock(mutex_);
    return files_[id];
  }
  [[nodiscard]] int syncs() const { return syncs_; }
  void fail_syncs(bool fail) { fail_syncs_ = fail; }

 private:
  std::size_t file_limit_;
  Mutex mutex_;
  std::map<std::uint32_t, std::vector<std::byte>> files_ GUARDED_BY(mutex_);
  std::uint32_t current_ GUARDED_BY(mutex_) = 1;
  std::atomic<int> syncs_{0};  // atomics: no lock
  std::atomic<bool> fail_syncs_{false};
};

}  // namespace squeezefs::fs
