#include "squeezefs/blockstore/local/local_block_store.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

#include <cerrno>
#include <system_error>

#include "contracts/block_store_contract.h"
#include "fs/blockstore/block_store_factories.h"
#include "squeezefs/blockstore/local/data_file_names.h"
#include "squeezefs/fs/file_block_store.h"

// What only the local store does: its file layout, rolling, hole punching, reading stores the old
// FileBlockStore wrote, and turning file errors into StorageError.
namespace squeezefs::blockstore::testing {
namespace {

namespace stdfs = std::filesystem;
using index::testing::PowerLoss;

// Bytes the file occupies on disk.
std::uint64_t allocated(const stdfs::path& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) throw std::system_error(errno, std::generic_category());
  return static_cast<std::uint64_t>(st.st_blocks) * 512;
}

class LocalBlockStoreTest : public ::testing::Test {
 protected:
  std::unique_ptr<LocalBlockStore> open(std::uint64_t file_limit = 1000,
                                        FileIo& io = posix_file_io()) {
    return std::make_unique<LocalBlockStore>(
        data(), ids_.source(), LocalBlockStoreOptions{file_limit, std::chrono::milliseconds(0)},
        io);
  }
  [[nodiscard]] stdfs::path data() const { return dir_.path() / "data"; }
  [[nodiscard]] stdfs::path file(std::uint64_t group) const {
    return data_file_path(data(), static_cast<std::uint32_t>(group));
  }

  TempDir dir_;
  CountingIds ids_;
};

TEST_F(LocalBlockStoreTest, given_blocks_when_put_then_packed_back_to_back_in_one_data_file) {
  auto store = open();
  const auto a = store->put(block_bytes(100, 1), BlockTag{});
  const auto b = store->put(block_bytes(7, 2), BlockTag{});
  EXPECT_EQ(a, (BlockAddress{1, 0, 100}));
  EXPECT_EQ(b, (BlockAddress{1, 100, 7}));  // no padding, no framing
  store->sync();
  EXPECT_TRUE(stdfs::exists(data() / "000001.dat"));
  EXPECT_EQ(stdfs::file_size(file(1)), 107U);
}

TEST_F(LocalBlockStoreTest, given_full_file_when_putting_then_rolls_to_a_new_file_at_offset_0) {
  auto store = open();
  const auto first = store->put(block_bytes(900, 1), BlockTag{});
  const auto second = store->put(block_bytes(200, 2), BlockTag{});
  EXPECT_EQ(second, (BlockAddress{2, 0, 200}));
  // A block larger than the limit still goes into one file, alone.
  const auto big = store->put(block_bytes(5000, 3), BlockTag{});
  EXPECT_EQ(big, (BlockAddress{3, 0, 5000}));
  EXPECT_EQ(read_block(*store, first), block_bytes(900, 1));
}

TEST_F(LocalBlockStoreTest,
       given_block_in_rolled_away_file_when_synced_then_it_survives_power_loss) {
  index::testing::UnsyncedChanges changes;
  squeezefs::testing::PowerLossFileIo io(changes, nullptr);
  auto store = open(1000, io);
  const auto first = store->put(block_bytes(900, 1), BlockTag{});
  const auto second = store->put(block_bytes(200, 2), BlockTag{});
  ASSERT_NE(first.group, second.group);
  store->sync();
  io.cut_power();
  store.reset();
  changes.revert(PowerLoss{});  // keeps nothing unsynced
  io.power_on();
  store = open(1000, io);
  EXPECT_EQ(read_block(*store, first), block_bytes(900, 1));
  EXPECT_EQ(read_block(*store, second), block_bytes(200, 2));
}

TEST_F(LocalBlockStoreTest, given_reopened_store_when_putting_then_a_new_file_starts) {
  auto store = open();
  const auto old = store->put(block_bytes(10, 1), BlockTag{});
  store->sync();
  store = open();
  // Never appended to a tail a crash may have torn.
  EXPECT_EQ(store->put(block_bytes(10, 2), BlockTag{}), (BlockAddress{2, 0, 10}));
  EXPECT_EQ(read_block(*store, old), block_bytes(10, 1));
}

TEST_F(LocalBlockStoreTest, given_id_handed_out_again_when_putting_then_old_bytes_are_kept) {
  const auto same_id = [] { return std::make_unique<ExternalIdSource>([] { return 7U; }); };
  BlockAddress first;
  {
    LocalBlockStore store(data(), same_id());
    first = store.put(block_bytes(50, 3), BlockTag{});
  }
  LocalBlockStore store(data(), same_id());
  EXPECT_EQ(store.put(block_bytes(20, 4), BlockTag{}), (BlockAddress{7, 50, 20}));
  EXPECT_EQ(read_block(store, first), block_bytes(50, 3));
}

TEST_F(LocalBlockStoreTest, given_removed_block_when_released_then_its_space_is_punched_out) {
  auto store = open(1U << 30);
  const auto before = store->put(block_bytes(64 * 1024, 1), BlockTag{});
  const auto removed = store->put(block_bytes(256 * 1024, 2), BlockTag{});
  const auto after = store->put(block_bytes(64 * 1024, 3), BlockTag{});
  store->sync();
  const auto full = allocated(file(removed.group));
  const ReleasedBlock released[] = {{removed, ReleaseReason::kRemoved}};
  store->release(released);
  EXPECT_LE(allocated(file(removed.group)) + 240 * 1024, full);
  EXPECT_EQ(stdfs::file_size(file(removed.group)), 384U * 1024);  // the size stays
  EXPECT_EQ(read_block(*store, removed), std::nullopt);
  EXPECT_EQ(read_block(*store, before), block_bytes(64 * 1024, 1));
  EXPECT_EQ(read_block(*store, after), block_bytes(64 * 1024, 3));
  const auto containers = store->compaction()->containers();
  ASSERT_EQ(containers.size(), 1U);
  EXPECT_EQ(containers[0].media_bytes, allocated(file(removed.group)));
  EXPECT_EQ(containers[0].live_bytes, 128U * 1024);
}

TEST_F(LocalBlockStoreTest, given_replaced_block_when_released_then_only_accounted) {
  auto store = open(1U << 30);
  const auto replaced = store->put(block_bytes(256 * 1024, 2), BlockTag{});
  const auto dead = store->put(block_bytes(256 * 1024, 3), BlockTag{});
  store->sync();
  const auto full = allocated(file(replaced.group));
  const ReleasedBlock released[] = {{replaced, ReleaseReason::kReplaced},
                                    {dead, ReleaseReason::kNeverReferenced}};
  store->release(released);
  EXPECT_EQ(allocated(file(replaced.group)), full);
  EXPECT_EQ(read_block(*store, replaced), block_bytes(256 * 1024, 2));
  EXPECT_EQ(store->compaction()->containers()[0].live_bytes, 0U);
}

TEST_F(LocalBlockStoreTest, given_unsynced_punch_when_power_fails_then_the_block_may_come_back) {
  // The power-loss layer models hole punching like a write of zeros: unsynced, it can be lost.
  index::testing::UnsyncedChanges changes;
  squeezefs::testing::PowerLossFileIo io(changes, nullptr);
  auto store = open(1U << 30, io);
  const auto address = store->put(block_bytes(8192, 1), BlockTag{});
  store->sync();
  const ReleasedBlock released[] = {{address, ReleaseReason::kRemoved}};
  store->release(released);
  ASSERT_EQ(read_block(*store, address), std::nullopt);
  io.cut_power();
  store.reset();
  changes.revert(PowerLoss{});
  io.power_on();
  store = open(1U << 30, io);
  EXPECT_EQ(read_block(*store, address), block_bytes(8192, 1));
}

TEST_F(LocalBlockStoreTest, given_store_written_by_file_block_store_when_read_then_same_bytes) {
  std::vector<std::pair<fs::StoredLocation, std::uint64_t>> written;
  std::uint32_t last_id = 0;
  {
    fs::FileBlockStore old(
        data(), [&] { return ++last_id; }, 1000);
    for (std::uint64_t i = 0; i < 10; ++i)
      written.emplace_back(old.store(block_bytes(300 + i, i)), i);
    old.sync();
  }
  ASSERT_GT(last_id, 2U);  // rolled over several files
  ids_.last = last_id;
  auto store = open();
  for (const auto& [location, seed] : written) {
    const BlockAddress address{location.data_file, location.offset, location.length};
    EXPECT_EQ(read_block(*store, address), block_bytes(location.length, seed));
  }
  // Its files count as containers, untrusted until the metadata says what is live in them.
  EXPECT_EQ(store->compaction()->containers().size(), last_id);
  EXPECT_FALSE(store->compaction()->accounting_trusted());
  EXPECT_EQ(store->put(block_bytes(10, 1), BlockTag{}).group, last_id + 1);
}

// A file layer whose writes and syncs fail with a chosen errno.
class FailingFileIo final : public FileIo {
 public:
  std::unique_ptr<IoFile> open(const stdfs::path& path, OpenMode mode) override {
    auto file = posix_file_io().open(path, mode);
    if (!file) return nullptr;
    return std::make_unique<File>(*this, std::move(file));
  }
  void sync_dir(const stdfs::path& dir) override { posix_file_io().sync_dir(dir); }
  void unlink(const stdfs::path& path) override { posix_file_io().unlink(path); }

  int error = 0;

 private:
  class File final : public IoFile {
   public:
    File(FailingFileIo& io, std::unique_ptr<IoFile> real) : io_(io), real_(std::move(real)) {}
    void pwrite(std::span<const std::byte> bytes, std::uint64_t offset) override {
      fail();
      real_->pwrite(bytes, offset);
    }
    std::size_t pread(std::span<std::byte> out, std::uint64_t offset) override {
      return real_->pread(out, offset);
    }
    void datasync() override {
      fail();
      real_->datasync();
    }
    std::uint64_t size() override { return real_->size(); }
    void truncate(std::uint64_t size) override { real_->truncate(size); }
    void punch_hole(std::uint64_t offset, std::uint64_t length) override {
      fail();
      real_->punch_hole(offset, length);
    }

   private:
    void fail() const {
      if (io_.error != 0) throw std::system_error(io_.error, std::generic_category(), "test");
    }
    FailingFileIo& io_;
    std::unique_ptr<IoFile> real_;
  };
};

StorageErrc error_of(const std::function<void()>& call) {
  try {
    call();
  } catch (const StorageError& e) {
    return e.kind();
  }
  ADD_FAILURE() << "no StorageError";
  return StorageErrc::kDamaged;
}

TEST_F(LocalBlockStoreTest, given_full_or_failing_disk_when_put_or_sync_then_storage_errors) {
  FailingFileIo io;
  auto store = open(1000, io);
  const auto kept = store->put(block_bytes(10, 1), BlockTag{});
  io.error = ENOSPC;
  EXPECT_EQ(error_of([&] { store->put(block_bytes(10, 2), BlockTag{}); }), StorageErrc::kNoSpace);
  EXPECT_EQ(error_of([&] { store->sync(); }), StorageErrc::kNoSpace);
  io.error = EDQUOT;
  EXPECT_EQ(error_of([&] { store->put(block_bytes(10, 2), BlockTag{}); }), StorageErrc::kNoSpace);
  io.error = EIO;
  EXPECT_EQ(error_of([&] { store->put(block_bytes(10, 2), BlockTag{}); }), StorageErrc::kIo);
  EXPECT_EQ(error_of([&] { store->sync(); }), StorageErrc::kIo);
  // Releasing is best effort: a failed punch is logged, not thrown.
  const ReleasedBlock released[] = {{kept, ReleaseReason::kRemoved}};
  EXPECT_NO_THROW(store->release(released));
  io.error = 0;
  store->sync();
  EXPECT_EQ(read_block(*store, kept), block_bytes(10, 1));
  // A failed put used no address: the next one takes its place in the file.
  EXPECT_EQ(store->put(block_bytes(10, 3), BlockTag{}), (BlockAddress{1, 10, 10}));
}

TEST_F(LocalBlockStoreTest, given_store_then_capacity_is_that_of_the_data_directory) {
  auto store = open();
  struct statvfs st {};
  ASSERT_EQ(::statvfs(data().c_str(), &st), 0);
  EXPECT_EQ(store->capacity().total_bytes, static_cast<std::uint64_t>(st.f_blocks) * st.f_frsize);
  EXPECT_NE(store->describe().find(data().string()), std::string::npos);
}

TEST_F(LocalBlockStoreTest, given_put_block_when_listing_blocks_then_refused_not_faked) {
  auto store = open();
  store->put(block_bytes(10, 1), BlockTag{});
  EXPECT_FALSE(store->lists_blocks());
  int visits = 0;
  EXPECT_THROW(store->for_each([&](const BlockAddress&, std::span<const std::byte>) { ++visits; }),
               std::logic_error);
  EXPECT_EQ(visits, 0);
}

TEST_F(LocalBlockStoreTest, given_retired_file_then_deleted_and_its_id_never_handed_out_again) {
  auto store = open();
  const auto old = store->put(block_bytes(900, 1), BlockTag{});
  store->compaction()->seal_active();
  const BlockAddress blocks[] = {old};
  const auto copied = store->compaction()->copy_out(old.group, blocks);
  ASSERT_EQ(copied.to.size(), 1U);
  store->compaction()->sync();
  const std::uint64_t groups[] = {old.group};
  store->compaction()->retire(groups);
  EXPECT_FALSE(stdfs::exists(file(old.group)));
  // Copies go to a file of their own, not to the one new puts go to.
  const auto next = store->put(block_bytes(10, 2), BlockTag{});
  EXPECT_NE(next.group, copied.to[0].group);
  EXPECT_GT(next.group, old.group);
}

}  // namespace
}  // namespace squeezefs::blockstore::testing
