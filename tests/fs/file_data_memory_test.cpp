// FileData's dirty-memory accounting: buffers are charged at their capacity, blocks in flight
// stay charged until the committer is done with them, and writers wait at the cap.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core_fixtures.h"
#include "data_helpers.h"
#include "squeezefs/codecs/registry.h"
#include "squeezefs/fs/file_data.h"
#include "squeezefs/fs/memory_block_store.h"
#include "squeezefs/fs/namespace.h"

namespace squeezefs::fs {
namespace {

using namespace std::chrono_literals;

constexpr std::uint32_t kBlock = 4096;

// A store whose appends wait while the gate is closed, so blocks stay in flight.
class GatedStore final : public BlockStore {
 public:
  StoredLocation store(std::span<const std::byte> bytes) override {
    {
      std::unique_lock lock(mutex_);
      ++waiting_;
      cv_.wait(lock, [this] { return open_; });
      --waiting_;
    }
    return inner_.store(bytes);
  }
  bool load(const StoredLocation& location, std::span<std::byte> out) override {
    return inner_.load(location, out);
  }
  void sync() override { inner_.sync(); }

  void open() {
    {
      const std::lock_guard lock(mutex_);
      open_ = true;
    }
    cv_.notify_all();
  }
  int waiting() {
    const std::lock_guard lock(mutex_);
    return waiting_;
  }

 private:
  MemoryBlockStore inner_{1 << 20};
  std::mutex mutex_;
  std::condition_variable cv_;
  bool open_ = false;  // guarded by mutex_
  int waiting_ = 0;    // guarded by mutex_
};

class MemoryTest : public ::testing::Test, protected SqliteMetadataFixture {
 protected:
  MemoryTest() {
    for (int i = 0; i < 64; ++i) index_.add_data_file();
  }
  // A failed test may leave the gate closed: open it before data_ flushes at shutdown.
  ~MemoryTest() override { store_.open(); }

  std::uint64_t make_file(const std::string& name) {
    return ns_.mknod(Namespace::kRootIno, name, S_IFREG | 0644, 0, Caller{})->ino;
  }

  FileData& make_data(std::size_t dirty_cap) {
    data_ = new_data(dirty_cap);
    return *data_;
  }

  std::unique_ptr<FileData> new_data(std::size_t dirty_cap) {
    DataPathOptions options;
    options.dirty_bytes = dirty_cap;
    options.threads = 1;
    options.flush_age = std::chrono::hours(1);  // only writes, closes and the cap flush
    return std::make_unique<FileData>(
        index_, index_mutex_, io_, *codecs::find_codec(codecs::CodecId::kZstd), 1, kBlock, options);
  }

  Namespace ns_{*metadata_};
  GatedStore store_;
  BlockIo io_{store_};
  std::unique_ptr<FileData> data_;
};

// Opens the gate when a test leaves early, before the threads it started are joined.
struct GateOpener {
  GatedStore& store;
  ~GateOpener() { store.open(); }
};

TEST_F(MemoryTest, given_small_file_when_written_then_charged_its_buffer_not_a_block) {
  store_.open();
  auto& data = make_data(std::size_t{1} << 20);
  const auto ino = make_file("small");
  ASSERT_TRUE(data.write(ino, 0, text(100, 1)));
  EXPECT_GE(data.dirty_bytes(), 100U);
  EXPECT_LT(data.dirty_bytes(), kBlock);
  // Appends grow the buffer; the charge follows its capacity.
  ASSERT_TRUE(data.write(ino, 100, text(200, 2)));
  EXPECT_GE(data.dirty_bytes(), 300U);
  EXPECT_LT(data.dirty_bytes(), kBlock);
  ASSERT_TRUE(data.write(ino, 300, text(kBlock - 300, 3)));  // completes the block
  ASSERT_TRUE(data.write(ino, kBlock, text(10, 4)));
  ASSERT_TRUE(data.fsync(ino));
  EXPECT_EQ(data.dirty_bytes(), 0U);
  auto expected = text(100, 1);
  for (const auto& part : {text(200, 2), text(kBlock - 300, 3), text(10, 4)})
    expected.insert(expected.end(), part.begin(), part.end());
  EXPECT_EQ(*data.read(ino, 0, 2 * kBlock), expected);
  // A partial overwrite of a stored block needs the whole block.
  ASSERT_TRUE(data.write(ino, 5, text(3, 5)));
  EXPECT_EQ(data.dirty_bytes(), kBlock);
  ASSERT_TRUE(data.fsync(ino));
  EXPECT_EQ(data.dirty_bytes(), 0U);
}

TEST_F(MemoryTest, given_file_grown_past_its_buffer_when_committed_then_gap_reads_as_zeros) {
  store_.open();
  auto& data = make_data(std::size_t{1} << 20);
  const auto ino = make_file("grown");
  ASSERT_TRUE(data.write(ino, 10, text(20, 6)));
  ASSERT_TRUE(data.allocate(ino, 0, 3 * kBlock));  // block 0 is now whole, its buffer is not
  auto expected = std::vector<std::byte>(3 * kBlock);
  const auto written = text(20, 6);
  std::copy(written.begin(), written.end(), expected.begin() + 10);
  EXPECT_EQ(*data.read(ino, 0, 3 * kBlock), expected);
  ASSERT_TRUE(data.fsync(ino));
  EXPECT_EQ(data.dirty_bytes(), 0U);
  EXPECT_EQ(*data.read(ino, 0, 3 * kBlock), expected);
  auto fresh = new_data(std::size_t{1} << 20);
  EXPECT_EQ(*fresh->read(ino, 0, 3 * kBlock), expected);
}

TEST_F(MemoryTest, given_block_in_flight_when_not_yet_committed_then_still_charged) {
  auto& data = make_data(std::size_t{1} << 20);
  const auto ino = make_file("inflight");
  ASSERT_TRUE(data.write(ino, 0, text(kBlock, 7)));  // complete: handed to the pool at once
  ASSERT_TRUE(eventually([&] { return store_.waiting() == 1; }));
  // No longer dirty, not yet committed: its raw bytes are still held, and counted.
  EXPECT_EQ(data.dirty_bytes(), kBlock);
  store_.open();
  EXPECT_TRUE(eventually([&] { return data.dirty_bytes() == 0; }));
  EXPECT_EQ(*data.read(ino, 0, kBlock), text(kBlock, 7));
}

TEST_F(MemoryTest, given_blocks_stuck_in_flight_when_cap_reached_then_writer_waits) {
  constexpr unsigned kBlocks = 64;
  auto& data = make_data(8 * std::size_t{kBlock});
  const auto ino = make_file("held");
  std::atomic<unsigned> written{0};
  std::jthread writer([&] {
    for (unsigned b = 0; b < kBlocks; ++b) {
      ASSERT_TRUE(data.write(ino, std::uint64_t{b} * kBlock, text(kBlock, b)));
      ++written;
    }
  });
  const GateOpener opener{store_};
  // Nothing can commit while the store holds every append, so the writer must stop at the cap.
  ASSERT_TRUE(eventually([&] { return store_.waiting() == 1 && written > 0; }));
  std::this_thread::sleep_for(100ms);
  EXPECT_LT(written.load(), 8U);
  EXPECT_LE(data.dirty_bytes(), 8 * std::size_t{kBlock});
  store_.open();
  writer.join();
  EXPECT_EQ(written.load(), kBlocks);
  ASSERT_TRUE(data.fsync(ino));
  EXPECT_EQ(data.dirty_bytes(), 0U);
  for (unsigned b = 0; b < kBlocks; ++b)
    ASSERT_EQ(*data.read(ino, std::uint64_t{b} * kBlock, kBlock), text(kBlock, b)) << b;
}

}  // namespace
}  // namespace squeezefs::fs
