#include "squeezefs/index/sqlite/sqlite_metadata_store.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <thread>

#include "contracts/metadata_store_contract.h"
#include "squeezefs/index/error.h"
#include "squeezefs/index/testing/fault_vfs.h"

namespace squeezefs::index {
namespace {

namespace stdfs = std::filesystem;

// A unique temporary directory, removed at the end of the test.
class TempDir {
 public:
  TempDir() {
    std::string templ = (stdfs::temp_directory_path() / "squeezefs-meta-XXXXXX").string();
    path_ = mkdtemp(templ.data());
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() {
    std::error_code ec;
    stdfs::remove_all(path_, ec);
  }
  [[nodiscard]] std::string file(const char* name) const { return (path_ / name).string(); }

 private:
  stdfs::path path_;
};

// Runs `fn(Index&)` with the store's writer mutex held, as code not yet on the interface does.
template <class F>
void with_legacy(SqliteMetadataStore& store, F&& fn) {
  auto legacy = store.legacy();
  const MutexLock lock(legacy.mutex);
  fn(legacy.index);
}

void limit_growth(SqliteMetadataStore& store, bool limited) {
  with_legacy(store, [&](Index& index) {
    // SQLite refuses to grow the database past max_page_count with SQLITE_FULL; the smallest
    // accepted value is the current size.
    index.db().exec(limited ? "PRAGMA max_page_count = 1" : "PRAGMA max_page_count = 1073741823");
  });
}

// An index file behind a FaultVfs (power cuts and failing writes). `Grouped` runs it as a mounted
// file system does: every commit joins one open group, committed and synced by sync().
template <bool Grouped>
struct SqliteFileFactory {
  static constexpr bool kCanReopen = true;
  static constexpr bool kCanCrash = true;

  SqliteFileFactory() : vfs("squeezefs-meta-" + std::to_string(++serial), changes) {
    vfs.set_hook([this](testing::FaultOp op, const std::string&) {
      return !(failing_io && op == testing::FaultOp::kWrite);
    });
  }
  ~SqliteFileFactory() { store.reset(); }

  MetadataStore& make() {
    store.reset();
    std::error_code ec;
    for (const char* suffix : {"", "-wal", "-shm"}) stdfs::remove(path + suffix, ec);
    SqliteMetadataStore::create(path, StoreConfig{}, vfs.name()).reset();
    return open(false);
  }
  MetadataStore& reopen(bool read_only) {
    store.reset();
    return open(read_only);
  }
  MetadataStore& crash() {
    vfs.cut_power();
    store.reset();
    changes.revert({});
    vfs.power_on();
    return open(false);
  }
  bool start_failing(StorageErrc kind) {
    if (kind == StorageErrc::kNoSpace) {
      limit_growth(*store, true);
      return true;
    }
    // A failed write of a grouped commit shows at sync(), not at the transaction that made it.
    if (kind != StorageErrc::kIo || Grouped) return false;
    failing_io = true;
    return true;
  }
  void stop_failing() {
    if (failing_io) {
      failing_io = false;
      vfs.power_on();
    }
    limit_growth(*store, false);
  }
  bool lose_unsynced_commits() {
    if (!Grouped) return false;
    // What SQLite does to the open group after some full-disk or I/O errors.
    with_legacy(*store, [](Index& index) { index.db().exec("ROLLBACK"); });
    return true;
  }
  bool force_retries(int /*n*/) { return false; }

  MetadataStore& open(bool read_only) {
    SqliteOpenOptions options;
    options.vfs = vfs.name();
    options.access = read_only ? SqliteAccess::kReadOnly : SqliteAccess::kReadWrite;
    store = SqliteMetadataStore::open(path, options);
    if (Grouped && !read_only)
      with_legacy(*store, [](Index& index) { index.db().set_group_commit(true); });
    return *store;
  }

  static inline std::atomic<int> serial{0};
  TempDir dir;
  std::string path = dir.file("index.db");
  testing::UnsyncedChanges changes;
  testing::FaultVfs vfs;
  std::atomic<bool> failing_io{false};
  std::unique_ptr<SqliteMetadataStore> store;
};

// A private in-memory database: the contract without storage to reopen.
struct SqliteMemoryFactory {
  static constexpr bool kCanReopen = false;
  static constexpr bool kCanCrash = false;

  MetadataStore& make() {
    store = SqliteMetadataStore::create(":memory:", StoreConfig{});
    return *store;
  }
  MetadataStore& reopen(bool /*read_only*/) { return *store; }
  MetadataStore& crash() { return *store; }
  bool start_failing(StorageErrc kind) {
    if (kind != StorageErrc::kNoSpace) return false;
    limit_growth(*store, true);
    return true;
  }
  void stop_failing() { limit_growth(*store, false); }
  bool lose_unsynced_commits() { return false; }
  bool force_retries(int /*n*/) { return false; }

  std::unique_ptr<SqliteMetadataStore> store;
};

using SqliteStores =
    ::testing::Types<SqliteMemoryFactory, SqliteFileFactory<false>, SqliteFileFactory<true>>;
}  // namespace
namespace contract {
INSTANTIATE_TYPED_TEST_SUITE_P(Sqlite, MetadataStoreContract, SqliteStores);
}  // namespace contract
namespace {

// SQLite-specific behaviour: opening, the legacy bridge and the group committer.

StorageErrc open_failure(const std::string& path, SqliteAccess access = SqliteAccess::kReadWrite) {
  try {
    SqliteOpenOptions options;
    options.access = access;
    SqliteMetadataStore::open(path, options);
  } catch (const StorageError& e) {
    return e.kind();
  }
  ADD_FAILURE() << "opened " << path;
  return StorageErrc::kUnavailable;
}

TEST(SqliteMetadataStoreTest, given_no_index_or_another_file_when_opened_then_not_a_store) {
  const TempDir dir;
  EXPECT_EQ(open_failure(dir.file("missing.db")), StorageErrc::kNotAStore);
  EXPECT_FALSE(stdfs::exists(dir.file("missing.db")));
  std::ofstream(dir.file("text.db")) << "not a database at all, just some text";
  EXPECT_EQ(open_failure(dir.file("text.db")), StorageErrc::kNotAStore);
}

TEST(SqliteMetadataStoreTest, given_existing_index_when_created_again_then_exists) {
  const TempDir dir;
  SqliteMetadataStore::create(dir.file("index.db"), StoreConfig{}).reset();
  try {
    SqliteMetadataStore::create(dir.file("index.db"), StoreConfig{});
    ADD_FAILURE() << "created over an index";
  } catch (const StorageError& e) {
    EXPECT_EQ(e.kind(), StorageErrc::kExists);
  }
}

TEST(SqliteMetadataStoreTest, given_damaged_pages_when_opened_with_quick_check_then_damaged) {
  const TempDir dir;
  const auto path = dir.file("index.db");
  {
    auto store = SqliteMetadataStore::create(path, StoreConfig{});
    store->transact([](MetadataTxn& txn) {
      txn.insert_inode(contract::dir_record(contract::kRoot));
      for (int i = 0; i < 2000; ++i) {
        txn.add_entry(contract::kRoot, "entry-" + std::to_string(i),
                      txn.allocate_inode(contract::file_record()));
      }
    });
    store->sync();
  }
  {
    // Checkpointed into index.db on close; garbage over a page in the middle of the file.
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(8 * 4096);
    const std::string garbage(4096, '\x5a');
    f.write(garbage.data(), static_cast<std::streamsize>(garbage.size()));
  }
  try {
    SqliteMetadataStore::open(path);
    ADD_FAILURE() << "a damaged index opened";
  } catch (const DamagedIndexError& e) {
    EXPECT_EQ(e.kind(), StorageErrc::kDamaged);
    EXPECT_FALSE(e.problems().empty());
  }
}

TEST(SqliteMetadataStoreTest,
     given_clean_index_when_opened_read_only_then_immutable_and_unchanged) {
  const TempDir dir;
  const auto path = dir.file("index.db");
  SqliteMetadataStore::create(path, StoreConfig{}).reset();
  ASSERT_FALSE(stdfs::exists(path + "-wal"));
  SqliteOpenOptions options;
  options.access = SqliteAccess::kReadOnly;
  auto store = SqliteMetadataStore::open(path, options);
  EXPECT_TRUE(store->read_only());
  EXPECT_EQ(store->config(), StoreConfig{});
  EXPECT_FALSE(store->has_unsynced_changes());
  // Immutable: SQLite created no WAL or shared-memory file.
  EXPECT_FALSE(stdfs::exists(path + "-wal"));
  EXPECT_FALSE(stdfs::exists(path + "-shm"));
}

TEST(SqliteMetadataStoreTest, given_commits_in_the_wal_when_opened_read_only_then_they_are_read) {
  const TempDir dir;
  const auto path = dir.file("index.db");
  SqliteMetadataStore::create(path, StoreConfig{}).reset();
  // The writer stays open, so its commits stay in the WAL (a store not closed cleanly).
  auto writer = SqliteMetadataStore::open(path);
  writer->transact(
      [](MetadataTxn& txn) { txn.insert_inode(contract::dir_record(contract::kRoot)); });
  writer->sync();
  ASSERT_GT(stdfs::file_size(path + "-wal"), 32U);
  SqliteOpenOptions options;
  options.access = SqliteAccess::kReadOnly;
  auto reader = SqliteMetadataStore::open(path, options);
  // An immutable open would ignore the WAL and miss the inode.
  EXPECT_TRUE(reader->read([](MetadataReader& r) { return r.inode(contract::kRoot); }).has_value());
  EXPECT_THROW(reader->transact([](MetadataTxn& txn) { txn.set_default_codec(1, 1); }),
               StorageError);
}

TEST(SqliteMetadataStoreTest, given_each_commit_durability_then_commits_are_not_grouped) {
  const TempDir dir;
  const auto path = dir.file("index.db");
  SqliteMetadataStore::create(path, StoreConfig{}).reset();
  SqliteOpenOptions options;
  options.group_commit = true;
  auto store = SqliteMetadataStore::open(path, options);
  Db other(path);
  const auto count = [&] {
    Stmt& st = other.cached("SELECT COUNT(*) FROM inodes");
    st.step();
    const auto n = st.column_int64(0);
    st.reset();
    return n;
  };
  // Grouping is on once a commit is not at once seen by another connection (the committer
  // turns it on at its first tick).
  Ino made = 100;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  bool grouped = false;
  while (!grouped && std::chrono::steady_clock::now() < deadline) {
    store->transact([&](MetadataTxn& txn) { txn.insert_inode(contract::dir_record(++made)); });
    grouped = count() < static_cast<std::int64_t>(made - 100);
  }
  ASSERT_TRUE(grouped);
  store->set_durability(Durability::kEachCommit);
  const auto before = static_cast<std::int64_t>(made - 100);
  EXPECT_EQ(count(), before);  // the open group was committed
  for (Ino ino = 1; ino <= 20; ++ino) {
    store->transact([&](MetadataTxn& txn) { txn.insert_inode(contract::dir_record(ino)); });
    // Committed on its own when transact returns, whatever the committer thread does.
    EXPECT_EQ(count(), before + static_cast<std::int64_t>(ino));
  }
}

TEST(SqliteMetadataStoreTest, given_legacy_writes_then_the_interface_sees_them) {
  auto store = SqliteMetadataStore::create(":memory:", StoreConfig{});
  with_legacy(*store, [](Index& index) { index.insert_inode(contract::dir_record(7)); });
  EXPECT_TRUE(store->read([](MetadataReader& r) { return r.inode(7); }).has_value());
}

TEST(SqliteMetadataStoreTest, given_group_commit_then_commits_reach_other_connections_unsynced) {
  const TempDir dir;
  const auto path = dir.file("index.db");
  SqliteMetadataStore::create(path, StoreConfig{}).reset();
  SqliteOpenOptions options;
  options.group_commit = true;
  auto store = SqliteMetadataStore::open(path, options);
  store->transact(
      [](MetadataTxn& txn) { txn.insert_inode(contract::dir_record(contract::kRoot)); });
  // The committer commits the group within a period or so; another connection then sees it.
  Db other(path);
  const auto seen = [&] {
    Stmt& st = other.cached("SELECT COUNT(*) FROM inodes");
    st.step();
    const bool found = st.column_int64(0) == 1;
    st.reset();
    return found;
  };
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (!seen() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  EXPECT_TRUE(seen());
  EXPECT_TRUE(store->has_unsynced_changes());
  EXPECT_FALSE(store->sync().lost_commits);
  EXPECT_FALSE(store->has_unsynced_changes());
}

}  // namespace
}  // namespace squeezefs::index
