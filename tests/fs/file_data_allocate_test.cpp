// FileData's fallocate modes without a mount: preallocation with and without KEEP_SIZE, zeroing
// over buffered and stored blocks (partial blocks at both ends), and the ENOSPC check.
#include <gtest/gtest.h>
#include <sys/statvfs.h>

#include <filesystem>
#include <system_error>
#include <vector>

#include "core_fixtures.h"

namespace squeezefs::fs {
namespace {

std::vector<std::byte> filled(std::size_t n, char c) {
  return std::vector<std::byte>(n, static_cast<std::byte>(c));
}

class FileDataAllocateTest : public FileDataFixture {
 protected:
  void SetUp() override { ASSERT_TRUE(data_.open(ino_)); }
  void TearDown() override { ASSERT_TRUE(data_.release(ino_)); }
  std::vector<std::byte> read_all() {
    return *data_.read(ino_, 0, static_cast<std::size_t>(data_.usage(ino_)->size));
  }
};

TEST_F(FileDataAllocateTest, given_keep_size_when_allocating_past_eof_then_size_stays) {
  ASSERT_TRUE(data_.write(ino_, 0, filled(100, 'a')));
  ASSERT_TRUE(data_.allocate(ino_, 0, 10 * kBlock, FileData::SizeMode::kKeep));
  EXPECT_EQ(data_.usage(ino_)->size, 100U);
  ASSERT_TRUE(data_.allocate(ino_, 50, 3 * kBlock, FileData::SizeMode::kExtend));
  EXPECT_EQ(data_.usage(ino_)->size, 50U + 3 * kBlock);
  ASSERT_TRUE(data_.fsync(ino_));
  EXPECT_EQ(ns_.getattr(ino_)->size, 50U + 3 * kBlock);
}

TEST_F(FileDataAllocateTest, given_buffered_and_stored_blocks_when_zeroing_then_range_is_zeros) {
  // Blocks 0-1 stored, blocks 2-4 buffered (dirty), then zero from inside block 1 to inside
  // block 3: partial ends over a stored and a buffered block, whole blocks between.
  std::vector<std::byte> model = filled(2 * kBlock, 's');
  ASSERT_TRUE(data_.write(ino_, 0, model));
  ASSERT_TRUE(data_.fsync(ino_));
  const auto buffered = filled(3 * kBlock - 7, 'b');
  ASSERT_TRUE(data_.write(ino_, 2 * kBlock, buffered));
  model.insert(model.end(), buffered.begin(), buffered.end());
  const std::uint64_t from = kBlock + 10;
  const std::uint64_t to = 3 * kBlock + 20;
  ASSERT_TRUE(data_.zero_range(ino_, from, to - from, FileData::SizeMode::kKeep));
  std::fill(model.begin() + static_cast<std::ptrdiff_t>(from),
            model.begin() + static_cast<std::ptrdiff_t>(to), std::byte{0});
  EXPECT_EQ(read_all(), model);
  ASSERT_TRUE(data_.fsync(ino_));
  EXPECT_EQ(read_all(), model) << "after the blocks are committed";
}

TEST_F(FileDataAllocateTest, given_zero_range_past_eof_when_extending_or_not_then_size_follows) {
  ASSERT_TRUE(data_.write(ino_, 0, filled(kBlock + 300, 'x')));
  ASSERT_TRUE(data_.zero_range(ino_, kBlock, 5 * kBlock, FileData::SizeMode::kKeep));
  EXPECT_EQ(data_.usage(ino_)->size, kBlock + 300U);
  ASSERT_TRUE(data_.zero_range(ino_, 200, 5 * kBlock, FileData::SizeMode::kExtend));
  EXPECT_EQ(data_.usage(ino_)->size, 200U + 5 * kBlock);
  auto model = filled(200, 'x');
  model.resize(200 + 5 * kBlock);
  EXPECT_EQ(read_all(), model);
}

// A FileData whose disk check keeps all but `room` bytes of the free space of the temporary
// directory's file system in reserve.
class FileDataSpaceTest : public FileDataFixture {
 protected:
  static constexpr std::uint64_t kRoom = std::uint64_t{512} << 20;

  static DataPathOptions with_room() {
    DataPathOptions options;
    options.space_dir = std::filesystem::temp_directory_path();
    struct statvfs st {};
    EXPECT_EQ(::statvfs(options.space_dir.c_str(), &st), 0);
    const std::uint64_t free = std::uint64_t{st.f_bavail} * st.f_frsize;
    options.space_reserve = free > kRoom ? free - kRoom : 0;
    return options;
  }

  FileData tight_{index_, index_mutex_, io_,        *codecs::find_codec(codecs::CodecId::kZstd),
                  3,      kBlock,       with_room()};
};

TEST_F(FileDataSpaceTest, given_range_beyond_free_space_when_allocating_then_enospc) {
  ASSERT_TRUE(tight_.open(ino_));
  const std::uint64_t huge = std::uint64_t{64} << 30;
  for (const auto mode : {FileData::SizeMode::kExtend, FileData::SizeMode::kKeep}) {
    const auto r = tight_.allocate(ino_, 0, huge, mode);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error(), std::errc::no_space_on_device);
    const auto z = tight_.zero_range(ino_, 0, huge, mode);
    ASSERT_FALSE(z);
    EXPECT_EQ(z.error(), std::errc::no_space_on_device);
  }
  EXPECT_EQ(tight_.usage(ino_)->size, 0U) << "a refused request changes nothing";
  ASSERT_TRUE(tight_.allocate(ino_, 0, kRoom / 2));
  EXPECT_EQ(tight_.usage(ino_)->size, kRoom / 2);
  ASSERT_TRUE(tight_.release(ino_));
}

}  // namespace
}  // namespace squeezefs::fs
