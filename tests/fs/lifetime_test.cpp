// Inode lifetime with kernel references (retain/release) and hole punching in the core.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <vector>

#include "core_fixtures.h"

namespace squeezefs::fs {
namespace {

class LifetimeTest : public FileDataFixture {};

TEST_F(LifetimeTest, given_retained_inode_when_unlinked_then_it_lives_until_released) {
  const std::vector<std::byte> payload(3 * kBlock, std::byte{'q'});
  ASSERT_TRUE(data_.write(ino_, 0, payload));
  ASSERT_TRUE(data_.fsync(ino_));  // committed, so removing the inode has blocks to free
  ns_.retain(ino_, 2);
  ASSERT_TRUE(ns_.unlink(Namespace::kRootIno, "f"));
  EXPECT_FALSE(ns_.lookup(Namespace::kRootIno, "f"));
  ASSERT_TRUE(ns_.getattr(ino_));
  EXPECT_EQ(ns_.getattr(ino_)->nlink, 0U);
  EXPECT_EQ(*data_.read(ino_, 0, payload.size()), payload);
  ns_.release(ino_, 1);
  EXPECT_TRUE(ns_.getattr(ino_));
  ns_.release(ino_, 1);
  EXPECT_FALSE(ns_.getattr(ino_));
  EXPECT_EQ(index_.stored_bytes(ino_), 0U);
  std::uint64_t live = 0;
  for (const auto& f : index_.data_files()) live += f.live_bytes;
  EXPECT_EQ(live, 0U);
}

TEST_F(LifetimeTest, given_unreferenced_inode_when_unlinked_then_it_is_removed_at_once) {
  ASSERT_TRUE(ns_.unlink(Namespace::kRootIno, "f"));
  EXPECT_FALSE(ns_.getattr(ino_));
}

TEST_F(LifetimeTest, given_orphan_left_by_a_stop_when_purging_then_it_is_removed) {
  ns_.retain(ino_);
  ASSERT_TRUE(ns_.unlink(Namespace::kRootIno, "f"));
  Namespace fresh(*metadata_);  // a new mount: no references
  fresh.purge_orphans();
  EXPECT_FALSE(fresh.getattr(ino_));
}

TEST_F(LifetimeTest, given_retained_target_when_renamed_over_then_it_lives_until_released) {
  ASSERT_TRUE(ns_.mknod(Namespace::kRootIno, "g", S_IFREG | 0644, 0, Caller{}));
  ns_.retain(ino_);
  ASSERT_TRUE(ns_.rename(Namespace::kRootIno, "g", Namespace::kRootIno, "f", RenameMode::kReplace));
  EXPECT_TRUE(ns_.getattr(ino_));
  ns_.release(ino_);
  EXPECT_FALSE(ns_.getattr(ino_));
}

TEST_F(LifetimeTest, given_data_when_punching_then_range_reads_zero_and_blocks_are_freed) {
  std::vector<std::byte> payload(4 * kBlock);
  for (std::size_t i = 0; i < payload.size(); ++i)
    payload[i] = static_cast<std::byte>('a' + i % 13);
  ASSERT_TRUE(data_.write(ino_, 0, payload));
  ASSERT_TRUE(data_.fsync(ino_));
  const auto before = *data_.stored_bytes(ino_);
  ASSERT_TRUE(data_.punch_hole(ino_, 100, 2 * kBlock + 50));
  for (std::size_t i = 100; i < 2 * kBlock + 150; ++i) payload[i] = std::byte{0};
  EXPECT_EQ(*data_.read(ino_, 0, payload.size()), payload);
  EXPECT_LT(*data_.stored_bytes(ino_), before);
  EXPECT_EQ(ns_.getattr(ino_)->size, 4 * kBlock);
  EXPECT_EQ(*data_.seek_hole(ino_, 0), kBlock);
}

TEST_F(LifetimeTest, given_allocate_past_end_when_reading_then_size_grows_with_zeros) {
  ASSERT_TRUE(data_.allocate(ino_, 1000, 5000));
  EXPECT_EQ(ns_.getattr(ino_)->size, 6000U);
  EXPECT_EQ(*data_.read(ino_, 0, 6000), std::vector<std::byte>(6000));
  EXPECT_FALSE(data_.allocate(ino_, FileData::kMaxFileSize, 1));
}

}  // namespace
}  // namespace squeezefs::fs
