// Real mounts: time stamps never go backwards. The kernel's writeback cache stamps writes with
// its coarse clock; the daemon stamps creates and attribute changes. A file's mtime and ctime
// after a change are never earlier than a stamp taken before it, from the file or the clock.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cstdint>
#include <string>

#include "mounted_fixture.h"

namespace squeezefs::testing {
namespace {

constexpr int kRounds = 10'000;

std::int64_t ns_of(const timespec& ts) {
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

// The clock the kernel stamps files with.
std::int64_t coarse_now() {
  timespec ts{};
  ::clock_gettime(CLOCK_REALTIME_COARSE, &ts);
  return ns_of(ts);
}

struct stat fstat_of(int fd) {
  struct stat st {};
  EXPECT_EQ(::fstat(fd, &st), 0);
  return st;
}

using PosixTimeTest = MountedStoreTest;

TEST_F(PosixTimeTest, given_create_when_written_at_once_then_mtime_never_goes_back) {
  int back = 0;
  for (int i = 0; i < kRounds; ++i) {
    const auto path = store_.path("t");
    const int fd = ::open(path.c_str(), O_CREAT | O_RDWR | O_TRUNC, 0644);
    ASSERT_GE(fd, 0);
    const auto created = fstat_of(fd);
    const auto before = coarse_now();
    ASSERT_EQ(::write(fd, "x", 1), 1);
    const auto written = fstat_of(fd);
    ::close(fd);
    ASSERT_EQ(::unlink(path.c_str()), 0);
    if (ns_of(written.st_mtim) < ns_of(created.st_mtim) ||
        ns_of(written.st_ctim) < ns_of(created.st_ctim) || ns_of(written.st_mtim) < before) {
      ++back;
    }
  }
  EXPECT_EQ(back, 0) << "rounds of " << kRounds << " with a time stamp earlier than before";
}

TEST_F(PosixTimeTest, given_write_when_chmod_follows_then_ctime_never_goes_back) {
  const auto path = store_.path("c");
  int back = 0;
  for (int i = 0; i < kRounds / 10; ++i) {
    const int fd = ::open(path.c_str(), O_CREAT | O_RDWR | O_TRUNC, 0644);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(::write(fd, "x", 1), 1);
    const auto written = fstat_of(fd);
    ASSERT_EQ(::fchmod(fd, (i % 2) != 0 ? 0600 : 0640), 0);
    const auto changed = fstat_of(fd);
    ASSERT_EQ(::ftruncate(fd, 0), 0);
    const auto truncated = fstat_of(fd);
    ::close(fd);
    if (ns_of(changed.st_ctim) < ns_of(written.st_ctim) ||
        ns_of(truncated.st_ctim) < ns_of(changed.st_ctim) ||
        ns_of(truncated.st_mtim) < ns_of(written.st_mtim)) {
      ++back;
    }
  }
  EXPECT_EQ(back, 0);
  // The ctime the kernel stamped at the last change is the one the store keeps.
  const auto shown = stat_of("c");
  store_.unmount();
  ASSERT_EQ(store_.mount(), 0);
  EXPECT_EQ(ns_of(stat_of("c").st_ctim), ns_of(shown.st_ctim));
}

TEST_F(PosixTimeTest, given_written_file_when_renamed_and_unlinked_then_ctimes_never_go_back) {
  ASSERT_EQ(::mkdir(store_.path("d").c_str(), 0755), 0);
  int back = 0;
  for (int i = 0; i < kRounds / 10; ++i) {
    const auto a = store_.path("d/a");
    const auto b = store_.path("d/b");
    const int fd = ::open(a.c_str(), O_CREAT | O_RDWR | O_TRUNC, 0644);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(::write(fd, "x", 1), 1);
    const auto written = fstat_of(fd);
    const auto before = coarse_now();
    ASSERT_EQ(::rename(a.c_str(), b.c_str()), 0);
    const auto renamed = fstat_of(fd);
    const auto dir_renamed = stat_of("d");
    ASSERT_EQ(::unlink(b.c_str()), 0);
    const auto unlinked = fstat_of(fd);
    const auto dir_unlinked = stat_of("d");
    ::close(fd);
    if (ns_of(renamed.st_ctim) < ns_of(written.st_ctim) ||
        ns_of(unlinked.st_ctim) < ns_of(renamed.st_ctim) || ns_of(dir_renamed.st_mtim) < before ||
        ns_of(dir_renamed.st_ctim) < before ||
        ns_of(dir_unlinked.st_mtim) < ns_of(dir_renamed.st_mtim)) {
      ++back;
    }
  }
  EXPECT_EQ(back, 0);
  // A renamed file keeps the ctime its rename showed, in a fresh mount too.
  write_file(store_.path("d/a"), "x");
  ASSERT_EQ(::rename(store_.path("d/a").c_str(), store_.path("d/b").c_str()), 0);
  const auto renamed = stat_of("d/b");
  store_.unmount();
  ASSERT_EQ(store_.mount(), 0);
  EXPECT_EQ(ns_of(stat_of("d/b").st_ctim), ns_of(renamed.st_ctim));
}

TEST_F(PosixTimeTest, given_cached_write_when_closed_or_fsynced_then_mtime_stays) {
  int changed = 0;
  for (int i = 0; i < kRounds / 10; ++i) {
    const auto path = store_.path("w");
    const int fd = ::open(path.c_str(), O_CREAT | O_RDWR | O_TRUNC, 0644);
    ASSERT_GE(fd, 0);
    const auto before = coarse_now();
    ASSERT_EQ(::write(fd, "data", 4), 4);
    const auto written = fstat_of(fd);
    if ((i % 2) != 0) {
      ASSERT_EQ(::fsync(fd), 0);
    }
    const auto synced = fstat_of(fd);
    ::close(fd);
    const auto closed = stat_of("w");
    if (ns_of(written.st_mtim) < before || ns_of(synced.st_mtim) != ns_of(written.st_mtim) ||
        ns_of(closed.st_mtim) != ns_of(written.st_mtim) ||
        ns_of(closed.st_ctim) < ns_of(written.st_ctim)) {
      ++changed;
    }
  }
  EXPECT_EQ(changed, 0);
  // The daemon keeps the times the kernel stamped, ctime too: a fresh mount shows them.
  const auto closed = stat_of("w");
  store_.unmount();
  ASSERT_EQ(store_.mount(), 0);
  const auto remounted = stat_of("w");
  EXPECT_EQ(ns_of(remounted.st_mtim), ns_of(closed.st_mtim));
  EXPECT_EQ(ns_of(remounted.st_ctim), ns_of(closed.st_ctim));
}

TEST_F(PosixTimeTest, given_explicit_past_times_when_set_then_they_are_kept) {
  const auto path = store_.path("old");
  write_file(path, "x");
  const timespec times[2] = {{1000, 5}, {2000, 7}};
  ASSERT_EQ(::utimensat(AT_FDCWD, path.c_str(), times, 0), 0);
  auto st = stat_of("old");
  EXPECT_EQ(ns_of(st.st_atim), 1000'000'000'005);
  EXPECT_EQ(ns_of(st.st_mtim), 2000'000'000'007);
  store_.unmount();
  ASSERT_EQ(store_.mount(), 0);
  st = stat_of("old");
  EXPECT_EQ(ns_of(st.st_mtim), 2000'000'000'007);
}

}  // namespace
}  // namespace squeezefs::testing
