#include <gtest/gtest.h>
#include <sys/stat.h>

#include <random>
#include <vector>

#include "core_fixtures.h"

namespace squeezefs::fs {
namespace {

std::vector<std::byte> text(std::size_t n, char seed) {
  std::vector<std::byte> v(n);
  for (std::size_t i = 0; i < n; ++i)
    v[i] = static_cast<std::byte>('a' + (static_cast<std::size_t>(seed) + i / 7) % 26);
  return v;
}

class FileDataTest : public FileDataFixture {
 protected:
  std::vector<std::byte> read_all() {
    auto size = data_.usage(ino_)->size;
    return *data_.read(ino_, 0, static_cast<std::size_t>(size));
  }
};

TEST_F(FileDataTest, given_write_across_blocks_when_read_then_identical_and_compressed) {
  const auto payload = text(3 * kBlock + 100, 'x');
  ASSERT_EQ(*data_.write(ino_, 50, payload), payload.size());
  EXPECT_EQ(data_.usage(ino_)->size, 50 + payload.size());
  EXPECT_EQ(*data_.read(ino_, 50, payload.size()), payload) << "buffered data is visible";
  ASSERT_TRUE(data_.fsync(ino_));
  EXPECT_EQ(ns_.getattr(ino_)->size, 50 + payload.size()) << "fsync stores the size";
  auto back = *data_.read(ino_, 50, payload.size());
  EXPECT_EQ(back, payload);
  auto head = *data_.read(ino_, 0, 50);
  EXPECT_EQ(head, std::vector<std::byte>(50));
  EXPECT_LT(*data_.stored_bytes(ino_), payload.size() / 4);
  EXPECT_GE(store_.syncs(), 1);
  EXPECT_TRUE(data_.read(ino_, 1 << 20, 10)->empty());
}

TEST_F(FileDataTest, given_random_ops_when_checked_against_model_then_always_equal) {
  std::mt19937 rng(42);
  std::vector<std::byte> model;
  for (int op = 0; op < 300; ++op) {
    const auto kind = rng() % 4;
    if (kind < 2) {
      const std::uint64_t off = rng() % (6 * kBlock);
      const auto chunk = text(rng() % (2 * kBlock) + 1, static_cast<char>(rng() % 26));
      ASSERT_TRUE(data_.write(ino_, off, chunk));
      if (model.size() < off + chunk.size()) model.resize(off + chunk.size());
      std::copy(chunk.begin(), chunk.end(), model.begin() + static_cast<std::ptrdiff_t>(off));
    } else if (kind == 2) {
      const std::uint64_t size = rng() % (7 * kBlock);
      ASSERT_TRUE(data_.truncate(ino_, size));
      model.resize(size);
    } else {
      const std::uint64_t off = rng() % (7 * kBlock);
      const std::size_t n = rng() % (3 * kBlock);
      auto got = *data_.read(ino_, off, n);
      const std::size_t expect_n =
          off >= model.size() ? 0 : std::min<std::size_t>(n, model.size() - off);
      ASSERT_EQ(got.size(), expect_n) << "op " << op;
      ASSERT_TRUE(
          std::equal(got.begin(), got.end(), model.begin() + static_cast<std::ptrdiff_t>(off)))
          << "op " << op;
    }
    ASSERT_EQ(data_.usage(ino_)->size, model.size());
    // The index's size lags behind while blocks are buffered, but never leaves a committed
    // block past it.
    const std::lock_guard lock(index_mutex_);
    const auto stored_size = index_.inode(ino_)->size;
    ASSERT_LE(stored_size, model.size()) << "op " << op;
    const auto blocks = index_.blocks(ino_, 0, UINT64_MAX);
    if (!blocks.empty()) {
      ASSERT_LT(blocks.back().first * kBlock, stored_size) << "op " << op;
    }
  }
  EXPECT_EQ(read_all(), model);
  ASSERT_TRUE(data_.fsync(ino_));
  EXPECT_EQ(ns_.getattr(ino_)->size, model.size());
}

TEST_F(FileDataTest, given_shrink_then_grow_when_read_then_old_tail_is_zero) {
  ASSERT_TRUE(data_.write(ino_, 0, text(kBlock, 'q')));
  ASSERT_TRUE(data_.truncate(ino_, 10));
  ASSERT_TRUE(data_.truncate(ino_, 3 * kBlock));
  auto all = read_all();
  ASSERT_EQ(all.size(), 3U * kBlock);
  EXPECT_TRUE(
      std::all_of(all.begin() + 10, all.end(), [](std::byte b) { return b == std::byte{0}; }));
  EXPECT_EQ(std::vector<std::byte>(all.begin(), all.begin() + 10), text(10, 'q'));
}

TEST_F(FileDataTest, given_zero_write_when_stored_then_hole_frees_previous_block) {
  ASSERT_TRUE(data_.write(ino_, 0, text(kBlock, 'z')));
  ASSERT_TRUE(data_.fsync(ino_));
  EXPECT_GT(*data_.stored_bytes(ino_), 0U);
  ASSERT_TRUE(data_.write(ino_, 0, std::vector<std::byte>(kBlock)));
  ASSERT_TRUE(data_.fsync(ino_));
  EXPECT_EQ(*data_.stored_bytes(ino_), 0U);
  EXPECT_EQ(index_.data_file(1)->live_bytes, 0U);
  EXPECT_GT(index_.data_file(1)->total_bytes, 0U);
}

TEST_F(FileDataTest, given_offset_past_4_gib_when_written_then_readable_and_sparse) {
  const std::uint64_t off = 5ULL << 30;
  const auto payload = text(100, 'g');
  ASSERT_TRUE(data_.write(ino_, off, payload));
  ASSERT_TRUE(data_.fsync(ino_));
  EXPECT_EQ(ns_.getattr(ino_)->size, off + 100);
  EXPECT_EQ(*data_.read(ino_, off, 100), payload);
  EXPECT_EQ(*data_.read(ino_, off - 10, 10), std::vector<std::byte>(10));
  EXPECT_EQ(index_.blocks(ino_, 0, UINT64_MAX).size(), 1U);
}

TEST_F(FileDataTest, given_sparse_file_when_seeking_then_data_and_holes_found) {
  // Layout in blocks: [hole][data][data][hole][data, partial]
  ASSERT_TRUE(data_.write(ino_, kBlock, text(2 * kBlock, 'a')));
  ASSERT_TRUE(data_.write(ino_, 4 * kBlock, text(100, 'b')));
  const std::uint64_t size = 4 * kBlock + 100;
  EXPECT_EQ(*data_.seek_data(ino_, 0), kBlock);
  EXPECT_EQ(*data_.seek_data(ino_, kBlock + 5), kBlock + 5);
  EXPECT_EQ(*data_.seek_data(ino_, 3 * kBlock), 4U * kBlock);
  EXPECT_EQ(*data_.seek_hole(ino_, 0), 0U);
  EXPECT_EQ(*data_.seek_hole(ino_, kBlock), 3U * kBlock);
  EXPECT_EQ(*data_.seek_hole(ino_, 4 * kBlock + 1), size);  // end of file is a hole
  EXPECT_EQ(data_.seek_data(ino_, size).error(), std::errc::no_such_device_or_address);
  EXPECT_EQ(data_.seek_hole(ino_, size).error(), std::errc::no_such_device_or_address);
  ASSERT_TRUE(data_.truncate(ino_, 8 * kBlock));
  EXPECT_EQ(data_.seek_data(ino_, 5 * kBlock).error(), std::errc::no_such_device_or_address);
}

std::vector<std::byte> joined(const std::vector<FileData::ReadSlice>& slices) {
  std::vector<std::byte> out;
  for (const auto& slice : slices) out.insert(out.end(), slice.bytes.begin(), slice.bytes.end());
  return out;
}

TEST_F(FileDataTest, given_stored_file_with_hole_when_read_as_slices_then_cached_blocks_shared) {
  // Blocks 0-1 data, block 2 a hole, block 3 data cut short by the end of the file.
  std::vector<std::byte> model = text(2 * kBlock, 'k');
  model.resize(3 * kBlock);
  const auto tail = text(kBlock / 3, 'q');
  model.insert(model.end(), tail.begin(), tail.end());
  ASSERT_TRUE(data_.write(ino_, 0, model));
  ASSERT_TRUE(data_.fsync(ino_));

  const auto first = *data_.read_slices(ino_, 10, model.size());
  const auto second = *data_.read_slices(ino_, 10, model.size());
  const std::vector<std::byte> expected(model.begin() + 10, model.end());
  EXPECT_EQ(joined(first), expected);
  EXPECT_EQ(joined(second), expected);
  ASSERT_EQ(first.size(), 4U) << "one slice per block";
  EXPECT_EQ(first[0].bytes.size(), kBlock - 10);
  EXPECT_EQ(first[0].owner, second[0].owner) << "served from the cached block, not a copy";
  EXPECT_EQ(first[0].bytes.data(), second[0].bytes.data());
  EXPECT_EQ(std::vector<std::byte>(first[2].bytes.begin(), first[2].bytes.end()),
            std::vector<std::byte>(kBlock))
      << "the hole";
  EXPECT_TRUE(data_.read_slices(ino_, model.size(), 10)->empty());
}

TEST_F(FileDataTest, given_dirty_block_when_read_as_slices_then_later_writes_do_not_change_them) {
  ASSERT_TRUE(data_.open(ino_));
  ASSERT_TRUE(data_.write(ino_, 0, text(kBlock / 2, 'a')));  // a partial block stays dirty
  const auto slices = *data_.read_slices(ino_, 0, kBlock);
  ASSERT_TRUE(data_.write(ino_, 0, text(kBlock / 2, 'z')));
  EXPECT_EQ(joined(slices), text(kBlock / 2, 'a')) << "a snapshot of the dirty block";
  EXPECT_EQ(*data_.read(ino_, 0, kBlock), text(kBlock / 2, 'z'));
  ASSERT_TRUE(data_.release(ino_));
}

TEST_F(FileDataTest, given_corrupt_block_when_read_then_eio) {
  // Without a cache, so the read decodes what is stored.
  DataPathOptions options;
  options.cache_bytes = 0;
  FileData uncached(index_, index_mutex_, io_, *codecs::find_codec(codecs::CodecId::kZstd), 3,
                    kBlock, options);
  ASSERT_TRUE(uncached.write(ino_, 0, text(kBlock, 'c')));
  ASSERT_TRUE(uncached.fsync(ino_));
  const auto ref = *index_.block(ino_, 0);
  store_.file(ref.data_file)[ref.offset] ^= std::byte{0xff};
  EXPECT_EQ(uncached.read(ino_, 0, 10).error(), std::errc::io_error);
  EXPECT_EQ(uncached.write(ino_, 1, text(5, 'd')).error(), std::errc::io_error);
}

TEST_F(FileDataTest, given_non_regular_inode_when_accessed_then_errors) {
  const auto dir = ns_.mkdir(Namespace::kRootIno, "d", 0755, Caller{})->ino;
  EXPECT_EQ(data_.read(dir, 0, 1).error(), std::errc::is_a_directory);
  EXPECT_EQ(data_.write(999, 0, text(1, 'a')).error(), std::errc::no_such_file_or_directory);
  EXPECT_EQ(data_.truncate(ino_, FileData::kMaxFileSize + 1).error(), std::errc::file_too_large);
}

// stored_bytes: buffered blocks at their raw size (in place of what is stored for them), then
// the compressed size once committed.
TEST_F(FileDataTest, given_buffered_blocks_when_measuring_then_raw_size_until_committed) {
  const std::vector<std::byte> first(3000, std::byte{'a'});
  ASSERT_TRUE(data_.write(ino_, 0, first));  // a partial block stays dirty
  EXPECT_EQ(*data_.stored_bytes(ino_), 3000U);
  ASSERT_TRUE(data_.fsync(ino_));
  const auto committed = *data_.stored_bytes(ino_);
  EXPECT_GT(committed, 0U);
  EXPECT_LT(committed, 100U) << "a run of one byte compresses";
  EXPECT_EQ(committed, index_.stored_bytes(ino_));
  // Rewriting the stored block counts it once, at its raw size, not twice.
  ASSERT_TRUE(data_.write(ino_, 10, text(20, 'b')));
  EXPECT_EQ(*data_.stored_bytes(ino_), 3000U);
  // A second, dirty block past the end of the first.
  ASSERT_TRUE(data_.write(ino_, kBlock + 100, text(50, 'c')));
  EXPECT_EQ(*data_.stored_bytes(ino_), kBlock + 150U);
  ASSERT_TRUE(data_.fsync(ino_));
  EXPECT_EQ(*data_.stored_bytes(ino_), index_.stored_bytes(ino_));
  EXPECT_LT(*data_.stored_bytes(ino_), 300U);
}

}  // namespace
}  // namespace squeezefs::fs
