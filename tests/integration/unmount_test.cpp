// Unmounting on real mounts: `squeezefs umount` returns once the daemon is gone, and mount, fsck
// and compact started right after a plain `fusermount3 -u` wait for the daemon still finishing
// instead of failing, while a live mount is refused at once, by name.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <string>

#include "killable_daemon.h"
#include "mounted_fixture.h"

namespace squeezefs::testing {
namespace {

constexpr int kRounds = 100;

// Text that differs per round, spanning several 4K blocks, so each unmount has blocks to
// compress, store and commit.
std::string round_data(int round) {
  std::string out;
  for (int i = 0; out.size() < 48 * 1024; ++i)
    out += "round " + std::to_string(round) + " line " + std::to_string(i) + "\n";
  return out;
}

// Whether another process holds the store lock (a mounted or finishing daemon); takes it for a
// moment otherwise.
bool store_lock_held(const std::string& store) {
  const int fd = ::open((store + "/index.db").c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  const bool held = ::flock(fd, LOCK_EX | LOCK_NB) != 0;
  ::close(fd);
  return held;
}

std::string cli() {
  return squeezefs_binary();
}

class UnmountTest : public MountedStoreTest {
 protected:
  // Writes this round's file and a small one, as a copy of a few files would.
  void write_round(int round) {
    const auto name = "f" + std::to_string(round);
    write_file(store_.path(name), round_data(round));
    write_file(store_.path(name + ".small"), name);
    expected_[name] = round_data(round);
    expected_[name + ".small"] = name;
  }
  void expect_all_files_intact() {
    for (const auto& [name, data] : expected_) {
      ASSERT_EQ(read_file(store_.path(name)), data) << name;
    }
  }
  std::map<std::string, std::string> expected_;
};

TEST_F(UnmountTest, given_writes_when_mounting_right_after_each_fusermount_then_all_rounds_mount) {
  for (int round = 0; round < kRounds; ++round) {
    write_round(round);
    ASSERT_EQ(run_quiet("fusermount3 -u " + store_.mnt()), 0) << "round " << round;
    // No wait in between: the daemon is still flushing when the mount starts.
    ASSERT_EQ(store_.mount(), 0) << "round " << round;
  }
  expect_all_files_intact();
}

TEST_F(UnmountTest, given_writes_when_fsck_runs_right_after_each_fusermount_then_all_find_clean) {
  for (int round = 0; round < kRounds; ++round) {
    write_round(round);
    ASSERT_EQ(run_quiet("fusermount3 -u " + store_.mnt()), 0) << "round " << round;
    const auto [rc, output] = run_capture(cli() + " fsck --quick " + store_.store());
    ASSERT_EQ(rc, 0) << "round " << round << ": " << output;
    ASSERT_EQ(store_.mount(), 0) << "round " << round;
  }
  expect_all_files_intact();
}

TEST_F(UnmountTest, given_a_finishing_daemon_when_waiting_is_off_then_the_store_is_refused) {
  // --wait 0 is the behaviour before waiting existed; it shows the daemon does outlive the
  // unmount (else this test could not tell that the waiting tests above wait).
  int refused = 0;
  for (int round = 0; round < 20; ++round) {
    write_round(round);
    ASSERT_EQ(run_quiet("fusermount3 -u " + store_.mnt()), 0);
    const auto [rc, output] =
        run_capture(cli() + " fsck --quick --wait 0 " + store_.store() + " 2>&1");
    if (rc != 0) {
      ++refused;
      EXPECT_NE(output.find("still in use"), std::string::npos) << output;
    }
    ASSERT_EQ(store_.mount(), 0);
  }
  EXPECT_GT(refused, 0);
}

TEST_F(UnmountTest, given_mount_point_when_squeezefs_umount_then_daemon_is_gone_at_return) {
  write_round(0);
  const auto [rc, output] = run_capture(cli() + " umount " + store_.mnt());
  ASSERT_EQ(rc, 0) << output;
  EXPECT_FALSE(is_mounted(store_.mnt()));
  EXPECT_FALSE(store_lock_held(store_.store())) << "umount returned before the daemon exited";
  ASSERT_EQ(store_.mount(), 0);
  expect_all_files_intact();
}

TEST_F(UnmountTest, given_store_path_when_squeezefs_umount_then_its_mount_is_unmounted) {
  write_round(0);
  const auto [rc, output] = run_capture(cli() + " umount --timeout 30 " + store_.store());
  ASSERT_EQ(rc, 0) << output;
  EXPECT_FALSE(is_mounted(store_.mnt()));
  EXPECT_FALSE(store_lock_held(store_.store()));
  const auto [fsck_rc, fsck_output] = run_capture(cli() + " fsck --wait 0 " + store_.store());
  EXPECT_EQ(fsck_rc, 0) << fsck_output;
  ASSERT_EQ(store_.mount(), 0);
  expect_all_files_intact();
}

// After a daemon crash the mount stays, answering ENOTCONN; `squeezefs umount` removes it (there
// is nothing to write back) and says that changes not yet committed are lost.
TEST(UnmountDeadDaemonTest, given_a_killed_daemon_when_squeezefs_umount_then_mount_is_removed) {
  MountedStore store;
  ASSERT_EQ(store.mkfs(), 0);
  {
    KillableDaemon daemon(store.store(), store.mnt(), store.dir() + "/daemon.log");
    write_file(store.path("f"), "before the crash");
    // The kernel caches the root's attributes, so a stat of the mount point right after the
    // crash is still answered without the daemon.
    struct stat st {};
    ASSERT_EQ(::stat(store.mnt().c_str(), &st), 0);
    daemon.kill();
    ASSERT_TRUE(is_mounted(store.mnt()));
    const auto [rc, output] = run_capture(cli() + " umount " + store.mnt());
    EXPECT_EQ(rc, 0) << output;
    EXPECT_NE(output.find("has stopped"), std::string::npos) << output;
    EXPECT_FALSE(is_mounted(store.mnt()));
  }
  const auto [fsck_rc, fsck_output] = run_capture(cli() + " fsck --wait 0 " + store.store());
  EXPECT_EQ(fsck_rc, 0) << fsck_output;
  ASSERT_EQ(store.mount(), 0);
}

TEST_F(UnmountTest, given_nothing_mounted_when_squeezefs_umount_then_exit_1_says_not_mounted) {
  store_.unmount();
  for (const auto& target : {store_.mnt(), store_.store(), store_.dir() + "/missing"}) {
    const auto [rc, output] = run_capture(cli() + " umount " + target);
    EXPECT_EQ(rc, 1) << target;
    EXPECT_NE(output.find("is not mounted"), std::string::npos) << output;
  }
}

TEST_F(UnmountTest, given_an_open_file_when_squeezefs_umount_then_exit_1_says_busy) {
  const int fd = ::open(store_.path("held").c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0644);
  ASSERT_GE(fd, 0);
  const auto [rc, output] = run_capture(cli() + " umount " + store_.mnt());
  ::close(fd);
  EXPECT_EQ(rc, 1);
  EXPECT_NE(output.find("busy"), std::string::npos) << output;
  EXPECT_TRUE(is_mounted(store_.mnt()));
}

TEST_F(UnmountTest, given_a_live_mount_when_mounting_again_then_refused_naming_the_mount_point) {
  const auto other = store_.dir() + "/other";
  std::filesystem::create_directory(other);
  const auto [rc, output] = run_capture(cli() + " mount " + store_.store() + " " + other);
  EXPECT_EQ(rc, 1);
  EXPECT_NE(output.find("is already mounted at " + store_.mnt()), std::string::npos) << output;
  EXPECT_FALSE(is_mounted(other));
}

TEST_F(UnmountTest, given_a_live_mount_when_running_fsck_then_refused_naming_the_mount_point) {
  const auto [rc, output] = run_capture(cli() + " fsck " + store_.store());
  EXPECT_EQ(rc, 8);
  EXPECT_NE(output.find("is mounted at " + store_.mnt()), std::string::npos) << output;
}

TEST_F(UnmountTest, given_fake_flag_when_running_the_mount_helper_then_nothing_is_mounted) {
  store_.unmount();
  const std::string helper = std::string(SQUEEZEFS_BIN_DIR) + "/mount.squeezefs";
  const auto [rc, output] = run_capture(helper + " " + store_.store() + " " + store_.mnt() +
                                        " -f -v -n -s -o noatime -t fuse.squeezefs");
  EXPECT_EQ(rc, 0) << output;
  EXPECT_NE(output.find("would run"), std::string::npos) << output;
  EXPECT_FALSE(is_mounted(store_.mnt()));
  EXPECT_FALSE(store_lock_held(store_.store()));
  // Without -f the same line mounts.
  const auto [mount_rc, mount_output] =
      run_capture(helper + " " + store_.store() + " " + store_.mnt() + " -n -o noatime");
  EXPECT_EQ(mount_rc, 0) << mount_output;
  EXPECT_TRUE(is_mounted(store_.mnt()));
  EXPECT_EQ(run_quiet(cli() + " umount " + store_.mnt()), 0);
}

}  // namespace
}  // namespace squeezefs::testing
