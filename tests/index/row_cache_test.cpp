#include "squeezefs/index/row_cache.h"

#include <gtest/gtest.h>

#include "squeezefs/index/index.h"

namespace squeezefs::index {
namespace {

InodeRecord file_inode(std::uint64_t ino, std::int64_t mtime) {
  InodeRecord r;
  r.ino = ino;
  r.mode = 0100644;
  r.nlink = 1;
  r.mtime_ns = mtime;
  return r;
}

TEST(RowCacheTest, given_rows_when_undo_count_moves_then_all_are_forgotten) {
  RowCache<InodeRecord> cache;
  cache.follow(0);
  cache.put(5, file_inode(5, 1));
  cache.put(6, file_inode(6, 2));
  cache.put(5, file_inode(5, 3));
  ASSERT_NE(cache.find(5), nullptr);
  EXPECT_EQ(cache.find(5)->mtime_ns, 3);
  cache.erase(6);
  EXPECT_EQ(cache.find(6), nullptr);
  cache.follow(0);
  EXPECT_NE(cache.find(5), nullptr);
  cache.follow(1);
  EXPECT_EQ(cache.find(5), nullptr);
  EXPECT_EQ(cache.size(), 0U);
}

TEST(RowCacheTest, given_more_rows_than_the_bound_when_put_then_size_stays_at_the_bound) {
  RowCache<InodeRecord> cache;
  for (std::uint64_t ino = 1; ino <= RowCache<InodeRecord>::kMaxRows + 100; ++ino)
    cache.put(ino, file_inode(ino, 0));
  EXPECT_EQ(cache.size(), RowCache<InodeRecord>::kMaxRows);
  EXPECT_NE(cache.find(RowCache<InodeRecord>::kMaxRows + 100), nullptr);  // the newest row is kept
}

class IndexRowCacheTest : public ::testing::TestWithParam<bool> {
 protected:
  IndexRowCacheTest() {
    index_.db().set_group_commit(GetParam());
    Txn txn(index_.db());
    ino_ = index_.allocate_inode(file_inode(0, 10));
    txn.commit();
  }

  Index index_ = Index::create(":memory:", StoreConfig{65536, 4, 9});
  std::uint64_t ino_ = 0;
};

TEST_P(IndexRowCacheTest, given_update_when_rolled_back_then_inode_reads_the_committed_row) {
  ASSERT_EQ(index_.inode(ino_)->mtime_ns, 10);  // now cached
  {
    Txn txn(index_.db());
    auto rec = *index_.inode(ino_);
    rec.mtime_ns = 20;
    index_.update_inode(rec);
    EXPECT_EQ(index_.inode(ino_)->mtime_ns, 20);  // the transaction sees its own change
  }
  EXPECT_EQ(index_.inode(ino_)->mtime_ns, 10);
  index_.db().commit_group();
  EXPECT_EQ(index_.inode(ino_)->mtime_ns, 10);
}

TEST_P(IndexRowCacheTest, given_removal_when_rolled_back_then_inode_is_back) {
  {
    Txn txn(index_.db());
    index_.remove_inode(ino_);
    EXPECT_FALSE(index_.inode(ino_).has_value());
  }
  ASSERT_TRUE(index_.inode(ino_).has_value());
  EXPECT_EQ(index_.inode(ino_)->mtime_ns, 10);
}

TEST_P(IndexRowCacheTest, given_savepoint_when_rolled_back_then_only_its_change_is_undone) {
  Txn txn(index_.db());
  auto rec = *index_.inode(ino_);
  rec.mtime_ns = 30;
  index_.update_inode(rec);
  {
    Savepoint inner(index_.db(), "inner");
    rec.mtime_ns = 40;
    index_.update_inode(rec);
  }
  EXPECT_EQ(index_.inode(ino_)->mtime_ns, 30);
  txn.commit();
  EXPECT_EQ(index_.inode(ino_)->mtime_ns, 30);
}

TEST_P(IndexRowCacheTest, given_committed_changes_when_read_then_cache_matches_the_table) {
  for (int i = 0; i < 5; ++i) {
    Txn txn(index_.db());
    auto rec = *index_.inode(ino_);
    rec.size += 100;
    index_.update_inode(rec);
    txn.commit();
  }
  index_.db().commit_group();
  // A second Index over the same rows would not share the cache: compare with a fresh read.
  std::vector<InodeRecord> all = index_.all_inodes();
  ASSERT_EQ(all.size(), 1U);
  EXPECT_EQ(all[0], *index_.inode(ino_));
  EXPECT_EQ(all[0].size, 500U);
}

TEST_P(IndexRowCacheTest,
       given_block_changes_when_committed_or_rolled_back_then_stored_bytes_follow) {
  const BlockRef first{4, 65536, 1000, 1, 1, 0};
  const BlockRef second{4, 65536, 300, 2, 1, 1000};
  {
    Txn txn(index_.db());
    index_.add_data_file();
    txn.commit();
  }
  EXPECT_EQ(index_.stored_bytes(ino_), 0U);  // now cached
  {
    Txn txn(index_.db());
    index_.put_block(ino_, 0, first);
    index_.put_block(ino_, 1, second);
    txn.commit();
  }
  EXPECT_EQ(index_.stored_bytes(ino_), 1300U);
  {
    Txn txn(index_.db());
    index_.put_block(ino_, 0, second);
    EXPECT_EQ(index_.stored_bytes(ino_), 600U);
  }
  EXPECT_EQ(index_.stored_bytes(ino_), 1300U);  // rolled back
  {
    Txn txn(index_.db());
    index_.remove_block(ino_, 1);
    txn.commit();
  }
  EXPECT_EQ(index_.stored_bytes(ino_), 1000U);
  {
    Txn txn(index_.db());
    index_.remove_blocks_from(ino_, 0);
    txn.commit();
  }
  EXPECT_EQ(index_.stored_bytes(ino_), 0U);
}

TEST(IndexRowCacheGroupTest,
     given_group_dropped_by_sqlite_when_read_then_rows_of_the_group_are_gone) {
  Index index = Index::create(":memory:", StoreConfig{65536, 4, 9});
  index.db().set_group_commit(true);
  std::uint64_t ino = 0;
  {
    Txn txn(index.db());
    ino = index.allocate_inode(file_inode(0, 10));
    txn.commit();
  }
  index.db().commit_group();
  {
    Txn txn(index.db());
    auto rec = *index.inode(ino);
    rec.mtime_ns = 20;
    index.update_inode(rec);
    txn.commit();  // into the open group
  }
  ASSERT_EQ(index.inode(ino)->mtime_ns, 20);
  // What SQLite does to the open transaction after some full-disk or I/O errors, with no Txn
  // of ours around to notice.
  index.db().exec("ROLLBACK");
  EXPECT_EQ(index.inode(ino)->mtime_ns, 10);
}

INSTANTIATE_TEST_SUITE_P(GroupCommit, IndexRowCacheTest, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& param) {
                           return param.param ? "grouped" : "single";
                         });

}  // namespace
}  // namespace squeezefs::index
