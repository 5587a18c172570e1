// Real mounts: fallocate's modes. Mode 0 and KEEP_SIZE preallocate (the range stays a hole, since
// compressed space cannot be reserved, but a range the store's disk cannot hold is ENOSPC),
// ZERO_RANGE zeroes with or without KEEP_SIZE, PUNCH_HOLE needs KEEP_SIZE, and the kernel keeps
// COLLAPSE_RANGE and INSERT_RANGE from the daemon (EOPNOTSUPP). Results match ext4's.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/falloc.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <string>

#include "mounted_fixture.h"

namespace squeezefs::testing {
namespace {

constexpr off_t kMiB = 1024 * 1024;

class PosixFallocateTest : public MountedStoreTest {
 protected:
  // A file of `size` bytes of 'q', open for reading and writing; closed by the test.
  int filled(const std::string& name, std::size_t size) {
    write_file(store_.path(name), std::string(size, 'q'));
    const int fd = ::open(store_.path(name).c_str(), O_RDWR);
    EXPECT_GE(fd, 0);
    return fd;
  }
  static off_t size_of(int fd) {
    struct stat st {};
    EXPECT_EQ(::fstat(fd, &st), 0);
    return st.st_size;
  }
};

TEST_F(PosixFallocateTest, given_keep_size_when_preallocating_past_eof_then_size_stays) {
  const int fd = filled("k", 20000);
  ASSERT_EQ(::fallocate(fd, FALLOC_FL_KEEP_SIZE, 0, 40000), 0) << "errno " << errno;
  EXPECT_EQ(size_of(fd), 20000);
  // A write inside the preallocated range grows the size only to its own end (as on ext4).
  ASSERT_EQ(::pwrite(fd, "w", 1, 30000), 1);
  EXPECT_EQ(size_of(fd), 30001);
  ::close(fd);
  std::string expected(20000, 'q');
  expected.resize(30000, '\0');
  expected += 'w';
  EXPECT_EQ(read_file(store_.path("k")), expected);
}

TEST_F(PosixFallocateTest, given_zero_range_inside_file_when_read_then_range_is_zeros) {
  const int fd = filled("z", 20000);
  // Partial blocks at both ends, one whole block between them; the written pages may still be
  // in the kernel's cache or buffered in the daemon.
  ASSERT_EQ(::pwrite(fd, std::string(9000, 'r').data(), 9000, 100), 9000);
  ASSERT_EQ(::fallocate(fd, FALLOC_FL_ZERO_RANGE, 100, 9000), 0) << "errno " << errno;
  EXPECT_EQ(size_of(fd), 20000);
  ::close(fd);
  std::string expected(20000, 'q');
  std::fill_n(expected.begin() + 100, 9000, '\0');
  EXPECT_EQ(read_file(store_.path("z")), expected);
  // And after the daemon forgot everything it buffered.
  store_.unmount();
  ASSERT_EQ(store_.mount(), 0);
  EXPECT_EQ(read_file(store_.path("z")), expected);
}

TEST_F(PosixFallocateTest, given_zero_range_past_eof_when_keep_size_or_not_then_size_follows) {
  const int fd = filled("e", 20000);
  ASSERT_EQ(::fallocate(fd, FALLOC_FL_ZERO_RANGE, 15000, 15000), 0) << "errno " << errno;
  EXPECT_EQ(size_of(fd), 30000) << "without KEEP_SIZE the file grows";
  ASSERT_EQ(::fallocate(fd, FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE, 25000, 20000), 0);
  EXPECT_EQ(size_of(fd), 30000) << "with KEEP_SIZE it does not";
  ::close(fd);
  std::string expected(15000, 'q');
  expected.resize(30000, '\0');
  EXPECT_EQ(read_file(store_.path("e")), expected);
}

TEST_F(PosixFallocateTest, given_modes_the_kernel_does_not_pass_when_used_then_eopnotsupp) {
  const int fd = filled("m", 20000);
  for (const int mode : {FALLOC_FL_COLLAPSE_RANGE, FALLOC_FL_INSERT_RANGE, FALLOC_FL_PUNCH_HOLE,
                         FALLOC_FL_PUNCH_HOLE | FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE}) {
    EXPECT_EQ(::fallocate(fd, mode, 0, 4096), -1) << mode;
    EXPECT_EQ(errno, EOPNOTSUPP) << mode;
  }
  ASSERT_EQ(::fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, 4096), 0);
  EXPECT_EQ(size_of(fd), 20000);
  ::close(fd);
  std::string expected(20000, 'q');
  std::fill_n(expected.begin(), 4096, '\0');
  EXPECT_EQ(read_file(store_.path("m")), expected);
}

// A small tmpfs under the store, unmounted again (with the store) at the end.
class FallocateSmallDiskTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::filesystem::create_directories(store_.store());
    disk_ = run_quiet("mount -t tmpfs -o size=32m squeezefs-falloc " + store_.store()) == 0;
    if (!disk_) GTEST_SKIP() << "cannot mount a tmpfs (not root?)";
    ASSERT_EQ(store_.mkfs(), 0);
    ASSERT_EQ(store_.mount(), 0);
  }
  void TearDown() override {
    store_.unmount();
    if (disk_ && run_quiet("umount " + store_.store()) != 0)
      run_quiet("umount -l " + store_.store());
  }
  MountedStore store_;
  bool disk_ = false;
};

TEST_F(FallocateSmallDiskTest, given_range_beyond_free_space_when_allocating_then_enospc) {
  const auto path = store_.path("big");
  write_file(path, std::string(8 * kMiB, 'd'));
  const int fd = ::open(path.c_str(), O_RDWR);
  ASSERT_GE(fd, 0);
  for (const int mode : {0, FALLOC_FL_KEEP_SIZE, FALLOC_FL_ZERO_RANGE}) {
    EXPECT_EQ(::fallocate(fd, mode, 0, 64 * kMiB), -1) << mode;
    EXPECT_EQ(errno, ENOSPC) << mode;
  }
  struct stat st {};
  ASSERT_EQ(::fstat(fd, &st), 0);
  EXPECT_EQ(st.st_size, 8 * kMiB) << "a refused fallocate changes nothing";
  // Blocks that hold data already need no room: the whole file, and a little past it, fit.
  EXPECT_EQ(::fallocate(fd, 0, 0, 8 * kMiB), 0) << "errno " << errno;
  EXPECT_EQ(::fallocate(fd, 0, 0, 10 * kMiB), 0) << "errno " << errno;
  ASSERT_EQ(::fstat(fd, &st), 0);
  EXPECT_EQ(st.st_size, 10 * kMiB);
  ::close(fd);
}

}  // namespace
}  // namespace squeezefs::testing
