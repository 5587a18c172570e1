#include "squeezefs/fs/release_queue.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

namespace squeezefs::fs {
namespace {

index::BlockRef block_at(std::uint64_t offset) {
  index::BlockRef ref;
  ref.data_file = 1;
  ref.offset = offset;
  ref.stored_length = 100;
  return ref;
}

class ReleaseQueueTest : public ::testing::Test {
 protected:
  // The offsets of the released blocks, in release order.
  std::vector<std::uint64_t> released_;
  ReleaseQueue queue_{[this](std::span<const index::BlockRef> blocks) {
    for (const auto& b : blocks) released_.push_back(b.offset);
  }};
};

TEST_F(ReleaseQueueTest, given_freed_blocks_when_no_sync_yet_then_nothing_is_released) {
  queue_.push(index::CommitTicket{1}, {block_at(0)});
  EXPECT_TRUE(released_.empty());
  EXPECT_FALSE(queue_.empty());
}

TEST_F(ReleaseQueueTest, given_commits_when_a_sync_makes_some_durable_then_only_those_released) {
  queue_.push(index::CommitTicket{1}, {block_at(0), block_at(100)});
  queue_.push(index::CommitTicket{3}, {block_at(200)});
  queue_.push(index::CommitTicket{2}, {block_at(300)});
  EXPECT_EQ(queue_.on_sync(index::SyncResult{2, false}), 0U);
  EXPECT_EQ(released_, (std::vector<std::uint64_t>{0, 100, 300}));
  EXPECT_FALSE(queue_.empty()) << "commit 3 is not durable yet";
  queue_.on_sync(index::SyncResult{3, false});
  EXPECT_EQ(released_, (std::vector<std::uint64_t>{0, 100, 300, 200}));
  EXPECT_TRUE(queue_.empty());
}

TEST_F(ReleaseQueueTest, given_lost_commits_when_synced_then_every_waiting_block_dropped) {
  queue_.push(index::CommitTicket{1}, {block_at(0)});
  queue_.push(index::CommitTicket{2}, {block_at(100), block_at(200)});
  EXPECT_EQ(queue_.on_sync(index::SyncResult{2, true}), 3U);
  EXPECT_TRUE(released_.empty()) << "a lost commit may have undone the removal";
  EXPECT_TRUE(queue_.empty());
  queue_.on_sync(index::SyncResult{2, false});
  EXPECT_TRUE(released_.empty()) << "dropped blocks never come back";
}

TEST_F(ReleaseQueueTest, given_rolled_back_transaction_when_pushed_then_nothing_waits) {
  queue_.push(index::CommitTicket{0}, {block_at(0)});  // seq 0: nothing was committed
  EXPECT_TRUE(queue_.empty());
  queue_.on_sync(index::SyncResult{5, false});
  EXPECT_TRUE(released_.empty());
}

}  // namespace
}  // namespace squeezefs::fs
