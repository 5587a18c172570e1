// Admission control of writes: SpaceGuard's reading of the free space and FileData refusing
// writes with ENOSPC when the store's file system cannot hold them.
#include "squeezefs/fs/space_guard.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "core_fixtures.h"
#include "squeezefs/codecs/registry.h"
#include "squeezefs/fs/file_data.h"
#include "squeezefs/fs/memory_block_store.h"
#include "squeezefs/fs/namespace.h"

namespace squeezefs::fs {
namespace {

constexpr std::uint32_t kBlock = 4096;
// More than any file system holds.
constexpr std::uint64_t kHuge = std::uint64_t{1} << 62;

TEST(SpaceGuardTest, given_reserve_when_measuring_then_fits_only_what_the_disk_holds) {
  const auto dir = std::filesystem::temp_directory_path();
  EXPECT_TRUE(SpaceGuard(dir, 0).fits(0, 1));
  EXPECT_FALSE(SpaceGuard(dir, kHuge).fits(0, 1));
  EXPECT_FALSE(SpaceGuard(dir, 0).fits(kHuge, 1));
  // Without a directory, or when statvfs fails, nothing is refused.
  EXPECT_TRUE(SpaceGuard({}, kHuge).fits(kHuge, 1));
  EXPECT_TRUE(SpaceGuard(dir / "no-such-dir", kHuge).fits(0, 1));
}

class SpaceAdmissionTest : public ::testing::Test, protected SqliteMetadataFixture {
 protected:
  SpaceAdmissionTest() {
    for (int i = 0; i < 8; ++i) index_.add_data_file();
    ino_ = ns_.mknod(Namespace::kRootIno, "f", S_IFREG | 0644, 0, Caller{})->ino;
  }

  std::unique_ptr<FileData> make_data(std::uint64_t reserve) {
    DataPathOptions options;
    options.space_dir = std::filesystem::temp_directory_path();
    options.space_reserve = reserve;
    return std::make_unique<FileData>(
        index_, index_mutex_, io_, *codecs::find_codec(codecs::CodecId::kZstd), 1, kBlock, options);
  }

  Namespace ns_{*metadata_};
  MemoryBlockStore store_{1 << 20};
  BlockIo io_{store_};
  std::uint64_t ino_ = 0;
};

TEST_F(SpaceAdmissionTest, given_no_room_when_writing_then_enospc_and_file_unchanged) {
  const std::vector<std::byte> bytes(3 * kBlock, std::byte{'x'});
  {
    auto room = make_data(0);
    ASSERT_TRUE(room->write(ino_, 0, bytes).has_value());
    ASSERT_TRUE(room->fsync(ino_).has_value());
  }
  auto full = make_data(kHuge);
  const auto refused = full->write(ino_, kBlock, bytes);
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error(), std::make_error_code(std::errc::no_space_on_device));
  EXPECT_EQ(full->dirty_bytes(), 0U);
  const auto read = full->read(ino_, 0, 4 * kBlock);
  ASSERT_TRUE(read.has_value());
  EXPECT_EQ(*read, bytes);  // neither the size nor the content moved
}

}  // namespace
}  // namespace squeezefs::fs
