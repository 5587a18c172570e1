// What survives a SIGKILL of the daemon on a real mount: data the daemon has received is durable
// within the commit interval without any fsync, and `squeezefs sync` makes everything written so
// far durable before it returns.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <map>
#include <string>
#include <thread>

#include "killable_daemon.h"
#include "mounted_store.h"

namespace squeezefs::testing {
namespace {

// Two whole 4K blocks and a partial third: the last block stays buffered in the daemon until
// something flushes it.
std::string file_data(const std::string& name) {
  std::string out;
  for (int i = 0; out.size() < 10000; ++i) out += name + " line " + std::to_string(i) + "\n";
  out.resize(10000);
  return out;
}

class DurabilityTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_EQ(store_.mkfs(), 0); }

  std::string log() const { return store_.dir() + "/daemon.log"; }

  // Written and closed (the kernel hands closed files to the daemon), plus one written and kept
  // open: the returned descriptor, whose data is handed to the daemon by syncfs (as sync(1)
  // does) but never flushed, closed or fsynced.
  int write_files() {
    for (const auto* name : {"closed1", "closed2"}) {
      write_file(store_.path(name), file_data(name));
      expected_[name] = file_data(name);
    }
    const int fd = write_kept_open("open");
    EXPECT_EQ(::syncfs(fd), 0);
    return fd;
  }

  // `name` written and left open: the returned descriptor, to close after the kill.
  int write_kept_open(const std::string& name) {
    const int fd = ::open(store_.path(name).c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
    EXPECT_GE(fd, 0);
    const auto data = file_data(name);
    EXPECT_EQ(::write(fd, data.data(), data.size()), static_cast<ssize_t>(data.size()));
    expected_[name] = data;
    return fd;
  }

  void expect_files_after_remount() {
    ASSERT_EQ(store_.mount(), 0);
    for (const auto& [name, data] : expected_)
      EXPECT_EQ(read_file(store_.path(name)), data) << name;
  }

  MountedStore store_;
  std::map<std::string, std::string> expected_;
};

TEST_F(DurabilityTest, given_commit_1_when_killed_2s_after_writes_then_remount_has_all_data) {
  {
    KillableDaemon daemon(store_.store(), store_.mnt(), log(), "commit=1");
    const int fd = write_files();
    std::this_thread::sleep_for(std::chrono::seconds(2));  // commit + 1
    daemon.kill();
    ::close(fd);
  }
  expect_files_after_remount();
}

TEST_F(DurabilityTest, given_default_commit_when_killed_6s_after_writes_then_remount_has_all_data) {
  {
    KillableDaemon daemon(store_.store(), store_.mnt(), log());
    const int fd = write_files();
    std::this_thread::sleep_for(std::chrono::seconds(6));  // the default commit=5, + 1
    daemon.kill();
    ::close(fd);
  }
  expect_files_after_remount();
}

TEST_F(DurabilityTest,
       given_squeezefs_sync_of_a_path_inside_when_killed_at_once_then_data_is_there) {
  {
    // An hour: nothing but the sync request makes the data durable before the kill.
    KillableDaemon daemon(store_.store(), store_.mnt(), log(), "commit=3600");
    for (const auto* name : {"a", "b"}) {
      write_file(store_.path(name), file_data(name));
      expected_[name] = file_data(name);
    }
    // Kept open and not synced: `squeezefs sync` must hand the kernel's cached pages over too.
    const int fd = write_kept_open("open");
    const auto [rc, output] = run_capture(squeezefs_binary() + " sync " + store_.path("a"));
    EXPECT_EQ(rc, 0) << output;
    daemon.kill();
    ::close(fd);
  }
  expect_files_after_remount();
}

TEST_F(DurabilityTest, given_a_path_outside_any_mount_when_squeezefs_sync_then_exit_1) {
  const auto [rc, output] = run_capture(squeezefs_binary() + " sync " + store_.store());
  EXPECT_EQ(rc, 1);
  EXPECT_NE(output.find("is not inside a mounted squeezefs store"), std::string::npos) << output;
}

TEST_F(DurabilityTest, given_bad_commit_values_when_mounting_then_exit_2) {
  for (const auto* value : {"0", "86401", "x", ""}) {
    const auto [rc, output] = run_capture(squeezefs_binary() + " mount " + store_.store() + " " +
                                          store_.mnt() + " -o commit=" + value);
    EXPECT_EQ(rc, 2) << value << ": " << output;
    EXPECT_NE(output.find("bad commit"), std::string::npos) << output;
  }
  EXPECT_FALSE(is_mounted(store_.mnt()));
}

}  // namespace
}  // namespace squeezefs::testing
