#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <set>
#include <string>

#include "core_fixtures.h"

namespace squeezefs::fs {
namespace {

constexpr Caller kUser{1000, 100};
constexpr std::uint64_t kRoot = Namespace::kRootIno;

class NamespaceTest : public NamespaceFixture {};

TEST_P(NamespaceTest, given_new_store_when_root_read_then_empty_directory) {
  auto root = ns_.getattr(kRoot);
  ASSERT_TRUE(root);
  EXPECT_TRUE(S_ISDIR(root->mode));
  EXPECT_EQ(root->mode & 07777, 0755U);
  EXPECT_EQ(root->nlink, 2U);
  EXPECT_TRUE(ns_.readdir(kRoot, 0, 100)->empty());
  EXPECT_EQ(ns_.getattr(999).error(), std::errc::no_such_file_or_directory);
}

TEST_P(NamespaceTest, given_mkdir_when_looked_up_then_found_and_parent_links_counted) {
  auto dir = ns_.mkdir(kRoot, "sub", 0750, kUser);
  ASSERT_TRUE(dir);
  EXPECT_EQ(dir->mode, S_IFDIR | 0750U);
  EXPECT_EQ(dir->uid, 1000U);
  EXPECT_EQ(dir->gid, 100U);
  EXPECT_EQ(ns_.lookup(kRoot, "sub")->ino, dir->ino);
  EXPECT_EQ(ns_.getattr(kRoot)->nlink, 3U);
  EXPECT_EQ(ns_.mkdir(kRoot, "sub", 0755, kUser).error(), std::errc::file_exists);
  ASSERT_TRUE(ns_.rmdir(kRoot, "sub"));
  EXPECT_EQ(ns_.getattr(kRoot)->nlink, 2U);
  EXPECT_EQ(ns_.lookup(kRoot, "sub").error(), std::errc::no_such_file_or_directory);
  EXPECT_EQ(ns_.getattr(dir->ino).error(), std::errc::no_such_file_or_directory);
}

TEST_P(NamespaceTest, given_bad_names_when_creating_then_posix_errors) {
  EXPECT_EQ(ns_.mkdir(kRoot, std::string(256, 'n'), 0755, kUser).error(),
            std::errc::filename_too_long);
  EXPECT_TRUE(ns_.mkdir(kRoot, std::string(255, 'n'), 0755, kUser));
  EXPECT_EQ(ns_.lookup(kRoot, std::string(256, 'n')).error(), std::errc::filename_too_long);
  EXPECT_EQ(ns_.mknod(kRoot, "a/b", S_IFREG | 0644, 0, kUser).error(), std::errc::invalid_argument);
  EXPECT_EQ(ns_.mknod(kRoot, "", S_IFREG | 0644, 0, kUser).error(), std::errc::invalid_argument);
  EXPECT_EQ(ns_.mkdir(kRoot, "..", 0755, kUser).error(), std::errc::invalid_argument);
  EXPECT_EQ(ns_.mknod(kRoot, "dir", S_IFDIR | 0755, 0, kUser).error(), std::errc::invalid_argument);
}

TEST_P(NamespaceTest, given_every_node_type_when_created_then_attributes_match) {
  auto reg = ns_.mknod(kRoot, "file", S_IFREG | 0644, 0, kUser);
  auto fifo = ns_.mknod(kRoot, "fifo", S_IFIFO | 0600, 0, kUser);
  auto sock = ns_.mknod(kRoot, "sock", S_IFSOCK | 0600, 0, kUser);
  auto chr = ns_.mknod(kRoot, "chr", S_IFCHR | 0600, makedev(1, 3), kUser);
  auto blk = ns_.mknod(kRoot, "blk", S_IFBLK | 0600, makedev(8, 1), kUser);
  ASSERT_TRUE(reg && fifo && sock && chr && blk);
  EXPECT_TRUE(S_ISREG(ns_.lookup(kRoot, "file")->mode));
  EXPECT_TRUE(S_ISFIFO(ns_.lookup(kRoot, "fifo")->mode));
  EXPECT_TRUE(S_ISSOCK(ns_.lookup(kRoot, "sock")->mode));
  EXPECT_EQ(ns_.lookup(kRoot, "chr")->rdev, makedev(1, 3));
  EXPECT_EQ(ns_.lookup(kRoot, "blk")->rdev, makedev(8, 1));
  EXPECT_EQ(reg->rdev, 0U);
  EXPECT_EQ(reg->nlink, 1U);
  EXPECT_EQ(reg->size, 0U);
}

TEST_P(NamespaceTest, given_symlink_when_read_then_target_returned) {
  auto link = ns_.symlink(kRoot, "ln", "../some/where", kUser);
  ASSERT_TRUE(link);
  EXPECT_TRUE(S_ISLNK(link->mode));
  EXPECT_EQ(link->size, 13U);
  EXPECT_EQ(*ns_.readlink(link->ino), "../some/where");
  auto file = ns_.mknod(kRoot, "f", S_IFREG | 0644, 0, kUser);
  EXPECT_EQ(ns_.readlink(file->ino).error(), std::errc::invalid_argument);
  EXPECT_EQ(ns_.symlink(kRoot, "empty", "", kUser).error(), std::errc::no_such_file_or_directory);
}

TEST_P(NamespaceTest, given_hard_links_when_unlinked_one_by_one_then_inode_removed_with_last) {
  auto file = ns_.mknod(kRoot, "a", S_IFREG | 0644, 0, kUser);
  auto dir = ns_.mkdir(kRoot, "d", 0755, kUser);
  auto linked = ns_.link(file->ino, dir->ino, "b");
  ASSERT_TRUE(linked);
  EXPECT_EQ(linked->nlink, 2U);
  EXPECT_EQ(ns_.lookup(dir->ino, "b")->ino, file->ino);
  EXPECT_EQ(ns_.link(file->ino, dir->ino, "b").error(), std::errc::file_exists);
  EXPECT_EQ(ns_.link(dir->ino, kRoot, "dirlink").error(), std::errc::operation_not_permitted);
  ASSERT_TRUE(ns_.unlink(kRoot, "a"));
  EXPECT_EQ(ns_.getattr(file->ino)->nlink, 1U);
  ASSERT_TRUE(ns_.unlink(dir->ino, "b"));
  EXPECT_EQ(ns_.getattr(file->ino).error(), std::errc::no_such_file_or_directory);
  EXPECT_EQ(ns_.unlink(dir->ino, "b").error(), std::errc::no_such_file_or_directory);
}

TEST_P(NamespaceTest, given_wrong_types_when_removing_then_eisdir_enotdir_enotempty) {
  auto dir = ns_.mkdir(kRoot, "d", 0755, kUser);
  auto file = ns_.mknod(dir->ino, "f", S_IFREG | 0644, 0, kUser);
  EXPECT_EQ(ns_.unlink(kRoot, "d").error(), std::errc::is_a_directory);
  EXPECT_EQ(ns_.rmdir(dir->ino, "f").error(), std::errc::not_a_directory);
  EXPECT_EQ(ns_.rmdir(kRoot, "d").error(), std::errc::directory_not_empty);
  EXPECT_EQ(ns_.rmdir(kRoot, ".").error(), std::errc::invalid_argument);
  EXPECT_EQ(ns_.mkdir(file->ino, "x", 0755, kUser).error(), std::errc::not_a_directory);
  EXPECT_EQ(ns_.lookup(file->ino, "x").error(), std::errc::not_a_directory);
  EXPECT_EQ(ns_.readdir(file->ino, 0, 10).error(), std::errc::not_a_directory);
  ASSERT_TRUE(ns_.unlink(dir->ino, "f"));
  EXPECT_TRUE(ns_.rmdir(kRoot, "d"));
}

TEST_P(NamespaceTest,
       given_directory_changing_during_readdir_then_every_remaining_entry_seen_once) {
  for (int i = 0; i < 20; ++i)
    ASSERT_TRUE(ns_.mknod(kRoot, "f" + std::to_string(i), S_IFREG | 0644, 0, kUser));
  auto page = ns_.readdir(kRoot, 0, 5);
  ASSERT_EQ(page->size(), 5U);
  // Remove an entry already returned and one not yet returned; add a new one.
  ASSERT_TRUE(ns_.unlink(kRoot, "f0"));
  ASSERT_TRUE(ns_.unlink(kRoot, "f10"));
  ASSERT_TRUE(ns_.mknod(kRoot, "late", S_IFREG | 0644, 0, kUser));
  std::multiset<std::string> seen;
  for (const auto& e : *page) seen.insert(e.name);
  std::int64_t cursor = page->back().entry_id;
  while (true) {
    auto next = ns_.readdir(kRoot, cursor, 5);
    ASSERT_TRUE(next);
    if (next->empty()) break;
    for (const auto& e : *next) seen.insert(e.name);
    cursor = next->back().entry_id;
  }
  EXPECT_EQ(seen.size(), 20U);  // 20 created - f10 + late
  EXPECT_EQ(seen.count("f10"), 0U);
  EXPECT_EQ(seen.count("late"), 1U);
  for (const auto& name : seen) EXPECT_EQ(seen.count(name), 1U) << name;
}

// The relatime rule of touch_atime: due when atime is not newer than mtime or ctime, or a day
// old; strictatime always; noatime never.
TEST_P(NamespaceTest, given_atime_policies_when_touching_then_relatime_rule_holds) {
  const auto ino = ns_.mknod(kRoot, "f", S_IFREG | 0644, 0, kUser)->ino;
  constexpr std::int64_t kDay = std::int64_t{86400} * 1'000'000'000;
  const auto set_times = [&](std::int64_t atime, std::int64_t mtime, std::int64_t ctime) {
    metadata_->transact([&](index::MetadataTxn& t) {
      auto rec = *t.inode(ino);
      rec.atime_ns = atime;
      rec.mtime_ns = mtime;
      rec.ctime_ns = ctime;
      t.update_inode(rec);
    });
  };
  const auto atime = [&] { return ns_.getattr(ino)->atime_ns; };
  const auto now = now_ns();
  set_times(now - 10, now - 20, now - 20);  // read since the last change, recently
  ns_.touch_atime(ino);
  EXPECT_EQ(atime(), now - 10);
  set_times(now - 20, now - 10, now - 30);  // modified since
  ns_.touch_atime(ino);
  EXPECT_GE(atime(), now);
  set_times(now - 20, now - 30, now - 10);  // changed since
  ns_.touch_atime(ino);
  EXPECT_GE(atime(), now);
  set_times(now - 2 * kDay, now - 3 * kDay, now - 3 * kDay);  // read, but a day ago
  ns_.touch_atime(ino);
  EXPECT_GE(atime(), now);
  ns_.set_atime_policy(AtimePolicy::kStrict);
  set_times(now - 10, now - 20, now - 20);
  ns_.touch_atime(ino);
  EXPECT_GE(atime(), now);
  ns_.set_atime_policy(AtimePolicy::kNever);
  set_times(now - 20, now - 10, now - 10);
  ns_.touch_atime(ino);
  EXPECT_EQ(atime(), now - 20);
}

SQUEEZEFS_ON_EVERY_METADATA_STORE(NamespaceTest);

}  // namespace
}  // namespace squeezefs::fs
