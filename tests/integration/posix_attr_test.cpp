// Real mounts: ownership, permission checks by the kernel, timestamps and fresh attributes.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>

#include "mounted_fixture.h"

namespace squeezefs::testing {
namespace {

constexpr int kUser = 4321;
constexpr int kOther = 4322;

std::int64_t ns_of(const timespec& ts) {
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

class PosixAttrTest : public MountedStoreTest {
 protected:
  void SetUp() override {
    ASSERT_EQ(store_.mkfs(), 0);
    ASSERT_EQ(store_.mount("-o allow_other"), 0);
    ASSERT_EQ(::chmod(store_.mnt().c_str(), 0777), 0);
  }
  // Lets the clock move past the last timestamp, so the next update is visible.
  static void tick() { std::this_thread::sleep_for(std::chrono::milliseconds(20)); }
};

TEST_F(PosixAttrTest, given_private_file_of_another_user_when_opening_then_eacces) {
  const auto path = store_.path("secret");
  write_file(path, "secret");
  ASSERT_EQ(::chown(path.c_str(), kOther, kOther), 0);
  ASSERT_EQ(::chmod(path.c_str(), 0600), 0);
  const char* p = path.c_str();
  EXPECT_EQ(in_child([p] { return err_of(::open(p, O_RDONLY)); }, kUser, kUser), EACCES);
  EXPECT_EQ(in_child([p] { return err_of(::open(p, O_RDONLY)); }, kOther, kOther), 0);
  // Group read lets a member of the group in, but not to write.
  ASSERT_EQ(::chmod(p, 0640), 0);
  ASSERT_EQ(::chown(p, kOther, kUser), 0);
  EXPECT_EQ(in_child([p] { return err_of(::open(p, O_RDONLY)); }, kUser, kUser), 0);
  EXPECT_EQ(in_child([p] { return err_of(::open(p, O_WRONLY)); }, kUser, kUser), EACCES);
  // Only the owner may chmod; nobody but root may give a file away.
  EXPECT_EQ(in_child([p] { return err_of(::chmod(p, 0666)); }, kUser, kUser), EPERM);
  EXPECT_EQ(
      in_child([p] { return err_of(::chown(p, kUser, static_cast<gid_t>(-1))); }, kOther, kOther),
      EPERM);
  EXPECT_EQ(in_child([p] { return err_of(::chmod(p, 0644)); }, kOther, kOther), 0);
  EXPECT_EQ(stat_of("secret").st_mode & 07777, 0644U);
}

TEST_F(PosixAttrTest, given_sticky_or_closed_directory_when_removing_then_kernel_refuses) {
  ASSERT_EQ(::mkdir(store_.path("closed").c_str(), 0755), 0);
  write_file(store_.path("closed/f"), "x");
  const auto closed_f = store_.path("closed/f");
  const auto closed_g = store_.path("closed/g");
  const char* f = closed_f.c_str();
  const char* g = closed_g.c_str();
  EXPECT_EQ(in_child([f] { return err_of(::unlink(f)); }, kUser, kUser), EACCES);
  EXPECT_EQ(in_child([g] { return err_of(::mkdir(g, 0755)); }, kUser, kUser), EACCES);
  // Files a user creates belong to them.
  const auto mine = store_.path("mine");
  const char* m = mine.c_str();
  EXPECT_EQ(in_child([m] { return err_of(::mkdir(m, 0700)); }, kUser, kUser), 0);
  EXPECT_EQ(stat_of("mine").st_uid, static_cast<uid_t>(kUser));
  EXPECT_EQ(stat_of("mine").st_gid, static_cast<gid_t>(kUser));
  EXPECT_EQ(in_child([m] { return err_of(::access(m, R_OK)); }, kOther, kOther), EACCES);
  // In a sticky, world-writable directory only a file's owner may remove it.
  const auto shared = store_.path("shared");
  ASSERT_EQ(::mkdir(shared.c_str(), 0777), 0);
  ASSERT_EQ(::chmod(shared.c_str(), 01777), 0);
  const auto theirs = shared + "/theirs";
  const char* t = theirs.c_str();
  EXPECT_EQ(in_child([t] { return err_of(::mknod(t, S_IFREG | 0666, 0)); }, kOther, kOther), 0);
  EXPECT_EQ(in_child([t] { return err_of(::unlink(t)); }, kUser, kUser), EPERM);
  EXPECT_EQ(in_child([t] { return err_of(::unlink(t)); }, kOther, kOther), 0);
}

TEST_F(PosixAttrTest, given_chown_when_owner_changes_then_stat_and_ctime_follow) {
  const auto path = store_.path("o");
  write_file(path, "o");
  const auto before = stat_of("o");
  tick();
  ASSERT_EQ(::chown(path.c_str(), kUser, kOther), 0);
  const auto after = stat_of("o");
  EXPECT_EQ(after.st_uid, static_cast<uid_t>(kUser));
  EXPECT_EQ(after.st_gid, static_cast<gid_t>(kOther));
  EXPECT_GT(ns_of(after.st_ctim), ns_of(before.st_ctim));
  EXPECT_EQ(ns_of(after.st_mtim), ns_of(before.st_mtim));
  ASSERT_EQ(::lchown(path.c_str(), static_cast<uid_t>(-1), 0), 0);
  EXPECT_EQ(stat_of("o").st_uid, static_cast<uid_t>(kUser));
  EXPECT_EQ(stat_of("o").st_gid, 0U);
}

TEST_F(PosixAttrTest, given_utimensat_when_setting_times_then_nanoseconds_and_specials_work) {
  const auto path = store_.path("t");
  write_file(path, "t");
  const timespec set[2] = {{1000, 123456789}, {2000, 987654321}};
  ASSERT_EQ(::utimensat(AT_FDCWD, path.c_str(), set, 0), 0);
  auto st = stat_of("t");
  EXPECT_EQ(ns_of(st.st_atim), 1000'123456789);
  EXPECT_EQ(ns_of(st.st_mtim), 2000'987654321);
  const timespec omit_now[2] = {{0, UTIME_OMIT}, {0, UTIME_NOW}};
  const auto now = std::chrono::duration_cast<std::chrono::nanoseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  ASSERT_EQ(::utimensat(AT_FDCWD, path.c_str(), omit_now, 0), 0);
  st = stat_of("t");
  EXPECT_EQ(ns_of(st.st_atim), 1000'123456789) << "UTIME_OMIT keeps atime";
  EXPECT_GE(ns_of(st.st_mtim), now - 2'000'000'000);
  const timespec now_omit[2] = {{0, UTIME_NOW}, {0, UTIME_OMIT}};
  const auto mtime = ns_of(st.st_mtim);
  ASSERT_EQ(::utimensat(AT_FDCWD, path.c_str(), now_omit, 0), 0);
  st = stat_of("t");
  EXPECT_GE(ns_of(st.st_atim), now - 2'000'000'000);
  EXPECT_EQ(ns_of(st.st_mtim), mtime) << "UTIME_OMIT keeps mtime";
  // A user who owns nothing may still set "now" on a file it can write, but not explicit times.
  ASSERT_EQ(::chmod(path.c_str(), 0666), 0);
  const char* p = path.c_str();
  EXPECT_EQ(in_child([p] { return err_of(::utimensat(AT_FDCWD, p, nullptr, 0)); }, kUser, kUser),
            0);
  EXPECT_EQ(in_child([p, &set] { return err_of(::utimensat(AT_FDCWD, p, set, 0)); }, kUser, kUser),
            EPERM);
  ASSERT_EQ(::utimensat(AT_FDCWD, path.c_str(), set, 0), 0);
  store_.unmount();
  ASSERT_EQ(store_.mount("-o allow_other"), 0);
  EXPECT_EQ(ns_of(stat_of("t").st_mtim), 2000'987654321) << "times survive a remount";
}

TEST_F(PosixAttrTest, given_operations_when_timestamps_are_read_then_posix_rules_hold) {
  const auto path = store_.path("f");
  ASSERT_EQ(::mkdir(store_.path("d").c_str(), 0755), 0);
  write_file(path, "f");
  auto dir = stat_of("d");
  auto file = stat_of("f");
  tick();
  // write: mtime and ctime
  {
    const int fd = ::open(path.c_str(), O_WRONLY | O_APPEND);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(::write(fd, "more", 4), 4);
    ::close(fd);
  }
  auto now = stat_of("f");
  EXPECT_GT(ns_of(now.st_mtim), ns_of(file.st_mtim)) << "write sets mtime";
  EXPECT_GT(ns_of(now.st_ctim), ns_of(file.st_ctim)) << "write sets ctime";
  EXPECT_EQ(now.st_size, 5);
  // chmod, link, rename and unlink of a link: ctime only
  for (const char* step : {"chmod", "link", "rename", "unlink"}) {
    file = stat_of("f");
    tick();
    if (step == std::string("chmod")) {
      ASSERT_EQ(::chmod(path.c_str(), 0600), 0);
    }
    if (step == std::string("link")) {
      ASSERT_EQ(::link(path.c_str(), store_.path("d/g").c_str()), 0);
    }
    if (step == std::string("rename")) {
      ASSERT_EQ(::rename(store_.path("d/g").c_str(), store_.path("d/h").c_str()), 0);
    }
    if (step == std::string("unlink")) {
      ASSERT_EQ(::unlink(store_.path("d/h").c_str()), 0);
    }
    now = stat_of("f");
    EXPECT_GT(ns_of(now.st_ctim), ns_of(file.st_ctim)) << step << " sets ctime";
    EXPECT_EQ(ns_of(now.st_mtim), ns_of(file.st_mtim)) << step << " keeps mtime";
  }
  // Entries change their directory: mtime and ctime of the parent.
  for (const char* step : {"create", "mkdir", "rename", "rmdir", "unlink", "symlink"}) {
    dir = stat_of("d");
    tick();
    if (step == std::string("create")) {
      write_file(store_.path("d/n"), "n");
    }
    if (step == std::string("mkdir")) {
      ASSERT_EQ(::mkdir(store_.path("d/sub").c_str(), 0755), 0);
    }
    if (step == std::string("rename")) {
      ASSERT_EQ(::rename(store_.path("d/n").c_str(), store_.path("d/m").c_str()), 0);
    }
    if (step == std::string("rmdir")) {
      ASSERT_EQ(::rmdir(store_.path("d/sub").c_str()), 0);
    }
    if (step == std::string("unlink")) {
      ASSERT_EQ(::unlink(store_.path("d/m").c_str()), 0);
    }
    if (step == std::string("symlink")) {
      ASSERT_EQ(::symlink("x", store_.path("d/s").c_str()), 0);
    }
    now = stat_of("d");
    EXPECT_GT(ns_of(now.st_mtim), ns_of(dir.st_mtim)) << step << " sets the parent's mtime";
    EXPECT_GT(ns_of(now.st_ctim), ns_of(dir.st_ctim)) << step << " sets the parent's ctime";
  }
}

// FUSE leaves atime to the file system. Listings update a directory's atime under relatime.
TEST_F(PosixAttrTest, given_relatime_when_listing_then_atime_moves_once_past_mtime) {
  const auto dir = store_.path("d");
  ASSERT_EQ(::mkdir(dir.c_str(), 0755), 0);
  const timespec old[2] = {{1000, 0}, {2000, 0}};  // atime before mtime
  ASSERT_EQ(::utimensat(AT_FDCWD, dir.c_str(), old, 0), 0);
  const auto list = [&] {
    std::size_t n = 0;
    for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir)) ++n;
    return n;
  };
  EXPECT_EQ(list(), 0U);
  const auto first = stat_of("d");
  EXPECT_GT(first.st_atim.tv_sec, 2000) << "relatime updates an atime older than mtime";
  EXPECT_EQ(first.st_mtim.tv_sec, 2000);
  EXPECT_EQ(list(), 0U);
  EXPECT_EQ(ns_of(stat_of("d").st_atim), ns_of(first.st_atim)) << "but not again right away";
}

TEST(PosixAtimeTest, given_noatime_when_listing_then_atime_stays) {
  MountedStore store;
  ASSERT_EQ(store.mkfs(), 0);
  ASSERT_EQ(store.mount("-o noatime"), 0);
  const auto dir = store.path("d");
  ASSERT_EQ(::mkdir(dir.c_str(), 0755), 0);
  const timespec old[2] = {{1000, 0}, {2000, 0}};
  ASSERT_EQ(::utimensat(AT_FDCWD, dir.c_str(), old, 0), 0);
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir)) {
  }
  struct stat st {};
  ASSERT_EQ(::stat(dir.c_str(), &st), 0);
  EXPECT_EQ(st.st_atim.tv_sec, 1000);
}

// Reads `path` from a fresh descriptor (an open drops the kernel's cached pages, so the read
// reaches the file system).
void read_through(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY);
  ASSERT_GE(fd, 0) << path;
  char buf[64];
  EXPECT_GT(::read(fd, buf, sizeof buf), 0) << path;
  ::close(fd);
}

// Mounts a fresh store with `options` and writes a file "f" into it, at `path`.
void mount_with_file(MountedStore& store, const std::string& options, std::string& path) {
  ASSERT_EQ(store.mkfs(), 0);
  ASSERT_EQ(store.mount(options), 0);
  path = store.path("f");
  write_file(path, "contents");
}

// Under relatime a read moves atime when it is not newer than mtime or ctime (or a day old),
// and only then.
TEST_F(PosixAttrTest, given_relatime_when_reading_file_then_atime_moves_once_past_mtime) {
  const auto path = store_.path("f");
  write_file(path, "contents");
  const timespec old[2] = {{1000, 0}, {2000, 0}};  // atime before mtime (ctime is now)
  ASSERT_EQ(::utimensat(AT_FDCWD, path.c_str(), old, 0), 0);
  read_through(path);
  const auto first = stat_of("f");
  EXPECT_GT(first.st_atim.tv_sec, 2000) << "relatime updates an atime older than mtime";
  EXPECT_GE(ns_of(first.st_atim), ns_of(first.st_ctim));
  EXPECT_EQ(first.st_mtim.tv_sec, 2000);
  tick();
  read_through(path);
  EXPECT_EQ(ns_of(stat_of("f").st_atim), ns_of(first.st_atim)) << "but not again right away";
  // A write makes the next read due again.
  tick();
  write_file(path, "changed!");
  const auto written = stat_of("f");
  EXPECT_LE(ns_of(written.st_atim), ns_of(written.st_mtim));
  tick();
  read_through(path);
  const auto after = stat_of("f");
  EXPECT_GT(ns_of(after.st_atim), ns_of(after.st_mtim)) << "a read after a write moves atime";
}

TEST(PosixAtimeTest, given_strictatime_when_reading_file_then_every_read_moves_atime) {
  MountedStore store;
  std::string path;
  ASSERT_NO_FATAL_FAILURE(mount_with_file(store, "-o strictatime", path));
  struct stat before {};
  read_through(path);
  ASSERT_EQ(::stat(path.c_str(), &before), 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  read_through(path);
  struct stat after {};
  ASSERT_EQ(::stat(path.c_str(), &after), 0);
  EXPECT_GT(ns_of(after.st_atim), ns_of(before.st_atim));
  EXPECT_GT(ns_of(after.st_atim), ns_of(after.st_mtim));
}

TEST(PosixAtimeTest, given_noatime_when_reading_file_then_atime_stays) {
  MountedStore store;
  std::string path;
  ASSERT_NO_FATAL_FAILURE(mount_with_file(store, "-o noatime", path));
  const timespec old[2] = {{1000, 0}, {2000, 0}};
  ASSERT_EQ(::utimensat(AT_FDCWD, path.c_str(), old, 0), 0);
  read_through(path);
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_atim.tv_sec, 1000);
}

TEST_F(PosixAttrTest, given_other_process_changes_file_when_stat_then_no_stale_values) {
  const auto path = store_.path("s");
  write_file(path, "12345");
  const int fd = ::open(path.c_str(), O_RDONLY);
  ASSERT_GE(fd, 0);
  struct stat st {};
  ASSERT_EQ(::fstat(fd, &st), 0);
  ASSERT_EQ(st.st_size, 5);
  const auto p = path;
  const auto l = store_.path("l");
  // Another process grows the file and links it; this one sees it at once.
  EXPECT_EQ(in_child([&p, &l] {
              const int wfd = ::open(p.c_str(), O_WRONLY | O_APPEND);
              if (wfd < 0 || ::write(wfd, "678", 3) != 3) return 1;
              ::close(wfd);
              return err_of(::link(p.c_str(), l.c_str()));
            }),
            0);
  ASSERT_EQ(::fstat(fd, &st), 0);
  EXPECT_EQ(st.st_size, 8);
  EXPECT_EQ(st.st_nlink, 2U);
  EXPECT_EQ(in_child([&l] { return err_of(::unlink(l.c_str())); }), 0);
  ASSERT_EQ(::fstat(fd, &st), 0);
  EXPECT_EQ(st.st_nlink, 1U);
  ::close(fd);
}

}  // namespace
}  // namespace squeezefs::testing
