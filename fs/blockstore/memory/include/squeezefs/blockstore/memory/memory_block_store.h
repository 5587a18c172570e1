#pragma once

#include <atomic>
#include <memory>
#include <optional>

#include "squeezefs/blockstore/block_store.h"
#include "squeezefs/common/storage_error.h"

namespace squeezefs::blockstore {

// A BlockStore in memory, for tests and benchmarks. Addresses are {group 0, offset = a counter,
// length}; each block is reclaimed on its own, so there is no compaction.
//
// The blocks live in a Media that outlives the store: a store opened again over the same media
// (reopen after a close, or after crash()) sees what the earlier one left, and the counter never
// goes back, so no address is handed out twice.
//
// Test knobs: failing puts and syncs, corrupting a block, a crash that loses unsynced blocks, and
// the number of syncs. Thread-safe.
class MemoryBlockStore final : public BlockStore {
 public:
  class Media;

  MemoryBlockStore();  // over new, empty media
  explicit MemoryBlockStore(std::shared_ptr<Media> media);
  ~MemoryBlockStore() override;

  BlockAddress put(std::span<const std::byte> bytes, const BlockTag& tag) override;
  [[nodiscard]] GetStatus get(const BlockAddress& address, std::span<std::byte> out) override;
  void sync() override;
  void release(std::span<const ReleasedBlock> blocks) override;
  [[nodiscard]] Capacity capacity() override;
  [[nodiscard]] std::string describe() const override { return "blocks in memory"; }
  [[nodiscard]] bool lists_blocks() const override { return true; }
  void for_each(FunctionRef<void(const BlockAddress&, std::span<const std::byte>)> visit) override;

  [[nodiscard]] const std::shared_ptr<Media>& media() const { return media_; }

  // While set, every put() (or sync()) throws StorageError of that kind and changes nothing;
  // std::nullopt makes them work again.
  void fail_puts(std::optional<StorageErrc> kind);
  void fail_syncs(std::optional<StorageErrc> kind);
  // Flips the bits of the block's first byte, as a medium that returns wrong data. Returns false
  // when no block is stored there.
  bool corrupt(const BlockAddress& address);
  // A power loss: every block put since the last sync() is gone. The store stays usable, as one
  // reopened afterwards.
  void crash();
  [[nodiscard]] int sync_count() const { return syncs_.load(); }

  // Space the media pretends to have (capacity()); 1 TiB unless set.
  void set_total_bytes(std::uint64_t total);

 private:
  std::shared_ptr<Media> media_;
  std::atomic<int> syncs_{0};
  std::atomic<int> fail_puts_{0};   // 0, or a StorageErrc
  std::atomic<int> fail_syncs_{0};  // 0, or a StorageErrc
};

}  // namespace squeezefs::blockstore
