#include "squeezefs/index/memory/memory_metadata_store.h"

#include <algorithm>
#include <tuple>
#include <utility>

#include "memory_tables.h"
#include "squeezefs/index/internal/reentry_guard.h"

namespace squeezefs::index {

struct MemoryMetadataStore::Unsynced {
  std::vector<UndoLog> commits;
};

MemoryMetadataStore::MemoryMetadataStore(const StoreConfig& config)
    : MemoryMetadataStore(PrivateTag{}, std::make_unique<MemoryTables>(), false) {
  const WriterLock lock(mutex_);
  tables_->config = config;
}

MemoryMetadataStore::MemoryMetadataStore(PrivateTag /*unused*/,
                                         std::unique_ptr<MemoryTables> tables, bool read_only)
    : read_only_(read_only), tables_(std::move(tables)), unsynced_(std::make_unique<Unsynced>()) {}

MemoryMetadataStore::~MemoryMetadataStore() = default;

std::unique_ptr<MemoryMetadataStore> MemoryMetadataStore::reopened(bool read_only) {
  const internal::ReentryGuard entered(this);
  const ReaderLock lock(mutex_);
  return std::make_unique<MemoryMetadataStore>(PrivateTag{},
                                               std::make_unique<MemoryTables>(*tables_), read_only);
}

void MemoryMetadataStore::force_retries(int n) {
  const internal::ReentryGuard entered(this);
  const WriterLock lock(mutex_);
  retries_ = n;
}

void MemoryMetadataStore::fail_next_commits(int n, StorageErrc kind) {
  const internal::ReentryGuard entered(this);
  const WriterLock lock(mutex_);
  failures_ = n;
  failure_kind_ = kind;
}

void MemoryMetadataStore::crash() {
  const internal::ReentryGuard entered(this);
  const WriterLock lock(mutex_);
  drop_unsynced();
}

std::uint64_t MemoryMetadataStore::commit_count() {
  const internal::ReentryGuard entered(this);
  const ReaderLock lock(mutex_);
  return seq_;
}

void MemoryMetadataStore::drop_unsynced() {
  auto& commits = unsynced_->commits;
  for (auto it = commits.rbegin(); it != commits.rend(); ++it) roll_back(*tables_, *it);
  if (!commits.empty()) lost_ = true;
  commits.clear();
}

StoreConfig MemoryMetadataStore::config() {
  const internal::ReentryGuard entered(this);
  const ReaderLock lock(mutex_);
  return tables_->config;
}

void MemoryMetadataStore::run_read(FunctionRef<void(MetadataReader&)> body) {
  const internal::ReentryGuard entered(this);
  const ReaderLock lock(mutex_);
  Ino unused = 0;  // a read allocates nothing
  MemoryTxn view(*tables_, nullptr, unused);
  body(view);
}

CommitTicket MemoryMetadataStore::run_txn(FunctionRef<bool(MetadataTxn&)> body) {
  if (read_only_) throw StorageError(StorageErrc::kReadOnly, "the store is open read-only");
  const internal::ReentryGuard entered(this);
  const WriterLock lock(mutex_);
  int runs = 1;
  if (retries_ > 0) {
    --retries_;
    runs = 2;
  }
  for (int run = 1;; ++run) {
    UndoLog undo;
    MemoryTxn txn(*tables_, &undo, next_ino_);
    bool commit = false;
    try {
      commit = body(txn);
    } catch (...) {
      roll_back(*tables_, undo);
      throw;
    }
    if (!commit) {
      roll_back(*tables_, undo);
      return {};
    }
    if (run < runs) {
      roll_back(*tables_, undo);
      continue;
    }
    if (failures_ > 0) {
      --failures_;
      roll_back(*tables_, undo);
      if (durability_ == Durability::kGrouped) drop_unsynced();
      throw StorageError(failure_kind_, "the commit failed (injected)");
    }
    ++commits_since_sync_;
    if (durability_ == Durability::kGrouped) unsynced_->commits.push_back(std::move(undo));
    return CommitTicket{++seq_};
  }
}

SyncResult MemoryMetadataStore::sync() {
  const internal::ReentryGuard entered(this);
  const WriterLock lock(mutex_);
  const SyncResult result{seq_, lost_};
  lost_ = false;
  unsynced_->commits.clear();
  commits_since_sync_ = 0;
  return result;
}

bool MemoryMetadataStore::has_unsynced_changes() {
  const internal::ReentryGuard entered(this);
  const ReaderLock lock(mutex_);
  return commits_since_sync_ > 0;
}

void MemoryMetadataStore::set_durability(Durability durability) {
  const internal::ReentryGuard entered(this);
  const WriterLock lock(mutex_);
  durability_ = durability;
  // As SQLite: switching to durable commits makes the commits so far durable too.
  if (durability == Durability::kEachCommit) unsynced_->commits.clear();
}

std::vector<StoredBlock> MemoryMetadataStore::sorted_blocks() {
  std::vector<StoredBlock> out;
  for (const auto& [ino, map] : tables_->blocks) {
    for (const auto& [index, ref] : map) out.push_back(StoredBlock{ino, index, ref});
  }
  std::sort(out.begin(), out.end(), [](const StoredBlock& a, const StoredBlock& b) {
    return std::tie(a.ref.data_file, a.ref.offset, a.ino, a.block) <
           std::tie(b.ref.data_file, b.ref.offset, b.ino, b.block);
  });
  return out;
}

void MemoryMetadataStore::for_each_block(FunctionRef<void(const StoredBlock&)> visit) {
  std::vector<StoredBlock> all;
  {
    const internal::ReentryGuard entered(this);
    const ReaderLock lock(mutex_);
    all = sorted_blocks();
  }
  for (const auto& b : all) visit(b);
}

std::vector<StoredBlock> MemoryMetadataStore::blocks_in_group(std::uint64_t group) {
  const internal::ReentryGuard entered(this);
  const ReaderLock lock(mutex_);
  std::vector<StoredBlock> out;
  for (const auto& b : sorted_blocks()) {
    if (b.ref.data_file == group) out.push_back(b);
  }
  return out;
}

std::vector<InodeRecord> MemoryMetadataStore::all_inodes() {
  const internal::ReentryGuard entered(this);
  const ReaderLock lock(mutex_);
  std::vector<InodeRecord> out;
  for (const auto& [ino, rec] : tables_->inodes) out.push_back(rec);
  return out;
}

std::vector<DirEntry> MemoryMetadataStore::all_entries() {
  const internal::ReentryGuard entered(this);
  const ReaderLock lock(mutex_);
  std::vector<DirEntry> out;
  for (const auto& [id, e] : tables_->entries) out.push_back(e);
  return out;
}

std::uint64_t MemoryMetadataStore::block_count() {
  const internal::ReentryGuard entered(this);
  const ReaderLock lock(mutex_);
  std::uint64_t n = 0;
  for (const auto& [ino, map] : tables_->blocks) n += map.size();
  return n;
}

std::vector<std::string> MemoryMetadataStore::check_own_consistency(CheckDepth /*depth*/) {
  return {};  // nothing stored can be damaged: the rules are checked on every write
}

std::vector<ForeignKeyViolation> MemoryMetadataStore::foreign_key_violations() {
  return {};  // refused on every write
}

}  // namespace squeezefs::index
