#pragma once

#include <atomic>
#include <cstddef>
#include <map>
#include <mutex>
#include <vector>

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
  std::vector<std::byte>& file(std::uint32_t id) { return files_[id]; }
  [[nodiscard]] int syncs() const { return syncs_; }
  void fail_syncs(bool fail) { fail_syncs_ = fail; }

 private:
  std::size_t file_limit_;
  std::mutex mutex_;
  std::map<std::uint32_t, std::vector<std::byte>> files_;  // guarded by mutex_
  std::uint32_t current_ = 1;                              // guarded by mutex_
  std::atomic<int> syncs_{0};
  std::atomic<bool> fail_syncs_{false};
};

}  // namespace squeezefs::fs
