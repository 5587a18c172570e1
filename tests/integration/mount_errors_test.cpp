// Real mounts: bad input to `squeezefs mount` gives a clear message, a non-zero exit and leaves
// the store exactly as it was.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "mounted_store.h"

namespace squeezefs::testing {
namespace {

// How many mounts /proc/mounts lists at `mnt`.
int mount_count(const std::string& mnt) {
  const auto mounts = read_file("/proc/mounts");
  int n = 0;
  for (auto at = mounts.find(" " + mnt + " "); at != std::string::npos;
       at = mounts.find(" " + mnt + " ", at + 1))
    ++n;
  return n;
}

class MountErrorTest : public ::testing::Test {
 protected:
  // Runs `squeezefs mount ARGS`, expecting exit code `code`, a message containing `message` (and
  // no source file) and an unchanged store.
  void expect_refused(const std::string& args, int code, const std::string& message) {
    const auto before = tree_digest(store_.store());
    const auto [rc, output] = run_capture(squeezefs_binary() + " mount " + args);
    EXPECT_EQ(rc, code) << args << ": " << output;
    EXPECT_NE(output.find(message), std::string::npos) << args << ": " << output;
    // Messages are for users: no place in the source tree.
    EXPECT_EQ(output.find(".cpp"), std::string::npos) << args << ": " << output;
    EXPECT_EQ(output.find("/src/"), std::string::npos) << args << ": " << output;
    EXPECT_EQ(tree_digest(store_.store()), before) << args;
  }
  MountedStore store_;
};

TEST_F(MountErrorTest, given_non_store_when_mounting_then_refused_and_untouched) {
  std::filesystem::create_directory(store_.store());
  write_file(store_.store() + "/file", "x");
  expect_refused(store_.store() + " " + store_.mnt(), 1, "is not a squeezefs store");
  EXPECT_FALSE(std::filesystem::exists(store_.store() + "/index.db"));
  expect_refused(store_.dir() + "/missing " + store_.mnt(), 1, "is not a squeezefs store");
}

TEST_F(MountErrorTest, given_bad_options_when_mounting_then_usage_error_and_untouched) {
  ASSERT_EQ(store_.mkfs(), 0);
  const auto args = store_.store() + " " + store_.mnt();
  expect_refused(args + " -o no_such_option", 2, "unknown mount option 'no_such_option'");
  expect_refused(args + " -o ro,codec=no_such_codec", 2, "no_such_codec");
  expect_refused(args + " -o codec=zstd:999", 2, "level");
  expect_refused(args + " --no-such-flag", 2, "no-such-flag");
}

TEST_F(MountErrorTest, given_missing_mount_point_when_mounting_then_refused_and_untouched) {
  ASSERT_EQ(store_.mkfs(), 0);
  expect_refused(store_.store() + " " + store_.dir() + "/nowhere", 1, "does not exist");
  write_file(store_.dir() + "/plain", "");
  expect_refused(store_.store() + " " + store_.dir() + "/plain", 1, "is not a directory");
}

TEST_F(MountErrorTest, given_mounted_store_when_mounting_again_then_refused_and_untouched) {
  ASSERT_EQ(store_.mkfs(), 0);
  ASSERT_EQ(store_.mount(), 0);
  write_file(store_.path("f"), "data");
  // Settle the live mount (its last close commits in the background), so the digests below see
  // only what the refused mounts might do.
  {
    const int fd = ::open(store_.path("f").c_str(), O_RDONLY);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(::fsync(fd), 0);
    ::close(fd);
  }
  const auto other = store_.dir() + "/other";
  std::filesystem::create_directory(other);
  expect_refused(store_.store() + " " + other, 1, "is already mounted");
  expect_refused(store_.store() + " " + store_.mnt(), 1, "is already mounted");
  // A foreground attempt from another process meets the same lock.
  expect_refused("-f " + store_.store() + " " + other, 1, "is already mounted");
  EXPECT_EQ(read_file(store_.path("f")), "data");
}

TEST_F(MountErrorTest, given_read_only_store_when_mounting_then_refused_and_untouched) {
  ASSERT_EQ(store_.mkfs(), 0);
  ASSERT_EQ(store_.mount(), 0);
  write_file(store_.path("f"), "data");
  store_.unmount();
  // Root ignores permission bits, so the store is made read-only by a read-only bind mount.
  const auto ro = store_.dir() + "/ro";
  std::filesystem::create_directory(ro);
  if (run_quiet("mount --bind " + store_.store() + " " + ro) != 0)
    GTEST_SKIP() << "bind mounts are not available";
  const int remount = run_quiet("mount -o remount,bind,ro " + ro);
  if (remount == 0) {
    const auto before = tree_digest(ro);
    const auto [rc, output] = run_capture(squeezefs_binary() + " mount " + ro + " " + store_.mnt());
    EXPECT_EQ(rc, 1) << output;
    EXPECT_NE(output.find("is not writable"), std::string::npos) << output;
    EXPECT_NE(output.find("mount it with -o ro"), std::string::npos) << output;
    EXPECT_EQ(tree_digest(ro), before);
    EXPECT_EQ(mount_count(store_.mnt()), 0);
  }
  EXPECT_EQ(run_quiet("umount " + ro), 0);
  ASSERT_EQ(remount, 0);
  ASSERT_EQ(store_.mount(), 0);
  EXPECT_EQ(read_file(store_.path("f")), "data");
}

// Permission bits bind users other than root: a store its owner made read-only (chmod 0555)
// is refused without -o ro, before anything is opened for writing.
TEST_F(MountErrorTest, given_store_without_write_permission_when_mounting_then_refused) {
  constexpr int kOwner = 4351;
  ASSERT_EQ(store_.mkfs(), 0);
  ASSERT_EQ(run_quiet("chown -R " + std::to_string(kOwner) + ":" + std::to_string(kOwner) + " " +
                      store_.store() + " " + store_.mnt()),
            0);
  ASSERT_EQ(::chmod(store_.store().c_str(), 0555), 0);
  const std::string as_owner = "setpriv --reuid " + std::to_string(kOwner) + " --regid " +
                               std::to_string(kOwner) + " --clear-groups ";
  const auto before = tree_digest(store_.store());
  const auto [rc, output] =
      run_capture(as_owner + squeezefs_binary() + " mount " + store_.store() + " " + store_.mnt());
  EXPECT_EQ(rc, 1) << output;
  EXPECT_NE(output.find("is not writable (" + store_.store() + ": Permission denied)"),
            std::string::npos)
      << output;
  EXPECT_NE(output.find("mount it with -o ro"), std::string::npos) << output;
  EXPECT_EQ(tree_digest(store_.store()), before);
  EXPECT_EQ(mount_count(store_.mnt()), 0);
  ASSERT_EQ(::chmod(store_.store().c_str(), 0755), 0);
  ASSERT_EQ(store_.mount(), 0) << "the store itself is intact";
}

TEST_F(MountErrorTest, given_damaged_index_when_mounting_then_refused_and_untouched) {
  ASSERT_EQ(store_.mkfs(), 0);
  write_file(store_.store() + "/index.db", std::string(8192, 'z'));
  expect_refused(store_.store() + " " + store_.mnt(), 1, "cannot open store");
}

TEST_F(MountErrorTest, given_newer_format_when_mounting_then_refused_and_untouched) {
  ASSERT_EQ(store_.mkfs(), 0);
  const auto index = store_.store() + "/index.db";
  ASSERT_FALSE(std::filesystem::exists(index + "-wal")) << "mkfs must leave a checkpointed index";
  {
    // PRAGMA user_version is the big-endian 32-bit field at offset 60 of the header.
    std::fstream f(index, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(60);
    const char version[4] = {0, 0, 0, 99};
    f.write(version, 4);
  }
  expect_refused(store_.store() + " " + store_.mnt(), 1, "is newer than this squeezefs");
}

}  // namespace
}  // namespace squeezefs::testing
