#include "squeezefs/fs/store/open_store.h"

#include <gtest/gtest.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include <fstream>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "squeezefs/common/storage_error.h"
#include "squeezefs/fs/store_layout.h"
#include "temp_dir.h"

namespace squeezefs::fs::store {
namespace {

namespace stdfs = std::filesystem;

std::vector<std::byte> block_bytes(std::size_t size, std::uint8_t seed) {
  std::vector<std::byte> bytes(size);
  for (std::size_t i = 0; i < size; ++i) bytes[i] = std::byte(static_cast<std::uint8_t>(seed + i));
  bytes[0] = std::byte{0xA5};  // never all zero
  return bytes;
}

// Every regular file under `dir` with its contents.
std::map<std::string, std::string> snapshot(const stdfs::path& dir) {
  std::map<std::string, std::string> files;
  for (const auto& entry : stdfs::recursive_directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    std::ifstream in(entry.path(), std::ios::binary);
    files[entry.path().string()] = std::string(std::istreambuf_iterator<char>(in), {});
  }
  return files;
}

// The files that differ between two snapshots (added, removed or changed), by name: a failure
// names them instead of printing whole files.
std::vector<std::string> changed_files(const std::map<std::string, std::string>& before,
                                       const std::map<std::string, std::string>& after) {
  std::vector<std::string> changed;
  for (const auto& [name, bytes] : before) {
    const auto it = after.find(name);
    if (it == after.end() || it->second != bytes) changed.push_back(name);
  }
  for (const auto& [name, bytes] : after)
    if (before.count(name) == 0) changed.push_back(name);
  return changed;
}

// A read-only bind mount of `source` at `target`, removed by the destructor. ready() is false
// where bind mounts are not allowed (no CAP_SYS_ADMIN).
class ReadOnlyBind {
 public:
  ReadOnlyBind(const stdfs::path& source, stdfs::path target) : target_(std::move(target)) {
    stdfs::create_directory(target_);
    if (::mount(source.c_str(), target_.c_str(), nullptr, MS_BIND, nullptr) != 0) return;
    bound_ = true;
    ready_ =
        ::mount(nullptr, target_.c_str(), nullptr, MS_REMOUNT | MS_BIND | MS_RDONLY, nullptr) == 0;
  }
  ReadOnlyBind(const ReadOnlyBind&) = delete;
  ReadOnlyBind& operator=(const ReadOnlyBind&) = delete;
  ~ReadOnlyBind() {
    if (bound_) ::umount2(target_.c_str(), MNT_DETACH);
  }
  [[nodiscard]] bool ready() const { return ready_; }
  [[nodiscard]] const stdfs::path& path() const { return target_; }

 private:
  stdfs::path target_;
  bool bound_ = false;
  bool ready_ = false;
};

// The StorageError open_store throws, or a failure when it opens.
StorageError open_refusal(const StoreSpec& spec, const OpenOptions& options = {}) {
  try {
    open_store(spec, options);
    ADD_FAILURE() << "opened " << spec.metadata;
  } catch (const StorageError& e) {
    return e;
  }
  return StorageError(StorageErrc::kIo, "opened");
}

class OpenStoreTest : public ::testing::Test {
 protected:
  OpenStoreTest() : path_(dir_.path() / "store"), spec_(StoreSpec::parse(path_.string())) {}

  void create() {
    const auto created =
        create_store(spec_, index::StoreConfig{}, Caller{.uid = 1234, .gid = 5678});
    ASSERT_TRUE(created) << created.error().message();
  }

  // Adds `count` files to the root directory, so that the index spans many pages.
  void add_files(int count) {
    const auto store = open_store(spec_);
    store->metadata().transact([&](index::MetadataTxn& txn) {
      index::InodeRecord file;
      file.mode = S_IFREG | 0644;
      file.nlink = 1;
      for (int i = 0; i < count; ++i)
        txn.add_entry(1, "file-" + std::to_string(i), txn.allocate_inode(file));
    });
  }

  // A copy of the store taken while it is open with a commit in its index's WAL, as a crash
  // leaves it. Returns the copy's directory.
  stdfs::path crashed_copy() {
    const auto copy = dir_.path() / "crashed";
    const auto store = open_store(spec_);
    store->metadata().transact([](index::MetadataTxn& txn) {
      index::InodeRecord file;
      file.mode = S_IFREG | 0644;
      file.nlink = 1;
      txn.add_entry(1, "in-the-wal", txn.allocate_inode(file));
    });
    stdfs::copy(path_, copy, stdfs::copy_options::recursive);
    EXPECT_GT(stdfs::file_size(copy / "index.db-wal"), 32U) << "the copy holds a commit in its WAL";
    return copy;
  }

  TempDir dir_;
  stdfs::path path_;
  StoreSpec spec_;
};

TEST_F(OpenStoreTest, given_created_store_when_opened_then_root_directory_belongs_to_owner) {
  create();
  const auto store = open_store(spec_);
  const auto root = store->metadata().read([](index::MetadataReader& r) { return r.inode(1); });
  ASSERT_TRUE(root.has_value());
  EXPECT_TRUE(S_ISDIR(root->mode));
  EXPECT_EQ(root->mode & 07777, 0755U);
  EXPECT_EQ(root->uid, 1234U);
  EXPECT_EQ(root->gid, 5678U);
  EXPECT_EQ(root->nlink, 2U);
  EXPECT_EQ(store->name(), path_.string());
  EXPECT_EQ(store->runtime_dir(), path_);
  EXPECT_EQ(runtime_dir_of(spec_), path_);
}

TEST_F(OpenStoreTest, given_same_request_when_created_then_store_equals_what_make_store_makes) {
  index::StoreConfig config;
  config.block_size = 64 * 1024;
  config.default_codec = 3;
  config.codec_level = 5;
  const Caller owner{.uid = 1234, .gid = 5678};
  ASSERT_TRUE(create_store(spec_, config, owner));
  const auto old_path = dir_.path() / "old";
  ASSERT_TRUE(make_store(old_path, config, owner));

  const auto store = open_store(spec_);
  const auto old_store = open_store(StoreSpec::parse(old_path.string()));
  EXPECT_EQ(store->metadata().config(), config);
  EXPECT_EQ(old_store->metadata().config(), config);
  auto inodes = store->metadata().all_inodes();
  auto old_inodes = old_store->metadata().all_inodes();
  ASSERT_EQ(inodes.size(), 1U);
  ASSERT_EQ(old_inodes.size(), 1U);
  // Only the times differ: each store was made at its own moment.
  inodes[0].atime_ns = inodes[0].mtime_ns = inodes[0].ctime_ns = 0;
  old_inodes[0].atime_ns = old_inodes[0].mtime_ns = old_inodes[0].ctime_ns = 0;
  EXPECT_EQ(inodes[0], old_inodes[0]);
  EXPECT_TRUE(stdfs::is_directory(path_ / "data"));
}

TEST_F(OpenStoreTest, given_occupied_place_when_created_then_refused_as_make_store_does) {
  create();
  EXPECT_EQ(create_store(spec_, {}, Caller{}).error(), std::errc::file_exists);
  const auto full = dir_.path() / "full";
  stdfs::create_directories(full / "something");
  EXPECT_EQ(create_store(StoreSpec::parse(full.string()), {}, Caller{}).error(),
            std::errc::directory_not_empty);
  const auto file = dir_.path() / "file";
  std::ofstream(file) << "x";
  EXPECT_EQ(create_store(StoreSpec::parse(file.string()), {}, Caller{}).error(),
            std::errc::not_a_directory);
}

TEST_F(OpenStoreTest, given_block_and_transaction_when_closed_and_reopened_then_both_survive) {
  create();
  const auto bytes = block_bytes(3000, 7);
  {
    const auto store = open_store(spec_);
    const auto address = store->blocks().put(bytes, BlockTag{});
    store->blocks().sync();
    index::BlockRef ref;
    ref.raw_length = static_cast<std::uint32_t>(bytes.size());
    ref.stored_length = address.length;
    ref.data_file = static_cast<std::uint32_t>(address.group);
    ref.offset = address.offset;
    store->metadata().transact([&](index::MetadataTxn& txn) {
      index::InodeRecord file;
      file.mode = S_IFREG | 0644;
      file.nlink = 1;
      const auto ino = txn.allocate_inode(file);
      txn.add_entry(1, "kept", ino);
      txn.put_block(ino, 0, ref);
    });
  }
  OpenOptions read_only;
  read_only.access = Access::kReadOnly;
  const auto store = open_store(spec_, read_only);
  const auto ref =
      store->metadata().read([](index::MetadataReader& r) -> std::optional<index::BlockRef> {
        const auto entry = r.lookup(1, "kept");
        return entry ? r.block(entry->child, 0) : std::nullopt;
      });
  ASSERT_TRUE(ref.has_value());
  std::vector<std::byte> out(ref->stored_length);
  ASSERT_EQ(store->blocks().get(BlockAddress{ref->data_file, ref->offset, ref->stored_length}, out),
            blockstore::GetStatus::kOk);
  EXPECT_EQ(out, bytes);
}

TEST_F(OpenStoreTest, given_read_only_open_when_read_and_closed_then_every_file_is_unchanged) {
  create();
  {
    const auto store = open_store(spec_);
    store->blocks().put(block_bytes(500, 3), BlockTag{});
    store->blocks().sync();
  }
  add_files(10);
  const auto before = snapshot(path_);
  {
    OpenOptions read_only;
    read_only.access = Access::kReadOnly;
    const auto store = open_store(spec_, read_only);
    EXPECT_TRUE(store->metadata().read_only());
    EXPECT_EQ(store->metadata().all_entries().size(), 10U);
    EXPECT_THROW(
        store->metadata().transact([](index::MetadataTxn& txn) { txn.remove_entry(1, "file-0"); }),
        StorageError);
  }
  EXPECT_EQ(changed_files(before, snapshot(path_)), std::vector<std::string>{});
}

TEST_F(OpenStoreTest, given_unclean_store_when_opened_read_only_then_its_wal_is_read) {
  create();
  const auto copy = crashed_copy();
  OpenOptions read_only;
  read_only.access = Access::kReadOnly;
  const auto store = open_store(StoreSpec::parse(copy.string()), read_only);
  const auto entry =
      store->metadata().read([](index::MetadataReader& r) { return r.lookup(1, "in-the-wal"); });
  EXPECT_TRUE(entry.has_value());
}

TEST_F(OpenStoreTest, given_unclean_store_on_read_only_media_when_opened_read_only_then_refused) {
  create();
  const ReadOnlyBind media(crashed_copy(), dir_.path() / "media");
  if (!media.ready()) GTEST_SKIP() << "read-only bind mounts are not available";
  OpenOptions read_only;
  read_only.access = Access::kReadOnly;
  EXPECT_EQ(open_refusal(StoreSpec::parse(media.path().string()), read_only).kind(),
            StorageErrc::kNeedsRecovery);
}

TEST_F(OpenStoreTest, given_clean_store_on_read_only_media_when_opened_read_only_then_served) {
  create();
  add_files(3);
  const ReadOnlyBind media(path_, dir_.path() / "media");
  if (!media.ready()) GTEST_SKIP() << "read-only bind mounts are not available";
  OpenOptions read_only;
  read_only.access = Access::kReadOnly;
  const auto store = open_store(StoreSpec::parse(media.path().string()), read_only);
  EXPECT_EQ(store->metadata().all_entries().size(), 3U);
}

TEST_F(OpenStoreTest, given_open_store_when_opened_again_then_refused_as_locked_until_closed) {
  create();
  {
    const auto first = open_store(spec_);
    EXPECT_EQ(open_refusal(spec_).kind(), StorageErrc::kLocked);
    OpenOptions read_only;
    read_only.access = Access::kReadOnly;
    EXPECT_EQ(open_refusal(spec_, read_only).kind(), StorageErrc::kLocked);

    // The wait callback hears of the holder and may stop the wait at once.
    int calls = 0;
    OpenOptions waiting;
    waiting.lock_wait = std::chrono::hours(1);
    waiting.on_lock_wait = [&](std::chrono::milliseconds) {
      ++calls;
      return false;
    };
    EXPECT_EQ(open_refusal(spec_, waiting).kind(), StorageErrc::kLocked);
    EXPECT_EQ(calls, 1);

    // It may refuse by throwing (mount names the mount point of a live mount so), and what it
    // throws reaches the caller unchanged.
    waiting.on_lock_wait = [](std::chrono::milliseconds) -> bool {
      throw std::system_error(std::make_error_code(std::errc::device_or_resource_busy),
                              "mounted at /mnt/x");
    };
    try {
      open_store(spec_, waiting);
      ADD_FAILURE() << "opened a locked store";
    } catch (const StorageError& e) {
      ADD_FAILURE() << "the callback's error was replaced: " << e.what();
    } catch (const std::system_error& e) {
      EXPECT_NE(std::string(e.what()).find("mounted at /mnt/x"), std::string::npos) << e.what();
    }
  }
  EXPECT_NO_THROW(open_store(spec_));
}

TEST_F(OpenStoreTest, given_no_store_there_when_opened_then_refused_as_not_a_store) {
  EXPECT_EQ(open_refusal(spec_).kind(), StorageErrc::kNotAStore);  // nothing there
  stdfs::create_directories(path_);
  EXPECT_EQ(open_refusal(spec_).kind(), StorageErrc::kNotAStore);  // an empty directory
  std::ofstream(path_ / "index.db") << "not an index at all, just some text";
  EXPECT_EQ(open_refusal(spec_).kind(), StorageErrc::kNotAStore);  // another file named index.db
  const auto file = dir_.path() / "file";
  std::ofstream(file) << "x";
  EXPECT_EQ(open_refusal(StoreSpec::parse(file.string())).kind(), StorageErrc::kNotAStore);
  EXPECT_EQ(open_refusal(StoreSpec{"xyz", "xyz://host/s", std::nullopt}).kind(),
            StorageErrc::kNotAStore);
}

TEST_F(OpenStoreTest, given_store_of_a_newer_format_when_opened_then_refused_as_newer) {
  create();
  // The format version is SQLite's user_version: 4 bytes, big-endian, at offset 60 of the
  // database header (the store was closed cleanly, so the header in index.db is current).
  std::fstream f(path_ / "index.db", std::ios::in | std::ios::out | std::ios::binary);
  unsigned char version[4] = {};
  f.seekg(60);
  f.read(reinterpret_cast<char*>(version), sizeof version);
  ASSERT_NE(version[3], 0xFF);
  ++version[3];
  f.seekp(60);
  f.write(reinterpret_cast<const char*>(version), sizeof version);
  f.close();
  EXPECT_EQ(open_refusal(spec_).kind(), StorageErrc::kNewerFormat);
}

TEST_F(OpenStoreTest, given_damaged_index_when_opened_then_refused_as_damaged_with_details) {
  create();
  add_files(2000);
  // Random bytes over the page in the middle of the index: an index of only inserts has no free
  // pages, so they land in rows of a table or an index, as in the damage test of mounted stores.
  constexpr std::uint64_t kPage = 4096;
  const auto index_path = path_ / "index.db";
  const auto pages = stdfs::file_size(index_path) / kPage;
  ASSERT_GE(pages, 16U) << "the index should span many pages";
  std::mt19937 random(11);
  std::string junk(kPage, '\0');
  for (auto& c : junk) c = static_cast<char>(random());
  {
    std::fstream f(index_path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(pages / 2 * kPage));
    f.write(junk.data(), static_cast<std::streamsize>(junk.size()));
  }
  const auto e = open_refusal(spec_);
  EXPECT_EQ(e.kind(), StorageErrc::kDamaged) << e.what();
  EXPECT_FALSE(e.details().empty()) << e.what();
  OpenOptions unchecked;
  unchecked.check = false;
  EXPECT_NO_THROW(open_store(spec_, unchecked)) << "without the check, damage is found later";
}

TEST_F(OpenStoreTest, given_small_data_file_limit_hook_when_blocks_put_then_each_starts_a_file) {
  create();
  OpenOptions options;
  options.hooks.data_file_limit = 4000;
  const auto store = open_store(spec_, options);
  const auto first = store->blocks().put(block_bytes(3000, 1), BlockTag{});
  const auto second = store->blocks().put(block_bytes(3000, 2), BlockTag{});
  EXPECT_NE(first.group, second.group);
  // The data files' ids come from the index's data_files table.
  const auto files =
      store->metadata().read([](index::MetadataReader& r) { return r.data_files(); });
  ASSERT_EQ(files.size(), 2U);
  EXPECT_EQ(files[0].id, first.group);
  EXPECT_EQ(files[1].id, second.group);
}

}  // namespace
}  // namespace squeezefs::fs::store
