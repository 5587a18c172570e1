#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "squeezefs/common/mutex.h"
#include "squeezefs/common/storage_error.h"
#include "squeezefs/index/metadata_store.h"

namespace squeezefs::index {

struct MemoryTables;

// A MetadataStore in memory, for fast tests of the code above it. The tables sit behind one
// shared mutex: reads share it, a transaction holds it alone and changes the tables at once while
// it records how to undo each change, so a rollback is exact and reads inside it see its own
// writes. It enforces the rules SQLite's schema does (unique names, rows naming existing inodes
// and data files), so code that passes here does not fail on SQLite for breaking them.
//
// Knobs model what other backends do to their callers:
//   force_retries(n): the next n transaction bodies run twice, the first run rolled back (as a
//     server backend reruns a body after a conflict): proves that bodies are retry-safe;
//   fail_next_commits(n, kind): the next n commits fail with StorageError `kind` after their body
//     ran; under Durability::kGrouped each failure also drops every commit since the last sync,
//     as SQLite may drop its open group (the next sync() reports lost_commits);
//   crash(): a power cut: every commit since the last sync() is dropped (lost_commits follows);
//   commit_count(): commits so far, to make batching observable.
//
// Thread-safe, like every MetadataStore.
class MemoryMetadataStore final : public MetadataStore {
  struct PrivateTag {};

 public:
  explicit MemoryMetadataStore(const StoreConfig& config = {});
  MemoryMetadataStore(PrivateTag, std::unique_ptr<MemoryTables> tables, bool read_only);
  MemoryMetadataStore(const MemoryMetadataStore&) = delete;
  MemoryMetadataStore& operator=(const MemoryMetadataStore&) = delete;
  ~MemoryMetadataStore() override;

  // A new store over what this one holds: what reopening its storage after a clean close gives
  // (call crash() first to model a power cut instead).
  [[nodiscard]] std::unique_ptr<MemoryMetadataStore> reopened(bool read_only = false);

  void force_retries(int n);
  void fail_next_commits(int n, StorageErrc kind);
  void crash();
  [[nodiscard]] std::uint64_t commit_count();

  [[nodiscard]] StoreConfig config() override;
  [[nodiscard]] bool read_only() const override { return read_only_; }
  [[nodiscard]] std::string describe() const override { return "memory"; }

  SyncResult sync() override;
  [[nodiscard]] bool has_unsynced_changes() override;
  void set_durability(Durability durability) override;

  void for_each_block(FunctionRef<void(const StoredBlock&)> visit) override;
  [[nodiscard]] std::vector<StoredBlock> blocks_in_group(std::uint64_t group) override;
  [[nodiscard]] std::vector<InodeRecord> all_inodes() override;
  [[nodiscard]] std::vector<DirEntry> all_entries() override;
  [[nodiscard]] std::uint64_t block_count() override;
  [[nodiscard]] std::vector<std::string> check_own_consistency(CheckDepth depth) override;
  [[nodiscard]] std::vector<ForeignKeyViolation> foreign_key_violations() override;

 protected:
  void run_read(FunctionRef<void(MetadataReader&)> body) override;
  CommitTicket run_txn(FunctionRef<bool(MetadataTxn&)> body) override;

 private:
  struct Unsynced;
  // Drops every commit since the last sync (a power cut, or a lost group).
  void drop_unsynced() REQUIRES(mutex_);
  [[nodiscard]] std::vector<StoredBlock> sorted_blocks() REQUIRES_SHARED(mutex_);

  const bool read_only_;
  SharedMutex mutex_;
  std::unique_ptr<MemoryTables> tables_ GUARDED_BY(mutex_);
  // How to undo each commit since the last sync, oldest first (empty under kEachCommit).
  std::unique_ptr<Unsynced> unsynced_ GUARDED_BY(mutex_);
  Ino next_ino_ GUARDED_BY(mutex_) = 0;
  Durability durability_ GUARDED_BY(mutex_) = Durability::kGrouped;
  std::uint64_t seq_ GUARDED_BY(mutex_) = 0;
  std::uint64_t commits_since_sync_ GUARDED_BY(mutex_) = 0;
  bool lost_ GUARDED_BY(mutex_) = false;
  int retries_ GUARDED_BY(mutex_) = 0;
  int failures_ GUARDED_BY(mutex_) = 0;
  StorageErrc failure_kind_ GUARDED_BY(mutex_) = StorageErrc::kIo;
};

}  // namespace squeezefs::index
