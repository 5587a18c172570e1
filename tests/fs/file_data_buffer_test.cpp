// FileData's buffered data path: flush triggers, the dirty cap, the cache, readahead and a
// multi-threaded model check.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <random>
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

class BufferTest : public ::testing::Test, protected SqliteMetadataFixture {
 protected:
  BufferTest() {
    for (int i = 0; i < 64; ++i) index_.add_data_file();
  }

  std::uint64_t make_file(const std::string& name) {
    return ns_.mknod(Namespace::kRootIno, name, S_IFREG | 0644, 0, Caller{})->ino;
  }

  // Options under which only flush, fsync, release or memory pressure commit a partial block.
  static DataPathOptions kept_until_flushed() {
    DataPathOptions options;
    options.flush_age = std::chrono::hours(1);
    return options;
  }

  std::unique_ptr<FileData> make_data(DataPathOptions options) {
    return std::make_unique<FileData>(
        index_, index_mutex_, io_, *codecs::find_codec(codecs::CodecId::kZstd), 1, kBlock, options);
  }

  // A file of `blocks` blocks of text(seed), committed by a FileData of its own (so that the
  // caller's FileData starts with a cold cache).
  std::uint64_t make_stored_file(const std::string& name, std::size_t blocks, unsigned seed) {
    const auto ino = make_file(name);
    auto writer = make_data({});
    EXPECT_TRUE(writer->write(ino, 0, text(blocks * kBlock, seed)));
    EXPECT_TRUE(writer->fsync(ino));
    return ino;
  }

  // Whether `data` holds the decoded block `block` of `ino`.
  bool cached(FileData& data, std::uint64_t ino, std::uint64_t block) {
    index::BlockRef ref;
    {
      const std::lock_guard lock(index_mutex_);
      ref = *index_.block(ino, block);
    }
    return data.cache().contains(CacheKey{ref.data_file, ref.offset});
  }

  std::uint64_t stored(std::uint64_t ino) {
    const std::lock_guard lock(index_mutex_);
    return index_.stored_bytes(ino);
  }

  void expect_no_committed_bytes_past_the_end(std::uint64_t ino);

  // Live bytes of all data files must equal the bytes the block maps reference.
  void expect_accounting_matches(const std::vector<std::uint64_t>& inos) {
    const std::lock_guard lock(index_mutex_);
    std::uint64_t live = 0;
    for (const auto& f : index_.data_files()) live += f.live_bytes;
    std::uint64_t referenced = 0;
    for (const auto ino : inos) referenced += index_.stored_bytes(ino);
    EXPECT_EQ(live, referenced);
  }

  Namespace ns_{*metadata_};
  MemoryBlockStore store_{1 << 20};
  BlockIo io_{store_};
};

TEST_F(BufferTest, given_complete_block_when_written_then_compressed_without_flush) {
  auto data = make_data(kept_until_flushed());
  const auto ino = make_file("f");
  ASSERT_TRUE(data->write(ino, 0, text(kBlock + 100, 1)));
  EXPECT_TRUE(eventually([&] { return stored(ino) > 0; })) << "the complete block is stored";
  std::this_thread::sleep_for(50ms);
  {
    const std::lock_guard lock(index_mutex_);
    EXPECT_FALSE(index_.block(ino, 1)) << "the partial block waits for a trigger";
    EXPECT_EQ(index_.inode(ino)->size, kBlock) << "the stored size ends at the committed block";
  }
  EXPECT_EQ(data->usage(ino)->size, kBlock + 100U);
  ASSERT_TRUE(data->flush(ino));
  EXPECT_TRUE(eventually([&] {
    const std::lock_guard lock(index_mutex_);
    return index_.block(ino, 1).has_value();
  }));
  EXPECT_EQ(ns_.getattr(ino)->size, kBlock + 100U) << "with its last block, the whole size";
  EXPECT_EQ(*data->read(ino, 0, kBlock + 100), text(kBlock + 100, 1));
}

TEST_F(BufferTest, given_old_dirty_block_when_time_limit_passes_then_committed) {
  DataPathOptions options;
  options.flush_age = 40ms;
  auto data = make_data(options);
  const auto ino = make_file("f");
  ASSERT_TRUE(data->write(ino, 10, text(100, 2)));
  EXPECT_EQ(data->usage(ino)->size, 110U) << "the size is right at once";
  EXPECT_TRUE(eventually([&] { return stored(ino) > 0; }));
  EXPECT_EQ(ns_.getattr(ino)->size, 110U) << "the size reaches the index with the block";
  // The memory is returned just after the commit.
  EXPECT_TRUE(eventually([&] { return data->dirty_bytes() == 0; }));
}

TEST_F(BufferTest, given_last_block_punched_before_its_commit_when_fsynced_then_size_is_stored) {
  auto data = make_data(kept_until_flushed());
  const auto ino = make_file("f");
  ASSERT_TRUE(data->open(ino));
  ASSERT_TRUE(data->write(ino, 0, text(kBlock, 6)));
  ASSERT_TRUE(data->fsync(ino));
  // The new last block goes to the pool at once; the punch disowns it, so no commit may carry
  // the grown size to the index: fsync must.
  ASSERT_TRUE(data->write(ino, 2 * kBlock, text(kBlock, 7)));
  ASSERT_TRUE(data->punch_hole(ino, 2 * kBlock, kBlock));
  ASSERT_TRUE(data->fsync(ino));
  EXPECT_EQ(ns_.getattr(ino)->size, 3U * kBlock);
  auto expected = text(kBlock, 6);
  expected.resize(3 * kBlock);
  EXPECT_EQ(*data->read(ino, 0, 4 * kBlock), expected);
  {
    const std::lock_guard lock(index_mutex_);
    EXPECT_EQ(index_.blocks(ino, 0, UINT64_MAX).size(), 1U);
  }
  ASSERT_TRUE(data->release(ino));
  EXPECT_TRUE(eventually([&] { return data->dirty_bytes() == 0; }));
  expect_accounting_matches({ino});
}

TEST_F(BufferTest, given_open_file_when_released_then_everything_is_committed_without_a_wait) {
  auto data = make_data(kept_until_flushed());
  const auto ino = make_file("f");
  ASSERT_TRUE(data->open(ino));
  ASSERT_TRUE(data->write(ino, 0, text(3 * kBlock + 7, 3)));
  ASSERT_TRUE(data->release(ino));
  // Only the age limit (an hour) could flush the partial last block: release handed it over.
  EXPECT_TRUE(eventually([&] {
    const std::lock_guard lock(index_mutex_);
    return index_.blocks(ino, 0, UINT64_MAX).size() == 4U;
  }));
  EXPECT_TRUE(eventually([&] { return data->dirty_bytes() == 0; }));
  expect_accounting_matches({ino});
  EXPECT_EQ(*data->read(ino, 0, 3 * kBlock + 8), text(3 * kBlock + 7, 3));
}

TEST_F(BufferTest, given_blocks_in_flight_when_file_removed_then_a_new_file_never_gets_them) {
  DataPathOptions options;
  options.flush_age = std::chrono::hours(1);
  options.threads = 1;
  auto data = make_data(options);
  std::vector<std::uint64_t> kept;
  for (int round = 0; round < 20; ++round) {
    // The newest inode is removed at once, while its blocks may still be in flight; its number
    // must not name the next file.
    const auto gone = make_file("gone");
    ASSERT_TRUE(data->open(gone));
    ASSERT_TRUE(data->write(gone, 0, text(2 * kBlock + 9, 4)));
    ASSERT_TRUE(data->release(gone));
    ASSERT_TRUE(ns_.unlink(Namespace::kRootIno, "gone"));
    const auto ino = make_file("f" + std::to_string(round));
    EXPECT_GT(ino, gone);
    kept.push_back(ino);
    ASSERT_TRUE(data->open(ino));
    ASSERT_TRUE(data->write(ino, 0, text(5, 5)));
    ASSERT_TRUE(data->release(ino));
  }
  data->sync();
  EXPECT_EQ(data->dirty_bytes(), 0U);
  for (const auto ino : kept) {
    EXPECT_EQ(ns_.getattr(ino)->size, 5U);
    EXPECT_EQ(*data->read(ino, 0, 100), text(5, 5));
    const std::lock_guard lock(index_mutex_);
    EXPECT_EQ(index_.blocks(ino, 0, UINT64_MAX).size(), 1U) << "inode " << ino;
  }
  expect_accounting_matches(kept);
}

TEST_F(BufferTest,
       given_failing_data_file_sync_when_fsynced_then_error_and_its_bytes_counted_dead) {
  auto data = make_data(kept_until_flushed());
  const auto ino = make_file("f");
  store_.fail_syncs(true);  // before the write: its complete blocks are encoded at once
  ASSERT_TRUE(data->write(ino, 0, text(2 * kBlock + 300, 4)));
  const auto synced = data->fsync(ino);
  ASSERT_FALSE(synced);
  EXPECT_EQ(synced.error(), std::errc::io_error);
  store_.fail_syncs(false);
  // Nothing of the file was recorded, but its encoded blocks sit in the data files: counted as
  // written and freed, so every data file's total matches its size (compaction waits for that).
  EXPECT_EQ(stored(ino), 0U);
  const std::lock_guard lock(index_mutex_);
  std::uint64_t held = 0;
  for (const auto& f : index_.data_files()) {
    EXPECT_EQ(f.total_bytes, store_.file(f.id).size()) << "data file " << f.id;
    EXPECT_EQ(f.live_bytes, 0U) << "data file " << f.id;
    held += f.total_bytes;
  }
  EXPECT_GT(held, 0U) << "the blocks were written before the sync failed";
}

TEST_F(BufferTest, given_state_forgotten_while_attributes_are_read_then_the_read_keeps_it_alive) {
  // A state the file no longer needs leaves the map (forget_if_idle) while attribute replies
  // look at it: each must keep it alive until it has let go of its lock. Meaningful under the
  // sanitizers, which see a use after free (TSan saw one through readdirplus and release).
  auto data = make_data({});
  const auto ino = make_file("f");
  std::atomic<bool> stop{false};
  std::thread reader([&] {
    while (!stop) EXPECT_TRUE(data->stored_bytes(ino));
  });
  for (unsigned i = 0; i < 400; ++i) {
    ASSERT_TRUE(data->open(ino));
    ASSERT_TRUE(data->write(ino, 0, text(100, i)));
    ASSERT_TRUE(data->release(ino));
    ASSERT_TRUE(data->fsync(ino));
  }
  stop = true;
  reader.join();
  EXPECT_EQ(*data->read(ino, 0, 100), text(100, 399));
}

TEST_F(BufferTest, given_huge_read_size_when_reading_then_clamped_to_the_end) {
  auto data = make_data({});
  const auto ino = make_file("f");
  ASSERT_TRUE(data->write(ino, 0, text(kBlock + 9, 8)));
  const auto all = text(kBlock + 9, 8);
  EXPECT_EQ(*data->read(ino, 5, SIZE_MAX), std::vector<std::byte>(all.begin() + 5, all.end()));
}

TEST_F(BufferTest, given_committed_block_when_read_then_served_from_cache) {
  auto data = make_data({});
  const auto ino = make_file("f");
  ASSERT_TRUE(data->write(ino, 0, text(4 * kBlock, 4)));
  ASSERT_TRUE(data->fsync(ino));
  const auto loads = data->cache().loads();
  EXPECT_EQ(*data->read(ino, 0, 4 * kBlock), text(4 * kBlock, 4));
  EXPECT_EQ(data->cache().loads(), loads) << "blocks just written are cached decoded";
}

TEST_F(BufferTest, given_sequential_reader_when_reading_then_next_blocks_are_decoded_ahead) {
  const auto ino = make_stored_file("f", 32, 5);
  DataPathOptions options;
  options.readahead_bytes = 8 * kBlock;
  auto data = make_data(options);  // a cold cache
  ASSERT_EQ(*data->read(ino, 0, kBlock), text(kBlock, 5));
  ASSERT_TRUE(data->read(ino, kBlock, kBlock));
  EXPECT_TRUE(eventually([&] { return cached(*data, ino, 4); }));
  EXPECT_EQ(*data->read(ino, 0, 32 * kBlock), text(32 * kBlock, 5));
}

TEST_F(BufferTest, given_reads_arriving_out_of_order_when_near_each_other_then_still_ahead) {
  const auto ino = make_stored_file("f", 32, 6);
  DataPathOptions options;
  options.readahead_bytes = 4 * kBlock;
  auto data = make_data(options);
  // The kernel's concurrent readahead requests may overtake each other: 2 before 1.
  ASSERT_EQ(*data->read(ino, 0, kBlock), text(kBlock, 6));
  const auto all = text(32 * kBlock, 6);
  ASSERT_EQ(*data->read(ino, 2 * kBlock, kBlock),
            std::vector<std::byte>(all.begin() + 2 * kBlock, all.begin() + 3 * kBlock));
  EXPECT_TRUE(eventually([&] { return cached(*data, ino, 6); }));
  // A jump far away is random access: nothing is decoded past what was asked.
  ASSERT_TRUE(data->read(ino, 20 * kBlock, kBlock));
  std::this_thread::sleep_for(50ms);
  EXPECT_FALSE(cached(*data, ino, 21));
}

TEST_F(BufferTest, given_long_sequential_run_when_read_then_finished_blocks_leave_the_cache) {
  const auto ino = make_stored_file("f", 24, 7);
  DataPathOptions options;
  options.readahead_bytes = 4 * kBlock;
  options.threads = 1;
  auto data = make_data(options);
  const auto all = text(24 * kBlock, 7);
  for (std::uint64_t b = 0; b < 12; ++b) {
    ASSERT_EQ(*data->read(ino, b * kBlock, kBlock),
              std::vector<std::byte>(all.begin() + static_cast<std::ptrdiff_t>(b * kBlock),
                                     all.begin() + static_cast<std::ptrdiff_t>((b + 1) * kBlock)));
  }
  const auto cached = [&](std::uint64_t block) { return this->cached(*data, ino, block); };
  EXPECT_TRUE(cached(0)) << "the start of a run stays (small files are read again)";
  EXPECT_TRUE(cached(3));
  EXPECT_FALSE(cached(4)) << "finished by a run longer than the window";
  EXPECT_FALSE(cached(11));
  EXPECT_TRUE(eventually([&] { return cached(14); })) << "still decoded ahead";
  EXPECT_EQ(*data->read(ino, 0, 24 * kBlock), all);
}

TEST_F(BufferTest, given_buffered_blocks_when_truncated_and_punched_then_they_are_dropped) {
  auto data = make_data(kept_until_flushed());
  const auto ino = make_file("f");
  ASSERT_TRUE(data->open(ino));
  std::vector<std::byte> model = text(6 * kBlock, 6);
  ASSERT_TRUE(data->write(ino, 0, model));
  ASSERT_TRUE(data->fsync(ino));
  // Partial rewrites stay dirty; then cut and punch through them.
  ASSERT_TRUE(data->write(ino, 100, text(3 * kBlock, 7)));
  const auto patch = text(3 * kBlock, 7);
  std::copy(patch.begin(), patch.end(), model.begin() + 100);
  ASSERT_TRUE(data->truncate(ino, 4 * kBlock + 10));
  model.resize(4 * kBlock + 10);
  ASSERT_TRUE(data->punch_hole(ino, kBlock / 2, 2 * kBlock));
  std::fill_n(model.begin() + kBlock / 2, 2 * kBlock, std::byte{0});
  ASSERT_TRUE(data->truncate(ino, 8 * kBlock));
  model.resize(8 * kBlock);
  EXPECT_EQ(*data->read(ino, 0, model.size()), model);
  ASSERT_TRUE(data->release(ino));
  EXPECT_EQ(*data->read(ino, 0, model.size()), model);
  EXPECT_TRUE(eventually([&] { return data->dirty_bytes() == 0; }));
  expect_accounting_matches({ino});
}

// What a crash would leave of `ino` at this moment: the index's size and block map. No block
// may hold bytes past that size, or they would come back when the file grows again.
void BufferTest::expect_no_committed_bytes_past_the_end(std::uint64_t ino) {
  const std::lock_guard lock(index_mutex_);
  const auto size = index_.inode(ino)->size;
  for (const auto& [block, ref] : index_.blocks(ino, 0, UINT64_MAX)) {
    EXPECT_LE(block * kBlock + ref.raw_length, size) << "block " << block;
  }
}

TEST_F(BufferTest, given_committed_block_when_truncated_into_it_then_no_stale_bytes_committed) {
  auto data = make_data(kept_until_flushed());
  const auto ino = make_file("f");
  ASSERT_TRUE(data->open(ino));
  auto model = text(3 * kBlock, 1);
  ASSERT_TRUE(data->write(ino, 0, model));
  ASSERT_TRUE(data->fsync(ino));
  // Block 1 cut to 10 bytes, no fsync: the index must already hold the cut block with the size.
  ASSERT_TRUE(data->truncate(ino, kBlock + 10));
  model.resize(kBlock + 10);
  expect_no_committed_bytes_past_the_end(ino);
  // A daemon starting from the index alone (after a crash) grows the file: zeros past the cut.
  {
    auto after_crash = make_data(kept_until_flushed());
    ASSERT_TRUE(after_crash->truncate(ino, 3 * kBlock));
    auto grown = model;
    grown.resize(3 * kBlock);
    EXPECT_EQ(*after_crash->read(ino, 0, grown.size()), grown);
    ASSERT_TRUE(after_crash->truncate(ino, kBlock + 10));
  }
  // A dirty rewrite of the block over a longer committed version: cut in both.
  ASSERT_TRUE(data->truncate(ino, 2 * kBlock));
  ASSERT_TRUE(data->fsync(ino));
  const auto patch = text(kBlock / 2, 9);
  ASSERT_TRUE(data->write(ino, kBlock, patch));
  model.resize(2 * kBlock);
  std::copy(patch.begin(), patch.end(), model.begin() + kBlock);
  ASSERT_TRUE(data->truncate(ino, kBlock + 100));
  model.resize(kBlock + 100);
  expect_no_committed_bytes_past_the_end(ino);
  EXPECT_EQ(*data->read(ino, 0, 2 * kBlock), model);
  ASSERT_TRUE(data->truncate(ino, 2 * kBlock));
  model.resize(2 * kBlock);
  EXPECT_EQ(*data->read(ino, 0, 2 * kBlock), model);
  ASSERT_TRUE(data->release(ino));
  data->sync();
  expect_no_committed_bytes_past_the_end(ino);
  EXPECT_EQ(*data->read(ino, 0, 2 * kBlock), model);
  EXPECT_EQ(data->dirty_bytes(), 0U);
  expect_accounting_matches({ino});
}

TEST_F(BufferTest, given_block_in_flight_when_truncated_into_it_then_no_stale_bytes_committed) {
  auto data = make_data(kept_until_flushed());
  const auto ino = make_file("f");
  ASSERT_TRUE(data->open(ino));
  for (unsigned round = 0; round < 50; ++round) {
    // A complete block goes to the workers at once; the cut may find it in flight or committed.
    ASSERT_TRUE(data->truncate(ino, 0));
    ASSERT_TRUE(data->write(ino, 0, text(2 * kBlock, round)));
    ASSERT_TRUE(data->truncate(ino, kBlock + 1 + round));
    expect_no_committed_bytes_past_the_end(ino);
    std::this_thread::sleep_for(5ms);  // lets a version still in flight arrive
    expect_no_committed_bytes_past_the_end(ino);
    ASSERT_TRUE(data->fsync(ino));
    expect_no_committed_bytes_past_the_end(ino);
    auto model = text(2 * kBlock, round);
    model.resize(kBlock + 1 + round);
    model.resize(2 * kBlock);
    ASSERT_TRUE(data->truncate(ino, 2 * kBlock));
    EXPECT_EQ(*data->read(ino, 0, 2 * kBlock), model) << "round " << round;
    if (::testing::Test::HasFailure()) break;
  }
  ASSERT_TRUE(data->release(ino));
  data->sync();
  EXPECT_EQ(data->dirty_bytes(), 0U);
  expect_accounting_matches({ino});
}

TEST_F(BufferTest, given_buffered_writes_past_the_stored_size_when_size_set_then_index_keeps_it) {
  auto data = make_data(kept_until_flushed());
  const auto ino = make_file("f");
  const auto index_size = [&] {
    const std::lock_guard lock(index_mutex_);
    return index_.inode(ino)->size;
  };
  ASSERT_TRUE(data->open(ino));
  const std::uint64_t synced = 3 * kBlock + 1082;
  auto model = text(synced, 1);
  ASSERT_TRUE(data->write(ino, 0, model));
  ASSERT_TRUE(data->fsync(ino));
  // Partial blocks past the stored size stay dirty: blocks 3 and 4 up to 18112.
  const auto patch = text(18112 - synced, 2);
  ASSERT_TRUE(data->write(ino, synced, patch));
  model.insert(model.end(), patch.begin(), patch.end());
  // A shrink that stays past the stored size: storing it would let a crash show block 3's
  // committed version, ending in zeros where the file held the patch.
  ASSERT_TRUE(data->truncate(ino, 16231));
  model.resize(16231);
  EXPECT_EQ(index_size(), synced) << "the size waits for the blocks that make it up";
  expect_no_committed_bytes_past_the_end(ino);
  {
    // What a daemon starting from the index alone (after a crash) reads: the synced file.
    auto after_crash = make_data(kept_until_flushed());
    const auto seen = *after_crash->read(ino, 0, 6 * kBlock);
    EXPECT_EQ(seen.size(), synced);
    EXPECT_TRUE(seen == text(synced, 1)) << "the synced content, no zeros past it";
  }
  // A grow, or a size set to the live one, past the buffered blocks: the same.
  ASSERT_TRUE(data->truncate(ino, 16231));
  EXPECT_EQ(index_size(), synced);
  ASSERT_TRUE(data->truncate(ino, 5 * kBlock));
  model.resize(5 * kBlock);
  EXPECT_EQ(index_size(), synced);
  ASSERT_TRUE(data->allocate(ino, 0, 6 * kBlock));
  model.resize(6 * kBlock);
  EXPECT_EQ(index_size(), synced);
  EXPECT_EQ(data->usage(ino)->size, 6U * kBlock) << "the live size is right at once";
  EXPECT_EQ(*data->read(ino, 0, model.size()), model);
  ASSERT_TRUE(data->fsync(ino));
  EXPECT_EQ(index_size(), 6U * kBlock);
  // With nothing buffered past the stored size, sizes go to the index at once.
  ASSERT_TRUE(data->write(ino, 0, text(100, 3)));  // below the stored size: no matter
  ASSERT_TRUE(data->truncate(ino, 7 * kBlock + 5));
  EXPECT_EQ(index_size(), 7U * kBlock + 5);
  ASSERT_TRUE(data->allocate(ino, 0, 8 * kBlock));
  EXPECT_EQ(index_size(), 8U * kBlock);
  ASSERT_TRUE(data->truncate(ino, 2 * kBlock));
  EXPECT_EQ(index_size(), 2U * kBlock);
  ASSERT_TRUE(data->release(ino));
  data->sync();
  EXPECT_EQ(index_size(), 2U * kBlock);
  expect_no_committed_bytes_past_the_end(ino);
  EXPECT_EQ(data->dirty_bytes(), 0U);
  expect_accounting_matches({ino});
}

TEST_F(BufferTest, given_small_dirty_cap_when_many_writers_then_memory_stays_under_it) {
  DataPathOptions options;
  options.dirty_bytes = 6 * kBlock;
  options.threads = 1;
  options.flush_age = std::chrono::hours(1);  // only the cap can force blocks out
  auto data = make_data(options);
  std::vector<std::uint64_t> inos;
  for (int i = 0; i < 4; ++i) inos.push_back(make_file("w" + std::to_string(i)));
  std::atomic<bool> done{false};
  std::size_t peak = 0;
  std::thread monitor([&] {
    while (!done) {
      peak = std::max(peak, data->dirty_bytes());
      std::this_thread::yield();
    }
  });
  std::vector<std::thread> writers;
  for (unsigned t = 0; t < 4; ++t) {
    writers.emplace_back([&, t] {
      // Small writes scattered over 40 blocks: each dirties a block that no write completes.
      for (unsigned i = 0; i < 200; ++i) {
        const std::uint64_t off = ((i * 7 + t) % 40) * kBlock + 100;
        ASSERT_TRUE(data->write(inos[t], off, text(50, t + i)));
      }
    });
  }
  for (auto& w : writers) w.join();
  done = true;
  monitor.join();
  EXPECT_LE(peak, options.dirty_bytes);
  for (const auto ino : inos) ASSERT_TRUE(data->fsync(ino));
  EXPECT_EQ(data->dirty_bytes(), 0U);
  expect_accounting_matches(inos);
}

// Each thread works on its own file (checked against its own model) while all share the cache,
// the dirty cap, the pool and the committer; small caps force eviction and backpressure.
TEST_F(BufferTest, given_threads_doing_random_ops_when_checked_against_models_then_equal) {
  DataPathOptions options;
  options.cache_bytes = 8 * kBlock;
  options.dirty_bytes = 8 * kBlock;
  options.threads = 2;
  options.flush_age = 20ms;
  auto data = make_data(options);
  constexpr int kThreads = 4;
  std::vector<std::uint64_t> inos;
  for (int i = 0; i < kThreads; ++i) inos.push_back(make_file("s" + std::to_string(i)));
  std::vector<std::vector<std::byte>> models(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937 rng(static_cast<unsigned>(1000 + t));
      auto& model = models[static_cast<std::size_t>(t)];
      const auto ino = inos[static_cast<std::size_t>(t)];
      ASSERT_TRUE(data->open(ino));
      for (int op = 0; op < 400; ++op) {
        const auto kind = rng() % 10;
        if (kind < 5) {
          const std::uint64_t off = rng() % (10 * kBlock);
          const auto chunk = text(rng() % (3 * kBlock) + 1, static_cast<unsigned>(rng() % 26));
          ASSERT_TRUE(data->write(ino, off, chunk));
          if (model.size() < off + chunk.size()) model.resize(off + chunk.size());
          std::copy(chunk.begin(), chunk.end(), model.begin() + static_cast<std::ptrdiff_t>(off));
        } else if (kind == 5) {
          const std::uint64_t size = rng() % (11 * kBlock);
          ASSERT_TRUE(data->truncate(ino, size));
          model.resize(size);
        } else if (kind == 6) {
          const std::uint64_t off = rng() % (10 * kBlock);
          const std::uint64_t len = rng() % (3 * kBlock) + 1;
          ASSERT_TRUE(data->punch_hole(ino, off, len));
          for (std::uint64_t i = off; i < std::min<std::uint64_t>(off + len, model.size()); ++i)
            model[i] = std::byte{0};
        } else if (kind == 7) {
          ASSERT_TRUE(op % 2 == 0 ? data->fsync(ino) : data->flush(ino));
        } else {
          const std::uint64_t off = rng() % (11 * kBlock);
          const std::size_t n = rng() % (4 * kBlock);
          auto got = data->read(ino, off, n);
          ASSERT_TRUE(got);
          const std::size_t expect_n =
              off >= model.size() ? 0 : std::min<std::size_t>(n, model.size() - off);
          ASSERT_EQ(got->size(), expect_n) << "thread " << t << " op " << op;
          ASSERT_TRUE(std::equal(got->begin(), got->end(),
                                 model.begin() + static_cast<std::ptrdiff_t>(off)))
              << "thread " << t << " op " << op;
        }
        ASSERT_EQ(data->usage(ino)->size, model.size()) << "thread " << t << " op " << op;
        ASSERT_LE(ns_.getattr(ino)->size, model.size()) << "thread " << t << " op " << op;
      }
      ASSERT_TRUE(data->release(ino));
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_TRUE(eventually([&] { return data->dirty_bytes() == 0; }));
  for (int t = 0; t < kThreads; ++t) {
    const auto& model = models[static_cast<std::size_t>(t)];
    EXPECT_EQ(*data->read(inos[static_cast<std::size_t>(t)], 0, model.size() + 1), model);
  }
  expect_accounting_matches(inos);
  // A fresh FileData (a new mount) reads the same from the store alone.
  data.reset();
  auto again = make_data({});
  for (int t = 0; t < kThreads; ++t) {
    const auto& model = models[static_cast<std::size_t>(t)];
    EXPECT_EQ(*again->read(inos[static_cast<std::size_t>(t)], 0, model.size() + 1), model);
  }
}

TEST_F(BufferTest, given_two_threads_on_one_file_when_writing_disjoint_blocks_then_both_kept) {
  DataPathOptions options;
  options.dirty_bytes = 4 * kBlock;
  auto data = make_data(options);
  const auto ino = make_file("shared");
  std::vector<std::thread> threads;
  for (unsigned t = 0; t < 2; ++t) {
    threads.emplace_back([&, t] {
      for (unsigned b = t; b < 64; b += 2)
        ASSERT_TRUE(data->write(ino, b * kBlock + 1, text(kBlock - 2, b)));
    });
  }
  for (auto& th : threads) th.join();
  ASSERT_TRUE(data->fsync(ino));
  for (unsigned b = 0; b < 64; ++b)
    ASSERT_EQ(*data->read(ino, b * kBlock + 1, kBlock - 2), text(kBlock - 2, b)) << b;
}

}  // namespace
}  // namespace squeezefs::fs
