// Real mounts: rename(2)/renameat2(2), unlink and rmdir semantics.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <set>
#include <string>

#include "mounted_fixture.h"

namespace squeezefs::testing {
namespace {

class PosixRenameTest : public MountedStoreTest {
 protected:
  int rename2(const std::string& from, const std::string& to, unsigned flags) {
    return err_of(
        ::renameat2(AT_FDCWD, store_.path(from).c_str(), AT_FDCWD, store_.path(to).c_str(), flags));
  }
  bool exists(const std::string& name) { return ::access(store_.path(name).c_str(), F_OK) == 0; }
};

TEST_F(PosixRenameTest, given_existing_target_when_renaming_then_it_is_replaced) {
  write_file(store_.path("a"), "new");
  write_file(store_.path("b"), "old");
  const int fd = ::open(store_.path("b").c_str(), O_RDONLY);  // keeps the old inode alive
  ASSERT_GE(fd, 0);
  const auto a_ino = stat_of("a").st_ino;
  ASSERT_EQ(rename2("a", "b", 0), 0);
  EXPECT_FALSE(exists("a"));
  EXPECT_EQ(stat_of("b").st_ino, a_ino);
  EXPECT_EQ(read_file(store_.path("b")), "new");
  char buf[4] = {};
  EXPECT_EQ(::pread(fd, buf, 3, 0), 3);
  EXPECT_STREQ(buf, "old");
  struct stat st {};
  ASSERT_EQ(::fstat(fd, &st), 0);
  EXPECT_EQ(st.st_nlink, 0U) << "the replaced inode lost its only link";
  ::close(fd);
  // Directories replace empty directories; the parent link counts follow.
  ASSERT_EQ(::mkdir(store_.path("d1").c_str(), 0755), 0);
  ASSERT_EQ(::mkdir(store_.path("d2").c_str(), 0755), 0);
  ASSERT_EQ(::mkdir(store_.path("p").c_str(), 0755), 0);
  ASSERT_EQ(rename2("d1", "p/d2", 0), 0);
  ASSERT_EQ(rename2("d2", "p/d2", 0), 0);
  EXPECT_EQ(stat_of("p").st_nlink, 3U);
  EXPECT_EQ(stat_of("").st_nlink, 3U) << "root holds p only";
  // Renaming onto another link of the same inode does nothing.
  ASSERT_EQ(::link(store_.path("b").c_str(), store_.path("c").c_str()), 0);
  ASSERT_EQ(rename2("b", "c", 0), 0);
  EXPECT_TRUE(exists("b"));
  EXPECT_EQ(stat_of("c").st_nlink, 2U);
}

TEST_F(PosixRenameTest, given_noreplace_when_target_exists_then_eexist) {
  write_file(store_.path("a"), "a");
  write_file(store_.path("b"), "b");
  EXPECT_EQ(rename2("a", "b", RENAME_NOREPLACE), EEXIST);
  EXPECT_EQ(read_file(store_.path("b")), "b");
  ASSERT_EQ(rename2("a", "c", RENAME_NOREPLACE), 0);
  EXPECT_EQ(read_file(store_.path("c")), "a");
  EXPECT_EQ(rename2("a", "d", RENAME_NOREPLACE), ENOENT);
  EXPECT_EQ(rename2("b", "c", RENAME_NOREPLACE | RENAME_EXCHANGE), EINVAL);
}

TEST_F(PosixRenameTest, given_exchange_when_swapping_then_both_names_trade_inodes) {
  write_file(store_.path("f"), "file");
  ASSERT_EQ(::mkdir(store_.path("d").c_str(), 0755), 0);
  write_file(store_.path("d/inner"), "inner");
  ASSERT_EQ(::mkdir(store_.path("q").c_str(), 0755), 0);
  const auto f_ino = stat_of("f").st_ino;
  const auto d_ino = stat_of("d").st_ino;
  ASSERT_EQ(rename2("f", "q/x", 0), 0);
  ASSERT_EQ(rename2("q/x", "d", RENAME_EXCHANGE), 0);
  EXPECT_EQ(stat_of("d").st_ino, f_ino);
  EXPECT_EQ(stat_of("q/x").st_ino, d_ino);
  EXPECT_EQ(read_file(store_.path("q/x/inner")), "inner");
  EXPECT_EQ(stat_of("q").st_nlink, 3U) << "q now holds a directory";
  EXPECT_EQ(stat_of("").st_nlink, 3U) << "root holds only q as a directory";
  // Errors: a missing side, a directory into its own subtree.
  EXPECT_EQ(rename2("d", "missing", RENAME_EXCHANGE), ENOENT);
  ASSERT_EQ(::mkdir(store_.path("q/x/sub").c_str(), 0755), 0);
  EXPECT_EQ(rename2("q/x", "q/x/sub", RENAME_EXCHANGE), EINVAL);
  EXPECT_EQ(rename2("q/x/sub", "q", RENAME_EXCHANGE), EINVAL);
}

TEST_F(PosixRenameTest, given_invalid_renames_when_attempted_then_posix_errors) {
  ASSERT_EQ(::mkdir(store_.path("d").c_str(), 0755), 0);
  ASSERT_EQ(::mkdir(store_.path("d/sub").c_str(), 0755), 0);
  ASSERT_EQ(::mkdir(store_.path("full").c_str(), 0755), 0);
  write_file(store_.path("full/x"), "x");
  write_file(store_.path("f"), "f");
  EXPECT_EQ(rename2("d", "d/sub/inside", 0), EINVAL) << "into its own subdirectory";
  EXPECT_EQ(rename2("d", "full", 0), ENOTEMPTY);
  EXPECT_EQ(rename2("f", "d", 0), EISDIR);
  EXPECT_EQ(rename2("d", "f", 0), ENOTDIR);
  EXPECT_EQ(rename2("missing", "g", 0), ENOENT);
  EXPECT_EQ(rename2("f", "nodir/g", 0), ENOENT);
  EXPECT_EQ(rename2("f", "f/g", 0), ENOTDIR);
  EXPECT_EQ(rename2("f", std::string(256, 'n'), 0), ENAMETOOLONG);
  EXPECT_EQ(read_file(store_.path("f")), "f");
  EXPECT_TRUE(exists("d/sub"));
}

TEST_F(PosixRenameTest, given_unlink_and_rmdir_when_misused_then_posix_errors) {
  ASSERT_EQ(::mkdir(store_.path("d").c_str(), 0755), 0);
  write_file(store_.path("d/f"), "f");
  EXPECT_EQ(err_of(::unlink(store_.path("d").c_str())), EISDIR);
  EXPECT_EQ(err_of(::rmdir(store_.path("d/f").c_str())), ENOTDIR);
  EXPECT_EQ(err_of(::rmdir(store_.path("d").c_str())), ENOTEMPTY);
  EXPECT_EQ(err_of(::unlink(store_.path("d/missing").c_str())), ENOENT);
  EXPECT_EQ(err_of(::rmdir(store_.path("d/.").c_str())), EINVAL);
  ASSERT_EQ(::unlink(store_.path("d/f").c_str()), 0);
  // An open, removed directory stays usable as a handle but takes no new entries.
  const int dfd = ::open(store_.path("d").c_str(), O_RDONLY | O_DIRECTORY);
  ASSERT_GE(dfd, 0);
  ASSERT_EQ(::rmdir(store_.path("d").c_str()), 0);
  EXPECT_EQ(err_of(::openat(dfd, "new", O_CREAT | O_WRONLY, 0644)), ENOENT);
  struct stat st {};
  ASSERT_EQ(::fstat(dfd, &st), 0);
  EXPECT_TRUE(S_ISDIR(st.st_mode));
  ::close(dfd);
  EXPECT_FALSE(exists("d"));
  EXPECT_EQ(stat_of("").st_nlink, 2U);
  std::set<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(store_.mnt()))
    names.insert(e.path().filename().string());
  EXPECT_TRUE(names.empty());
}

}  // namespace
}  // namespace squeezefs::testing
