#include <gtest/gtest.h>
#include <sys/stat.h>

#include "core_fixtures.h"

namespace squeezefs::fs {
namespace {

constexpr Caller kUser{1000, 100};
constexpr std::uint64_t kRoot = Namespace::kRootIno;

class RenameTest : public NamespaceFixture {
 protected:
  std::uint64_t file(std::uint64_t dir, const char* name) {
    return ns_.mknod(dir, name, S_IFREG | 0644, 0, kUser)->ino;
  }
  std::uint64_t dir(std::uint64_t parent, const char* name) {
    return ns_.mkdir(parent, name, 0755, kUser)->ino;
  }
  std::uint32_t links(std::uint64_t ino) { return ns_.getattr(ino)->nlink; }
};

TEST_P(RenameTest, given_file_when_renamed_across_directories_then_moves) {
  const auto f = file(kRoot, "a");
  const auto d = dir(kRoot, "d");
  ASSERT_TRUE(ns_.rename(kRoot, "a", d, "b", RenameMode::kReplace));
  EXPECT_EQ(ns_.lookup(kRoot, "a").error(), std::errc::no_such_file_or_directory);
  EXPECT_EQ(ns_.lookup(d, "b")->ino, f);
  EXPECT_EQ(ns_.rename(kRoot, "a", d, "c", RenameMode::kReplace).error(),
            std::errc::no_such_file_or_directory);
}

TEST_P(RenameTest, given_existing_target_when_replaced_then_old_target_removed) {
  const auto a = file(kRoot, "a");
  const auto b = file(kRoot, "b");
  EXPECT_EQ(ns_.rename(kRoot, "a", kRoot, "b", RenameMode::kNoReplace).error(),
            std::errc::file_exists);
  ASSERT_TRUE(ns_.rename(kRoot, "a", kRoot, "b", RenameMode::kReplace));
  EXPECT_EQ(ns_.lookup(kRoot, "b")->ino, a);
  EXPECT_EQ(ns_.getattr(b).error(), std::errc::no_such_file_or_directory);
  EXPECT_EQ(ns_.readdir(kRoot, 0, 10)->size(), 1U);
}

TEST_P(RenameTest, given_directory_when_moved_then_parent_link_counts_follow) {
  const auto p1 = dir(kRoot, "p1");
  const auto p2 = dir(kRoot, "p2");
  const auto c = dir(p1, "c");
  EXPECT_EQ(links(p1), 3U);
  ASSERT_TRUE(ns_.rename(p1, "c", p2, "c", RenameMode::kReplace));
  EXPECT_EQ(links(p1), 2U);
  EXPECT_EQ(links(p2), 3U);
  EXPECT_EQ(ns_.lookup(p2, "c")->ino, c);
  // Replacing an empty directory removes it.
  const auto e = dir(p1, "e");
  ASSERT_TRUE(ns_.rename(p2, "c", p1, "e", RenameMode::kReplace));
  EXPECT_EQ(ns_.getattr(e).error(), std::errc::no_such_file_or_directory);
  EXPECT_EQ(links(p1), 3U);
  EXPECT_EQ(links(p2), 2U);
}

TEST_P(RenameTest, given_type_mismatch_or_full_target_when_renamed_then_errors) {
  const auto d = dir(kRoot, "d");
  const auto full = dir(kRoot, "full");
  file(full, "x");
  file(kRoot, "f");
  EXPECT_EQ(ns_.rename(kRoot, "d", kRoot, "f", RenameMode::kReplace).error(),
            std::errc::not_a_directory);
  EXPECT_EQ(ns_.rename(kRoot, "f", kRoot, "d", RenameMode::kReplace).error(),
            std::errc::is_a_directory);
  EXPECT_EQ(ns_.rename(kRoot, "d", kRoot, "full", RenameMode::kReplace).error(),
            std::errc::directory_not_empty);
  EXPECT_EQ(ns_.rename(kRoot, "d", kRoot, std::string(256, 'x'), RenameMode::kReplace).error(),
            std::errc::filename_too_long);
  EXPECT_EQ(ns_.lookup(kRoot, "d")->ino, d);
}

TEST_P(RenameTest, given_directory_when_moved_into_itself_then_einval) {
  const auto a = dir(kRoot, "a");
  const auto b = dir(a, "b");
  const auto c = dir(b, "c");
  EXPECT_EQ(ns_.rename(kRoot, "a", c, "x", RenameMode::kReplace).error(),
            std::errc::invalid_argument);
  EXPECT_EQ(ns_.rename(kRoot, "a", a, "x", RenameMode::kReplace).error(),
            std::errc::invalid_argument);
  EXPECT_TRUE(ns_.rename(b, "c", kRoot, "c", RenameMode::kReplace));
}

TEST_P(RenameTest, given_exchange_when_both_exist_then_swapped) {
  const auto d = dir(kRoot, "d");
  const auto sub = dir(d, "sub");
  const auto f = file(kRoot, "f");
  EXPECT_EQ(ns_.rename(kRoot, "f", kRoot, "missing", RenameMode::kExchange).error(),
            std::errc::no_such_file_or_directory);
  ASSERT_TRUE(ns_.rename(kRoot, "f", d, "sub", RenameMode::kExchange));
  EXPECT_EQ(ns_.lookup(kRoot, "f")->ino, sub);
  EXPECT_EQ(ns_.lookup(d, "sub")->ino, f);
  EXPECT_EQ(links(d), 2U);      // lost its subdirectory
  EXPECT_EQ(links(kRoot), 4U);  // root, d and sub now
  EXPECT_EQ(ns_.rename(kRoot, "d", d, "sub", RenameMode::kExchange).error(),
            std::errc::invalid_argument);
}

TEST_P(RenameTest, given_hard_links_to_same_inode_when_renamed_then_nothing_changes) {
  const auto f = file(kRoot, "a");
  ASSERT_TRUE(ns_.link(f, kRoot, "b"));
  ASSERT_TRUE(ns_.rename(kRoot, "a", kRoot, "b", RenameMode::kReplace));
  EXPECT_EQ(ns_.lookup(kRoot, "a")->ino, f);
  EXPECT_EQ(links(f), 2U);
}

TEST_P(RenameTest, given_setattr_when_changing_mode_owner_times_then_applied_and_ctime_moves) {
  const auto f = file(kRoot, "f");
  {
    // An old ctime, so that a setattr leaving it alone cannot pass for one that moves it.
    metadata_->transact([&](index::MetadataTxn& t) {
      auto rec = *t.inode(f);
      rec.ctime_ns = 1;
      t.update_inode(rec);
    });
  }
  const auto before = *ns_.getattr(f);
  ASSERT_EQ(before.ctime_ns, 1);
  AttrChange change;
  change.mode = 0600 | S_IFDIR;  // type bits are ignored
  change.uid = 5;
  change.atime_ns = 123;
  auto after = ns_.setattr(f, change);
  ASSERT_TRUE(after);
  EXPECT_EQ(after->mode, S_IFREG | 0600U);
  EXPECT_EQ(after->uid, 5U);
  EXPECT_EQ(after->gid, before.gid);
  EXPECT_EQ(after->atime_ns, 123);
  EXPECT_EQ(after->mtime_ns, before.mtime_ns);
  EXPECT_GT(after->ctime_ns, before.ctime_ns);
  EXPECT_EQ(*ns_.getattr(f), *after);
  EXPECT_EQ(ns_.setattr(999, change).error(), std::errc::no_such_file_or_directory);
}

SQUEEZEFS_ON_EVERY_METADATA_STORE(RenameTest);

}  // namespace
}  // namespace squeezefs::fs
