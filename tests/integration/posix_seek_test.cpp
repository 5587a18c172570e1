// Real mounts: SEEK_DATA and SEEK_HOLE see every byte written before them, also while the
// kernel's writeback cache still holds the written pages (write(2), mmap), and copies and reads
// through other handles see them too.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "mounted_fixture.h"

namespace squeezefs::testing {
namespace {

class PosixSeekTest : public MountedStoreTest {
 protected:
  // A new empty file open for reading and writing; closed by the test.
  int create(const std::string& name) {
    const int fd = ::open(store_.path(name).c_str(), O_CREAT | O_RDWR | O_TRUNC, 0644);
    EXPECT_GE(fd, 0) << name;
    return fd;
  }
};

TEST_F(PosixSeekTest, given_one_byte_written_at_2_when_seeking_at_once_then_data_and_hole_seen) {
  const int fd = create("one");
  ASSERT_EQ(::pwrite(fd, "a", 1, 2), 1);
  EXPECT_EQ(::lseek(fd, 0, SEEK_DATA), 0) << "errno " << errno;
  EXPECT_EQ(::lseek(fd, 0, SEEK_HOLE), 3) << "end of file counts as a hole";
  EXPECT_EQ(::lseek(fd, 3, SEEK_DATA), -1);
  EXPECT_EQ(errno, ENXIO);
  ::close(fd);
}

TEST_F(PosixSeekTest, given_8_kib_written_when_seeking_at_once_then_all_of_it_is_data) {
  const int fd = create("eight");
  const std::string data(8192, 'x');
  ASSERT_EQ(::write(fd, data.data(), data.size()), 8192);
  EXPECT_EQ(::lseek(fd, 0, SEEK_DATA), 0) << "errno " << errno;
  EXPECT_EQ(::lseek(fd, 4096, SEEK_DATA), 4096) << "errno " << errno;
  EXPECT_EQ(::lseek(fd, 0, SEEK_HOLE), 8192);
  EXPECT_EQ(::lseek(fd, 8192, SEEK_DATA), -1);
  EXPECT_EQ(errno, ENXIO);
  ::close(fd);
}

TEST_F(PosixSeekTest, given_data_after_a_hole_when_seeking_from_another_handle_then_found) {
  // Both open before the write: an open without FOPEN_KEEP_CACHE writes cached pages back.
  const int fd = create("gap");
  const int other = ::open(store_.path("gap").c_str(), O_RDONLY);
  ASSERT_GE(other, 0);
  ASSERT_EQ(::pwrite(fd, "late", 4, 40000), 4);
  EXPECT_EQ(::lseek(other, 0, SEEK_DATA), 40000 - 40000 % 4096) << "errno " << errno;
  EXPECT_EQ(::lseek(other, 0, SEEK_HOLE), 0);
  char buf[4] = {};
  EXPECT_EQ(::pread(other, buf, 4, 40000), 4);
  EXPECT_EQ(std::string(buf, 4), "late");
  ::close(other);
  ::close(fd);
}

TEST_F(PosixSeekTest, given_page_dirtied_through_mmap_when_seeking_then_it_is_data) {
  const int fd = create("mapped");
  ASSERT_EQ(::ftruncate(fd, 65536), 0);
  void* map = ::mmap(nullptr, 65536, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  ASSERT_NE(map, MAP_FAILED);
  static_cast<char*>(map)[40000] = 'm';
  EXPECT_EQ(::lseek(fd, 0, SEEK_DATA), 40000 - 40000 % 4096) << "errno " << errno;
  EXPECT_EQ(::lseek(fd, 40000, SEEK_HOLE), 40000 - 40000 % 4096 + 4096);
  ASSERT_EQ(::munmap(map, 65536), 0);
  ::close(fd);
  std::string expected(65536, '\0');
  expected[40000] = 'm';
  EXPECT_EQ(read_file(store_.path("mapped")), expected);
}

TEST_F(PosixSeekTest, given_cached_writes_when_copied_with_copy_file_range_then_copy_is_equal) {
  const int src = create("src");
  std::string data(20000, 'c');
  data.replace(12000, 5, "magic");
  ASSERT_EQ(::pwrite(src, data.data(), data.size(), 0), static_cast<ssize_t>(data.size()));
  const int dst = create("dst");
  loff_t in = 0;
  loff_t out = 0;
  ssize_t copied = 0;
  while (copied < static_cast<ssize_t>(data.size())) {
    const ssize_t n = ::copy_file_range(src, &in, dst, &out, data.size(), 0);
    ASSERT_GT(n, 0) << "errno " << errno;
    copied += n;
  }
  EXPECT_EQ(::lseek(dst, 0, SEEK_HOLE), static_cast<off_t>(data.size()));
  ::close(dst);
  ::close(src);
  EXPECT_EQ(read_file(store_.path("dst")), data);
}

}  // namespace
}  // namespace squeezefs::testing
