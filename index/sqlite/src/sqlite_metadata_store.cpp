#include "squeezefs/index/sqlite/sqlite_metadata_store.h"

#include <unistd.h>

#include <filesystem>
#include <limits>
#include <utility>

#include "group_committer.h"
#include "index_txn.h"
#include "squeezefs/common/log.h"
#include "squeezefs/index/error.h"
#include "squeezefs/index/internal/reentry_guard.h"

namespace squeezefs::index {
namespace {

// True when the index's WAL holds frames, i.e. commits that may not be in the index file yet. A
// WAL that cannot be looked at might hold commits.
bool wal_has_frames(const std::string& path) {
  constexpr std::uintmax_t kWalHeaderBytes = 32;
  std::error_code ec;
  const auto size = std::filesystem::file_size(path + "-wal", ec);
  if (ec) return ec != std::errc::no_such_file_or_directory;
  return size > kWalHeaderBytes;
}

bool directory_writable(const std::string& path) {
  auto dir = std::filesystem::path(path).parent_path();
  if (dir.empty()) dir = ".";
  return ::access(dir.c_str(), W_OK) == 0;
}

DbAccess db_access(const std::string& path, SqliteAccess access) {
  switch (access) {
    case SqliteAccess::kReadWrite:
      return DbAccess::kReadWrite;
    case SqliteAccess::kImmutable:
      return DbAccess::kImmutable;
    case SqliteAccess::kReadOnly:
      break;
  }
  if (!wal_has_frames(path)) return DbAccess::kImmutable;
  if (!directory_writable(path)) {
    throw StorageError(StorageErrc::kNeedsRecovery,
                       path +
                           ": was not closed cleanly and cannot be written: its last changes "
                           "are still in " +
                           path + "-wal, and reading them needs a writable directory");
  }
  return DbAccess::kReadOnly;
}

}  // namespace

std::unique_ptr<SqliteMetadataStore> SqliteMetadataStore::open(const std::string& path,
                                                               const SqliteOpenOptions& options) {
  const DbAccess access = db_access(path, options.access);
  Index index = Index::open(path, options.vfs, access);
  if (options.quick_check) {
    if (auto problems = index.quick_check_problems(); !problems.empty())
      throw DamagedIndexError(path, std::move(problems));
  }
  const bool read_only = access != DbAccess::kReadWrite;
  return std::make_unique<SqliteMetadataStore>(PrivateTag{}, std::move(index), path, read_only,
                                               options.group_commit && !read_only);
}

std::unique_ptr<SqliteMetadataStore> SqliteMetadataStore::create(const std::string& path,
                                                                 const StoreConfig& config,
                                                                 const char* vfs) {
  return std::make_unique<SqliteMetadataStore>(PrivateTag{}, Index::create(path, config, vfs), path,
                                               false, false);
}

SqliteMetadataStore::SqliteMetadataStore(PrivateTag /*unused*/, Index index, std::string path,
                                         bool read_only, bool group_commit)
    : path_(std::move(path)), read_only_(read_only), index_(std::move(index)) {
  {
    const MutexLock lock(writer_);
    synced_changes_ = index_.db().total_changes();
  }
  if (group_commit) {
    auto dir = std::filesystem::path(path_).parent_path();
    if (dir.empty()) dir = ".";
    committer_ = std::make_unique<GroupCommitter>(dir, [this](bool room) { commit_group(room); });
  }
}

SqliteMetadataStore::~SqliteMetadataStore() {
  committer_.reset();
  // Db's destructor commits the open group.
}

void SqliteMetadataStore::commit_group(bool room) {
  const internal::ReentryGuard entered(this);
  const MutexLock lock(writer_);
  try {
    index_.db().set_group_commit(room && durability_ == Durability::kGrouped);
    index_.db().commit_group();
    if (commit_failing_) log().info("index commits work again");
    commit_failing_ = false;
  } catch (const std::exception& e) {
    // Logged once per failing spell; the next sync reports it to its caller.
    if (!commit_failing_) log().error("cannot commit index changes: {}", log_text(e));
    commit_failing_ = true;
  }
}

StoreConfig SqliteMetadataStore::config() {
  const internal::ReentryGuard entered(this);
  const MutexLock lock(writer_);
  return index_.config();
}

void SqliteMetadataStore::run_read(FunctionRef<void(MetadataReader&)> body) {
  const internal::ReentryGuard entered(this);
  const MutexLock lock(writer_);
  IndexTxn view(index_);
  body(view);
}

CommitTicket SqliteMetadataStore::run_txn(FunctionRef<bool(MetadataTxn&)> body) {
  if (read_only_)
    throw StorageError(StorageErrc::kReadOnly, path_ + ": the store is open read-only");
  const internal::ReentryGuard entered(this);
  const MutexLock lock(writer_);
  Txn txn(index_.db());
  IndexTxn view(index_);
  if (!body(view)) return {};  // the Txn rolls back
  txn.commit();
  return CommitTicket{++seq_};
}

void SqliteMetadataStore::sync_db() {
  // A group SQLite dropped is reported through lost_groups() (SyncResult::lost_commits), not as
  // the error Db::sync would throw for it; any other failure propagates.
  index_.db().acknowledge_lost_groups();
  index_.db().sync();
}

SyncResult SqliteMetadataStore::sync() {
  const internal::ReentryGuard entered(this);
  const MutexLock lock(writer_);
  if (read_only_) return SyncResult{seq_, false};
  sync_db();
  const std::uint64_t lost = index_.db().lost_groups();
  const SyncResult result{seq_, lost != lost_seen_};
  lost_seen_ = lost;
  synced_changes_ = index_.db().total_changes();
  return result;
}

bool SqliteMetadataStore::has_unsynced_changes() {
  if (read_only_) return false;
  const internal::ReentryGuard entered(this);
  const MutexLock lock(writer_);
  return index_.db().total_changes() != synced_changes_;
}

void SqliteMetadataStore::set_durability(Durability durability) {
  if (read_only_) return;
  const internal::ReentryGuard entered(this);
  const MutexLock lock(writer_);
  durability_ = durability;
  const bool each = durability == Durability::kEachCommit;
  // Turning group commit off commits the open group: SQLite refuses to change its safety level
  // inside a transaction (the committer groups again at its next tick under kGrouped). With
  // kEachCommit the WAL sync makes it durable too, so every commit so far is durable as every
  // later one will be.
  index_.db().set_group_commit(false);
  index_.set_durable_commits(each);
  if (each) {
    sync_db();
    synced_changes_ = index_.db().total_changes();
  }
}

void SqliteMetadataStore::for_each_block(FunctionRef<void(const StoredBlock&)> visit) {
  // Collected first, so `visit` runs without the writer mutex and may use the store.
  // TODO(#16): page through the block maps (by primary key) to bound the memory and lock hold.
  std::vector<StoredBlock> all;
  {
    const internal::ReentryGuard entered(this);
    const MutexLock lock(writer_);
    index_.for_each_stored_block([&](const StoredBlock& b) { all.push_back(b); });
  }
  for (const auto& b : all) visit(b);
}

std::vector<StoredBlock> SqliteMetadataStore::blocks_in_group(std::uint64_t group) {
  if (group > std::numeric_limits<std::uint32_t>::max()) return {};
  const internal::ReentryGuard entered(this);
  const MutexLock lock(writer_);
  return index_.blocks_in_data_file(static_cast<std::uint32_t>(group));
}

std::vector<InodeRecord> SqliteMetadataStore::all_inodes() {
  const internal::ReentryGuard entered(this);
  const MutexLock lock(writer_);
  return index_.all_inodes();
}

std::vector<DirEntry> SqliteMetadataStore::all_entries() {
  const internal::ReentryGuard entered(this);
  const MutexLock lock(writer_);
  return index_.all_entries();
}

std::uint64_t SqliteMetadataStore::block_count() {
  const internal::ReentryGuard entered(this);
  const MutexLock lock(writer_);
  return index_.block_count();
}

std::vector<std::string> SqliteMetadataStore::check_own_consistency(CheckDepth depth) {
  const internal::ReentryGuard entered(this);
  const MutexLock lock(writer_);
  return depth == CheckDepth::kQuick ? index_.quick_check_problems() : index_.integrity_problems();
}

std::vector<ForeignKeyViolation> SqliteMetadataStore::foreign_key_violations() {
  const internal::ReentryGuard entered(this);
  const MutexLock lock(writer_);
  return index_.foreign_key_violations();
}

}  // namespace squeezefs::index
