#pragma once

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
  void sync() override { ++syncs_; }

  // Test hooks: direct access to stored bytes (to corrupt them) and the sync count.
  std::vector<std::byte>& file(std::uint32_t id) { return files_[id]; }
  [[nodiscard]] int syncs() const { return syncs_; }

 private:
  std::size_t file_limit_;
  std::mutex mutex_;
  std::map<std::uint32_t, std::vector<std::byte>> files_;  // guarded by mutex_
  std::uint32_t current_ = 1;                              // guarded by mutex_
  int syncs_ = 0;
};

}  // namespace squeezefs::fs
