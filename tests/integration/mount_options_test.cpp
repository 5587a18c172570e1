// Real mounts: mount options, the mount(8) helper, fstab lines and unmounting by store name.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "killable_daemon.h"
#include "mounted_store.h"

namespace squeezefs::testing {
namespace {

constexpr int kUser = 4341;

// The /proc/mounts line of `mnt`, or "" when nothing is mounted there.
std::string mount_line(const std::string& mnt) {
  std::istringstream in(read_file("/proc/mounts"));
  std::string line;
  while (std::getline(in, line)) {
    if (line.find(" " + mnt + " ") != std::string::npos) return line;
  }
  return "";
}

TEST(MountOptionsTest, given_fresh_mount_when_unmounted_at_once_then_the_unmount_succeeds) {
  MountedStore store;
  ASSERT_EQ(store.mkfs(), 0);
  // The mount command returns once the mount answers requests: nothing the daemon does at start
  // (it stats the mount point to tune readahead) may then keep the mount busy.
  for (int cycle = 0; cycle < 10; ++cycle) {
    ASSERT_EQ(store.mount(), 0) << "cycle " << cycle;
    store.unmount();
    ASSERT_FALSE(::testing::Test::HasFailure()) << "cycle " << cycle;
    EXPECT_FALSE(is_mounted(store.mnt()));
  }
}

TEST(MountOptionsTest, given_ro_when_writing_then_erofs_and_reads_work) {
  MountedStore store;
  ASSERT_EQ(store.mkfs(), 0);
  ASSERT_EQ(store.mount(), 0);
  write_file(store.path("f"), "kept");
  ASSERT_EQ(::mkdir(store.path("d").c_str(), 0755), 0);
  store.unmount();
  ASSERT_EQ(store.mount("-o ro"), 0);
  EXPECT_NE(mount_line(store.mnt()).find(" ro,"), std::string::npos) << mount_line(store.mnt());
  EXPECT_EQ(read_file(store.path("f")), "kept");
  EXPECT_EQ(err_of(::open(store.path("f").c_str(), O_WRONLY)), EROFS);
  EXPECT_EQ(err_of(::open(store.path("g").c_str(), O_CREAT | O_WRONLY, 0644)), EROFS);
  EXPECT_EQ(err_of(::mkdir(store.path("e").c_str(), 0755)), EROFS);
  EXPECT_EQ(err_of(::unlink(store.path("f").c_str())), EROFS);
  EXPECT_EQ(err_of(::rmdir(store.path("d").c_str())), EROFS);
  EXPECT_EQ(err_of(::chmod(store.path("f").c_str(), 0600)), EROFS);
  EXPECT_EQ(err_of(::setxattr(store.path("f").c_str(), "user.x", "v", 1, 0)), EROFS);
  EXPECT_EQ(err_of(::rename(store.path("f").c_str(), store.path("h").c_str())), EROFS);
}

TEST(MountOptionsTest, given_allow_other_when_other_user_accesses_then_only_with_it) {
  MountedStore store;
  ASSERT_EQ(store.mkfs(), 0);
  ASSERT_EQ(store.mount(), 0);
  const auto mnt = store.mnt();
  const char* m = mnt.c_str();
  ASSERT_EQ(::chmod(m, 0755), 0);
  EXPECT_EQ(in_child([m] { return err_of(::access(m, R_OK)); }, kUser, kUser), EACCES);
  store.unmount();
  ASSERT_EQ(store.mount("-o allow_other"), 0);
  EXPECT_NE(mount_line(mnt).find("allow_other"), std::string::npos) << mount_line(mnt);
  EXPECT_EQ(in_child([m] { return err_of(::access(m, R_OK)); }, kUser, kUser), 0);
}

TEST(MountOptionsTest, given_debug_when_operating_then_log_traces_each_operation) {
  MountedStore store;
  ASSERT_EQ(store.mkfs(), 0);
  ASSERT_EQ(store.mount("-o debug,nosuid,nodev,noatime"), 0);
  const auto line = mount_line(store.mnt());
  EXPECT_NE(line.find("nosuid"), std::string::npos) << line;
  EXPECT_NE(line.find("nodev"), std::string::npos) << line;
  EXPECT_NE(line.find("noatime"), std::string::npos) << line;
  write_file(store.path("traced"), "t");
  ASSERT_EQ(::mkdir(store.path("dir").c_str(), 0755), 0);
  store.unmount();
  const auto log = read_file(store.store() + "/squeezefs.log");
  // The first line says which build serves which store where, with which options.
  EXPECT_NE(log.find("(commit "), std::string::npos) << log;
  EXPECT_NE(log.find("serving " + store.store() + " at " + store.mnt() +
                     " (options: debug,nosuid,nodev,noatime)"),
            std::string::npos)
      << log;
  EXPECT_NE(log.find("mkdir"), std::string::npos) << log;
  EXPECT_NE(log.find("create"), std::string::npos) << log;
  EXPECT_NE(log.find("traced"), std::string::npos) << log;
}

TEST(MountOptionsTest, given_store_name_when_unmounting_then_data_is_flushed) {
  MountedStore store;
  ASSERT_EQ(store.mkfs(), 0);
  ASSERT_EQ(store.mount(), 0);
  std::string text;
  for (int i = 0; text.size() < 300000; ++i) text += "flushed line " + std::to_string(i) + "\n";
  write_file(store.path("f"), text);
  // umount(8) takes an existing directory for a mount point unless told not to canonicalize
  // (-c); then it finds the mount by its source, the store.
  ASSERT_EQ(run_quiet("umount -c " + store.store()), 0);
  EXPECT_EQ(mount_line(store.mnt()), "");
  // The daemon exits once it has written everything; it holds the store lock until then.
  ASSERT_EQ(run_quiet("timeout 30 flock " + store.store() + "/index.db true"), 0);
  ASSERT_EQ(store.mount(), 0);
  EXPECT_EQ(read_file(store.path("f")), text);
}

// The source /proc/mounts shows is the store's canonical path however the store was named
// (relative, through a symlink, with a comma or a space), so umount(8) finds the mount by it.
TEST(MountOptionsTest, given_store_named_through_symlink_when_unmounting_by_source_then_found) {
  MountedStore store;
  const std::string real = store.dir() + "/a,b store";
  ASSERT_EQ(run_quiet(squeezefs_binary() + " mkfs '" + real + "'"), 0);
  std::filesystem::create_directory_symlink("a,b store", store.dir() + "/link");
  struct Unmount {
    std::string mnt;
    ~Unmount() {
      if (!mount_line(mnt).empty()) run_quiet("fusermount3 -u " + mnt);
    }
  } guard{store.mnt()};
  ASSERT_EQ(
      run_quiet("cd " + store.dir() + " && " + squeezefs_binary() + " mount ./link/../link mnt"),
      0);
  const auto line = mount_line(store.mnt());
  EXPECT_EQ(line.rfind(store.dir() + "/a,b\\040store " + store.mnt() + " fuse.squeezefs ", 0), 0U)
      << line;
  write_file(store.path("f"), "by source");
  // umount(8) takes an existing directory for a mount point unless told not to canonicalize.
  ASSERT_EQ(run_quiet("umount -c '" + real + "'"), 0);
  EXPECT_EQ(mount_line(store.mnt()), "");
  ASSERT_EQ(run_quiet("timeout 30 flock '" + real + "/index.db' true"), 0);
  ASSERT_EQ(run_quiet(squeezefs_binary() + " mount '" + real + "' " + store.mnt()), 0);
  EXPECT_EQ(read_file(store.path("f")), "by source");
}

// mount(8) runs the helper lent to it in a private mount namespace (lend_mount_helper), and reads
// an fstab line from a file of its own (mount -T).
TEST(MountOptionsTest, given_mount_helper_when_mount_t_and_fstab_then_store_mounts) {
  if (run_quiet("unshare -m --propagation private true") != 0)
    GTEST_SKIP() << "mount namespaces are not available";
  MountedStore store;
  ASSERT_EQ(store.mkfs(), 0);
  const auto sbin = lend_mount_helper(store);
  {
    std::ofstream fstab(store.dir() + "/fstab");
    fstab << "# test table\n"
          << store.store() << " " << store.mnt() << " fuse.squeezefs defaults,noatime,nofail 0 0\n";
  }
  const auto& st = store.store();
  const auto& mnt = store.mnt();
  const std::string script =
      "set -e\n"
      "trap 'umount " +
      mnt +
      " 2>/dev/null || true' EXIT\n"
      "mount --bind " +
      sbin +
      " /usr/sbin\n"
      "mount -t fuse.squeezefs -o allow_other " +
      st + " " + mnt +
      "\n"
      "grep -q '^" +
      st + " " + mnt +
      " fuse.squeezefs .*allow_other' /proc/mounts\n"
      "echo via-helper > " +
      mnt +
      "/f\n"
      "umount -c " +
      st +
      "\n"
      "timeout 30 flock " +
      st +
      "/index.db true\n"
      "mount -T " +
      store.dir() + "/fstab " + mnt +
      "\n"
      "grep -q '^" +
      st + " " + mnt +
      " fuse.squeezefs .*noatime' /proc/mounts\n"
      "grep -q via-helper " +
      mnt +
      "/f\n"
      "umount " +
      mnt +
      "\n"
      "timeout 30 flock " +
      st + "/index.db true\n";
  write_file(store.dir() + "/script.sh", script);
  EXPECT_EQ(run_quiet("unshare -m --propagation private sh " + store.dir() + "/script.sh"), 0)
      << script;
  EXPECT_EQ(mount_line(mnt), "") << "nothing stays mounted outside the namespace";
  // The file written through the helper's mount is in the store.
  ASSERT_EQ(store.mount(), 0);
  EXPECT_EQ(read_file(store.path("f")), "via-helper\n");
}

}  // namespace
}  // namespace squeezefs::testing
