#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "squeezefs/common/mutex.h"
#include "squeezefs/index/index.h"
#include "squeezefs/index/metadata_store.h"

namespace squeezefs::index {

class GroupCommitter;

// How SqliteMetadataStore::open opens the index file.
enum class SqliteAccess {
  kReadWrite,
  // Read-only. A cleanly closed index (its WAL holds no commits) is opened immutable, which
  // writes and creates nothing; otherwise SQLite reads the WAL, which needs the index's directory
  // to be writable (for the WAL's -shm file): where it is not, open throws kNeedsRecovery.
  kReadOnly,
  // Immutable whatever the WAL holds (its commits are ignored); for read-only media.
  kImmutable,
};

struct SqliteOpenOptions {
  SqliteAccess access = SqliteAccess::kReadWrite;
  const char* vfs = nullptr;  // a registered SQLite VFS (tests inject faults); null: the default
  // Runs SQLite's quick_check before the store is used, so a damaged index is refused at once
  // instead of failing requests one by one (reads the whole file once).
  bool quick_check = true;
  // Durability::kGrouped by grouping commits in one SQLite transaction that a thread of the
  // store commits every 20 ms (and sync() at once), as a mounted file system wants. Without it
  // every commit is its own SQLite transaction (synchronous=NORMAL: durable at the next sync()).
  bool group_commit = false;
};

// MetadataStore over one SQLite index file (squeezefs::index::Index): one writer connection
// behind the writer mutex, which every read and transaction takes (reads must see the open
// group, which is an uncommitted SQLite transaction of that connection). A transaction is a
// SQLite transaction, or a savepoint of the open group under group commit; it is never rerun.
//
// Errors: FormatError (kNotAStore, kExists, kNewerFormat) and DamagedIndexError (kDamaged) from
// open and create; IndexError (kIo, kNoSpace, kDamaged) from everything else.
class SqliteMetadataStore final : public MetadataStore {
  struct PrivateTag {};

 public:
  static std::unique_ptr<SqliteMetadataStore> open(const std::string& path,
                                                   const SqliteOpenOptions& options = {});
  // Creates a new index at `path` (which must hold none: kExists otherwise) and opens it
  // read-write without group commit.
  static std::unique_ptr<SqliteMetadataStore> create(const std::string& path,
                                                     const StoreConfig& config,
                                                     const char* vfs = nullptr);

  SqliteMetadataStore(PrivateTag, Index index, std::string path, bool read_only, bool group_commit);
  SqliteMetadataStore(const SqliteMetadataStore&) = delete;
  SqliteMetadataStore& operator=(const SqliteMetadataStore&) = delete;
  // Stops the group committer and commits the open group (best effort, as a clean close).
  ~SqliteMetadataStore() override;

  [[nodiscard]] StoreConfig config() override;
  [[nodiscard]] bool read_only() const override { return read_only_; }
  [[nodiscard]] std::string describe() const override { return path_; }

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

  // The engine and its lock, for code not yet on the interface: callers hold `mutex` while they
  // use `index`, and never call this store while they hold it (the mutex is not recursive).
  // TODO(#16): removed once the core, check and maint use only the interface (steps 4-7)
  struct Legacy {
    Index& index;
    Mutex& mutex;
  };
  Legacy legacy() { return Legacy{index_, writer_}; }

 protected:
  void run_read(FunctionRef<void(MetadataReader&)> body) override;
  CommitTicket run_txn(FunctionRef<bool(MetadataTxn&)> body) override;

 private:
  // One tick of the group committer: group commits while there is room and durability allows,
  // and commits the open group.
  void commit_group(bool room) EXCLUDES(writer_);
  // Db::sync, with a group that SQLite dropped reported through SyncResult::lost_commits
  // instead of as an error.
  void sync_db() REQUIRES(writer_);

  const std::string path_;
  const bool read_only_;
  Mutex writer_;
  Index index_ GUARDED_BY(writer_);
  Durability durability_ GUARDED_BY(writer_) = Durability::kGrouped;
  std::uint64_t seq_ GUARDED_BY(writer_) = 0;            // of the last commit
  std::int64_t synced_changes_ GUARDED_BY(writer_) = 0;  // Db::total_changes at the last sync
  std::uint64_t lost_seen_ GUARDED_BY(writer_) = 0;      // Db::lost_groups at the last sync
  bool commit_failing_ GUARDED_BY(writer_) = false;      // logged once per failing spell
  std::unique_ptr<GroupCommitter> committer_;            // last: stops first
};

}  // namespace squeezefs::index
