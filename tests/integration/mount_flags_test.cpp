// Real mounts: the generic mount flags (nodev, noexec, sync, nodiratime, lazytime, the atime
// options...) as ext4 takes them, and remount through squeezefs mount and mount(8).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "mounted_store.h"

namespace squeezefs::testing {
namespace {

// The /proc/self/mountinfo line of `mnt`, or "" when nothing is mounted there.
std::string mountinfo_line(const std::string& mnt) {
  std::istringstream in(read_file("/proc/self/mountinfo"));
  std::string line;
  std::string found;
  while (std::getline(in, line)) {
    if (line.find(" " + mnt + " ") != std::string::npos) found = line;
  }
  return found;
}

// Whether the comma-separated option `o` is in the per-mount or superblock options of `line`.
bool has_option(const std::string& line, const std::string& o) {
  std::istringstream fields(line);
  std::string f;
  for (int i = 0; fields >> f; ++i) {
    if ((i == 5 || f.find("user_id=") != std::string::npos) &&
        ("," + f + ",").find("," + o + ",") != std::string::npos) {
      return true;
    }
  }
  return false;
}

unsigned long vfs_flags(const std::string& path) {
  struct statvfs st {};
  EXPECT_EQ(::statvfs(path.c_str(), &st), 0);
  return st.f_flag;
}

std::int64_t atime_ns(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return std::int64_t{st.st_atim.tv_sec} * 1'000'000'000 + st.st_atim.tv_nsec;
}

// Sets atime back a while (older than mtime), so relatime updates it at the next access.
void age_atime(const std::string& path) {
  const timespec times[2] = {{1000, 0}, {0, UTIME_OMIT}};
  ASSERT_EQ(::utimensat(AT_FDCWD, path.c_str(), times, 0), 0);
}

void list_dir(const std::string& path) {
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(path)) {
  }
}

TEST(MountFlagsTest, given_every_generic_flag_when_mounting_then_accepted_and_on_the_mount) {
  MountedStore store;
  ASSERT_EQ(store.mkfs(), 0);
  // A program and a device node, made on a mount that allows both.
  ASSERT_EQ(store.mount("-o dev,exec"), 0);
  const auto tool = store.path("true");
  std::filesystem::copy_file("/bin/true", tool);
  ASSERT_EQ(::mknod(store.path("null").c_str(), S_IFCHR | 0666, makedev(1, 3)), 0);
  EXPECT_EQ(run_quiet(tool), 0) << "exec works on an exec mount";
  const int fd = ::open(store.path("null").c_str(), O_WRONLY);
  EXPECT_GE(fd, 0) << "a device opens on a dev mount";
  if (fd >= 0) ::close(fd);
  store.unmount();
  ASSERT_EQ(store.mount("-o nodiratime,lazytime,sync,dirsync,nodev,nosuid,noexec,strictatime"), 0);
  // They act: no exec on noexec, no device on nodev (as on ext4: EACCES both).
  EXPECT_EQ(err_of(::execl(tool.c_str(), "true", nullptr)), EACCES);
  EXPECT_EQ(err_of(::open(store.path("null").c_str(), O_WRONLY)), EACCES);
  const auto line = mountinfo_line(store.mnt());
  for (const char* o : {"nodiratime", "lazytime", "sync", "dirsync", "nodev", "nosuid", "noexec"})
    EXPECT_TRUE(has_option(line, o)) << o << " missing: " << line;
  EXPECT_FALSE(has_option(line, "relatime")) << line;
  const auto f = vfs_flags(store.mnt());
  EXPECT_NE(f & ST_NODIRATIME, 0U);
  EXPECT_NE(f & ST_SYNCHRONOUS, 0U);
  EXPECT_NE(f & ST_NOEXEC, 0U);
  EXPECT_EQ(f & (ST_RELATIME | ST_NOATIME), 0U);
  store.unmount();
  // Their opposites (and the ones that name the default) are accepted too.
  ASSERT_EQ(store.mount("-o diratime,nolazytime,async,dev,suid,exec,atime,relatime"), 0);
  const auto line2 = mountinfo_line(store.mnt());
  for (const char* o : {"nodiratime", "lazytime", "sync", "nodev", "nosuid", "noexec"})
    EXPECT_FALSE(has_option(line2, o)) << o << " present: " << line2;
  EXPECT_TRUE(has_option(line2, "relatime")) << line2;
}

TEST(MountFlagsTest, given_nodiratime_when_listing_then_dir_atime_stays_but_file_atime_moves) {
  MountedStore store;
  ASSERT_EQ(store.mkfs(), 0);
  ASSERT_EQ(store.mount("-o nodiratime"), 0);
  ASSERT_EQ(::mkdir(store.path("d").c_str(), 0755), 0);
  write_file(store.path("d/f"), "x");
  age_atime(store.path("d"));
  age_atime(store.path("d/f"));
  const auto dir_before = atime_ns(store.path("d"));
  const auto file_before = atime_ns(store.path("d/f"));
  list_dir(store.path("d"));
  (void)read_file(store.path("d/f"));
  EXPECT_EQ(atime_ns(store.path("d")), dir_before) << "nodiratime: a listing leaves atime";
  EXPECT_GT(atime_ns(store.path("d/f")), file_before) << "files still follow relatime";
  store.unmount();
  // Without it the listing moves the directory's atime (relatime: it was older than mtime).
  ASSERT_EQ(store.mount(), 0);
  age_atime(store.path("d"));
  const auto dir_aged = atime_ns(store.path("d"));
  list_dir(store.path("d"));
  EXPECT_GT(atime_ns(store.path("d")), dir_aged);
}

TEST(MountFlagsTest, given_unknown_or_unchangeable_options_when_remounting_then_clear_refusal) {
  MountedStore store;
  ASSERT_EQ(store.mkfs(), 0);
  ASSERT_EQ(store.mount(), 0);
  const auto bin = squeezefs_binary();
  auto [rc, out] = run_capture(bin + " mount -o remount,cache_size=1G " + store.mnt());
  EXPECT_NE(rc, 0);
  EXPECT_NE(out.find("'cache_size=1G' cannot be changed by a remount"), std::string::npos) << out;
  std::tie(rc, out) = run_capture(bin + " mount -o remount,dirsync " + store.mnt());
  EXPECT_NE(rc, 0);
  EXPECT_NE(out.find("'dirsync' cannot be changed by a remount"), std::string::npos) << out;
  std::tie(rc, out) = run_capture(bin + " mount -o remount,bogus " + store.mnt());
  EXPECT_NE(rc, 0);
  EXPECT_NE(out.find("unknown mount option 'bogus'"), std::string::npos) << out;
}

TEST(MountFlagsTest, given_squeezefs_mount_remount_when_ro_then_erofs_and_back_rw_with_new_codec) {
  MountedStore store;
  ASSERT_EQ(store.mkfs(), 0);
  ASSERT_EQ(store.mount("-o nodev"), 0);
  write_file(store.path("a"), "before");
  const auto bin = squeezefs_binary();
  auto [rc, out] = run_capture(bin + " mount -o remount,ro " + store.mnt());
  ASSERT_EQ(rc, 0) << out;
  auto line = mountinfo_line(store.mnt());
  EXPECT_TRUE(has_option(line, "ro")) << line;
  EXPECT_TRUE(has_option(line, "nodev")) << "flags not named stay: " << line;
  EXPECT_NE(vfs_flags(store.mnt()) & ST_RDONLY, 0U);
  EXPECT_EQ(err_of(::open(store.path("b").c_str(), O_CREAT | O_WRONLY, 0644)), EROFS);
  EXPECT_EQ(err_of(::mkdir(store.path("d").c_str(), 0755)), EROFS);
  EXPECT_EQ(read_file(store.path("a")), "before");
  // The daemon knows: a compaction request is refused.
  std::tie(rc, out) = run_capture(bin + " compact " + store.store());
  EXPECT_NE(rc, 0);
  EXPECT_NE(out.find("read-only"), std::string::npos) << out;
  std::tie(rc, out) =
      run_capture(bin + " mount -o remount,rw,codec=lz4 " + store.store() + " " + store.mnt());
  ASSERT_EQ(rc, 0) << out;
  EXPECT_EQ(vfs_flags(store.mnt()) & ST_RDONLY, 0U);
  write_file(store.path("b"), std::string(100000, 'z'));
  store.unmount();
  // The blocks written after the remount name lz4 (codec id 2), those before the default codec.
  std::tie(rc, out) = run_capture("sqlite3 " + store.store() +
                                  "/index.db 'SELECT DISTINCT codec FROM blocks ORDER BY codec'");
  ASSERT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("2\n"), std::string::npos) << out;
  EXPECT_NE(out, "2\n") << "the block written before the remount keeps its codec";
}

// mount(8) runs mount.fuse.squeezefs for a remount of a fuse.squeezefs mount, with the mount's
// options from mountinfo plus the new ones and "remount" (found by running it: util-linux 2.38).
// The helper is lent to mount(8) in a private mount namespace, as in mount_options_test.cpp.
TEST(MountFlagsTest, given_mount_8_remount_when_ro_then_rw_with_codec_then_writes_follow) {
  if (run_quiet("unshare -m --propagation private true") != 0)
    GTEST_SKIP() << "mount namespaces are not available";
  MountedStore store;
  ASSERT_EQ(store.mkfs(), 0);
  const auto sbin = lend_mount_helper(store);
  const auto& st = store.store();
  const auto& mnt = store.mnt();
  const std::string script =
      "set -e\n"
      "trap 'umount " +
      mnt + " 2>/dev/null || true' EXIT\n" + "mount --bind " + sbin + " /usr/sbin\n" +
      "mount -t fuse.squeezefs -o nodiratime " + st + " " + mnt + "\n" + "echo one > " + mnt +
      "/f\n" + "mount -o remount,ro " + mnt + "\n" + "grep ' " + mnt +
      " ' /proc/self/mountinfo | grep -q ' ro,'\n" + "if echo two > " + mnt +
      "/g 2>/dev/null; then exit 10; fi\n" + "mount -o remount,rw,codec=lz4 " + mnt + "\n" +
      "grep ' " + mnt + " ' /proc/self/mountinfo | grep -q ' rw,.*nodiratime'\n" +
      "head -c 100000 /dev/zero | tr '\\0' z > " + mnt + "/h\n" + "umount " + mnt + "\n" +
      "timeout 30 flock " + st + "/index.db true\n";
  write_file(store.dir() + "/script.sh", script);
  const auto [rc, out] =
      run_capture("unshare -m --propagation private sh -x " + store.dir() + "/script.sh");
  EXPECT_EQ(rc, 0) << out;
  ASSERT_EQ(store.mount(), 0);
  EXPECT_EQ(read_file(store.path("f")), "one\n");
  EXPECT_FALSE(std::filesystem::exists(store.path("g")));
  EXPECT_EQ(read_file(store.path("h")), std::string(100000, 'z'));
  store.unmount();
  // The file written after the remount is stored with lz4 (codec id 2).
  const auto [listed, codecs] = run_capture("sqlite3 " + st +
                                            "/index.db 'SELECT DISTINCT codec FROM blocks "
                                            "ORDER BY codec'");
  ASSERT_EQ(listed, 0) << codecs;
  EXPECT_NE(codecs.find("2\n"), std::string::npos) << codecs;
}

}  // namespace
}  // namespace squeezefs::testing
