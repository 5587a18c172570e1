// Real mounts: renameat2(RENAME_WHITEOUT), and overlayfs with its upper layer on a mount.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <stdio.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <string>

#include "mounted_fixture.h"

namespace squeezefs::testing {
namespace {

constexpr int kUser = 4343;

class PosixWhiteoutTest : public MountedStoreTest {
 protected:
  int rename2(const std::string& from, const std::string& to, unsigned flags) {
    return err_of(
        ::renameat2(AT_FDCWD, store_.path(from).c_str(), AT_FDCWD, store_.path(to).c_str(), flags));
  }
};

TEST_F(PosixWhiteoutTest, given_whiteout_rename_then_old_name_holds_a_whiteout_as_on_ext4) {
  write_file(store_.path("a"), "data");
  const auto a_ino = stat_of("a").st_ino;
  ASSERT_EQ(rename2("a", "b", RENAME_WHITEOUT), 0);
  EXPECT_EQ(stat_of("b").st_ino, a_ino);
  EXPECT_EQ(read_file(store_.path("b")), "data");
  // ext4 leaves c--------- 0,0 owned by the caller, with one link.
  const auto st = stat_of("a");
  EXPECT_EQ(st.st_mode, static_cast<mode_t>(S_IFCHR));
  EXPECT_EQ(st.st_rdev, makedev(0, 0));
  EXPECT_EQ(st.st_nlink, 1U);
  EXPECT_EQ(st.st_uid, 0U);
  // Directories move the same way.
  ASSERT_EQ(::mkdir(store_.path("d").c_str(), 0755), 0);
  ASSERT_EQ(rename2("d", "d2", RENAME_WHITEOUT), 0);
  EXPECT_TRUE(S_ISDIR(stat_of("d2").st_mode));
  EXPECT_EQ(stat_of("d").st_mode, static_cast<mode_t>(S_IFCHR));
  EXPECT_EQ(stat_of("").st_nlink, 3U) << "root holds d2 only as a directory";
}

TEST_F(PosixWhiteoutTest, given_whiteout_flag_combinations_then_they_behave_as_on_ext4) {
  write_file(store_.path("a"), "a");
  write_file(store_.path("c"), "c");
  EXPECT_EQ(rename2("a", "c", RENAME_WHITEOUT | RENAME_EXCHANGE), EINVAL);
  EXPECT_EQ(rename2("a", "c", RENAME_WHITEOUT | RENAME_NOREPLACE), EEXIST);
  EXPECT_EQ(read_file(store_.path("a")), "a") << "a refused rename leaves the source";
  ASSERT_EQ(rename2("a", "n", RENAME_WHITEOUT | RENAME_NOREPLACE), 0);
  EXPECT_EQ(stat_of("a").st_mode, static_cast<mode_t>(S_IFCHR));
  // Replacing an existing target drops it, as a plain rename does.
  ASSERT_EQ(rename2("n", "c", RENAME_WHITEOUT), 0);
  EXPECT_EQ(read_file(store_.path("c")), "a");
  EXPECT_EQ(stat_of("n").st_mode, static_cast<mode_t>(S_IFCHR));
}

TEST(PosixWhiteoutUserTest,
     given_unprivileged_caller_when_whiteout_rename_then_it_owns_the_whiteout) {
  MountedStore store;
  ASSERT_EQ(store.mkfs(), 0);
  ASSERT_EQ(store.mount("-o allow_other"), 0);
  // As on ext4 (kernel 6.18): no capability is needed, only write access to the directories.
  ASSERT_EQ(::mkdir(store.path("p").c_str(), 0777), 0);
  ASSERT_EQ(::chmod(store.path("p").c_str(), 0777), 0);
  const auto from = store.path("p/e");
  const auto to = store.path("p/f");
  EXPECT_EQ(in_child(
                [&] {
                  const int fd = ::open(from.c_str(), O_CREAT | O_WRONLY, 0644);
                  if (fd < 0) return errno;
                  ::close(fd);
                  return err_of(
                      ::renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), RENAME_WHITEOUT));
                },
                kUser, kUser),
            0);
  struct stat st {};
  ASSERT_EQ(::lstat(from.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode, static_cast<mode_t>(S_IFCHR));
  EXPECT_EQ(st.st_uid, static_cast<uid_t>(kUser));
  EXPECT_EQ(st.st_gid, static_cast<gid_t>(kUser));
}

TEST_F(PosixWhiteoutTest,
       given_overlay_with_upper_layer_on_mount_when_lower_file_deleted_then_whiteout) {
  namespace stdfs = std::filesystem;
  const auto lower = store_.dir() + "/lower";
  const auto merged = store_.dir() + "/merged";
  stdfs::create_directories(lower);
  stdfs::create_directories(merged);
  write_file(lower + "/gone", "lower");
  write_file(lower + "/kept", "lower");
  ASSERT_EQ(::mkdir(store_.path("u").c_str(), 0755), 0);
  ASSERT_EQ(::mkdir(store_.path("w").c_str(), 0755), 0);
  const std::string options =
      "lowerdir=" + lower + ",upperdir=" + store_.path("u") + ",workdir=" + store_.path("w");
  ASSERT_EQ(::mount("overlay", merged.c_str(), "overlay", 0, options.c_str()), 0)
      << std::strerror(errno);
  const int unlinked = err_of(::unlink((merged + "/gone").c_str()));
  write_file(merged + "/new", "upper");
  const bool gone = !stdfs::exists(merged + "/gone");
  ASSERT_EQ(::umount(merged.c_str()), 0) << std::strerror(errno);
  EXPECT_EQ(unlinked, 0);
  EXPECT_TRUE(gone);
  struct stat st {};
  ASSERT_EQ(::lstat(store_.path("u/gone").c_str(), &st), 0) << "no whiteout in the upper layer";
  EXPECT_TRUE(S_ISCHR(st.st_mode));
  EXPECT_EQ(st.st_rdev, makedev(0, 0));
  EXPECT_EQ(read_file(store_.path("u/new")), "upper");
}

}  // namespace
}  // namespace squeezefs::testing
