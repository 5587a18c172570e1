// Real mounts: inode types, links, open flags, sizes, holes and space accounting.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/falloc.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <random>
#include <string>
#include <thread>

#include "mounted_fixture.h"

namespace squeezefs::testing {
namespace {

class PosixFilesTest : public MountedStoreTest {};

TEST_F(PosixFilesTest, given_mknod_when_creating_each_type_then_stat_reports_it) {
  ASSERT_EQ(::mkfifo(store_.path("fifo").c_str(), 0640), 0);
  ASSERT_EQ(::mknod(store_.path("chr").c_str(), S_IFCHR | 0600, makedev(1, 3)), 0);
  ASSERT_EQ(::mknod(store_.path("blk").c_str(), S_IFBLK | 0600, makedev(7, 9)), 0);
  ASSERT_EQ(::mknod(store_.path("reg").c_str(), S_IFREG | 0644, 0), 0);
  EXPECT_TRUE(S_ISFIFO(stat_of("fifo").st_mode));
  EXPECT_EQ(stat_of("fifo").st_mode & 07777, 0640U);
  EXPECT_TRUE(S_ISCHR(stat_of("chr").st_mode));
  EXPECT_EQ(stat_of("chr").st_rdev, makedev(1, 3));
  EXPECT_TRUE(S_ISBLK(stat_of("blk").st_mode));
  EXPECT_EQ(stat_of("blk").st_rdev, makedev(7, 9));
  EXPECT_TRUE(S_ISREG(stat_of("reg").st_mode));
}

TEST_F(PosixFilesTest, given_fifo_when_writer_and_reader_meet_then_bytes_pass) {
  const auto fifo = store_.path("p");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    const int fd = ::open(fifo.c_str(), O_WRONLY);
    ::_exit(fd >= 0 && ::write(fd, "pipe", 4) == 4 ? 0 : 1);
  }
  const int fd = ::open(fifo.c_str(), O_RDONLY);
  ASSERT_GE(fd, 0);
  char buf[8] = {};
  EXPECT_EQ(::read(fd, buf, sizeof buf), 4);
  EXPECT_STREQ(buf, "pipe");
  ::close(fd);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "wait status " << status;
}

TEST_F(PosixFilesTest, given_unix_socket_when_bound_on_mount_then_it_is_a_socket_inode) {
  const auto path = store_.path("sock");
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  ASSERT_LT(path.size(), sizeof addr.sun_path);
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0) << std::strerror(errno);
  EXPECT_TRUE(S_ISSOCK(stat_of("sock").st_mode));
  ::close(fd);
  ASSERT_EQ(::unlink(path.c_str()), 0);
}

TEST_F(PosixFilesTest, given_hard_links_when_adding_and_removing_then_nlink_follows) {
  write_file(store_.path("a"), "data");
  ASSERT_EQ(::mkdir(store_.path("d").c_str(), 0755), 0);
  const int fd = ::open(store_.path("a").c_str(), O_RDONLY);
  ASSERT_GE(fd, 0);
  struct stat st {};
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(::link(store_.path("a").c_str(), store_.path("d/l" + std::to_string(i)).c_str()), 0);
    ASSERT_EQ(::fstat(fd, &st), 0);
    EXPECT_EQ(st.st_nlink, static_cast<nlink_t>(i + 2)) << "fstat right after link " << i;
  }
  EXPECT_EQ(stat_of("d/l1").st_nlink, 4U);
  EXPECT_EQ(stat_of("d/l1").st_ino, stat_of("a").st_ino);
  ASSERT_EQ(::unlink(store_.path("d/l0").c_str()), 0);
  ASSERT_EQ(::fstat(fd, &st), 0);
  EXPECT_EQ(st.st_nlink, 3U) << "fstat right after unlink";
  EXPECT_EQ(stat_of("a").st_nlink, 3U);
  // Directories: 2 + one per subdirectory.
  EXPECT_EQ(stat_of("d").st_nlink, 2U);
  ASSERT_EQ(::mkdir(store_.path("d/sub").c_str(), 0755), 0);
  EXPECT_EQ(stat_of("d").st_nlink, 3U);
  EXPECT_EQ(::link(store_.path("d").c_str(), store_.path("dl").c_str()), -1);
  EXPECT_EQ(errno, EPERM);
  ::close(fd);
  store_.unmount();
  ASSERT_EQ(store_.mount(), 0);
  EXPECT_EQ(stat_of("a").st_nlink, 3U);
  EXPECT_EQ(read_file(store_.path("d/l2")), "data");
}

TEST_F(PosixFilesTest, given_open_flags_when_opening_then_creat_excl_trunc_append_behave) {
  const auto path = store_.path("f");
  int fd = ::open(path.c_str(), O_CREAT | O_EXCL | O_WRONLY, 0600);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::write(fd, "hello", 5), 5);
  ::close(fd);
  EXPECT_EQ(::open(path.c_str(), O_CREAT | O_EXCL | O_WRONLY, 0600), -1);
  EXPECT_EQ(errno, EEXIST);
  EXPECT_EQ(::open(store_.path("missing").c_str(), O_RDONLY), -1);
  EXPECT_EQ(errno, ENOENT);
  fd = ::open(path.c_str(), O_WRONLY | O_APPEND);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::lseek(fd, 0, SEEK_SET), 0);
  ASSERT_EQ(::write(fd, " world", 6), 6);  // O_APPEND ignores the offset
  ::close(fd);
  EXPECT_EQ(read_file(path), "hello world");
  fd = ::open(path.c_str(), O_WRONLY | O_TRUNC);
  ASSERT_GE(fd, 0);
  struct stat st {};
  ASSERT_EQ(::fstat(fd, &st), 0);
  EXPECT_EQ(st.st_size, 0);
  ASSERT_EQ(::write(fd, "x", 1), 1);
  ::close(fd);
  EXPECT_EQ(read_file(path), "x");
  EXPECT_EQ(stat_of("f").st_mode & 07777, 0600U);
}

TEST_F(PosixFilesTest, given_truncate_when_growing_and_shrinking_then_holes_read_zero) {
  const auto path = store_.path("t");
  write_file(path, std::string(10000, 'a'));
  const int fd = ::open(path.c_str(), O_RDWR);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::ftruncate(fd, 3), 0);
  ASSERT_EQ(::ftruncate(fd, 100000), 0);
  struct stat st {};
  ASSERT_EQ(::fstat(fd, &st), 0);
  EXPECT_EQ(st.st_size, 100000);
  EXPECT_LE(st.st_blocks, 8) << "the grown part is a hole";
  ::close(fd);
  std::string expected(100000, '\0');
  expected.replace(0, 3, "aaa");
  EXPECT_EQ(read_file(path), expected);
}

TEST_F(PosixFilesTest, given_names_when_at_255_bytes_then_ok_and_longer_fails) {
  const std::string name(255, 'n');
  write_file(store_.path(name), "long");
  EXPECT_EQ(read_file(store_.path(name)), "long");
  ASSERT_EQ(::mkdir(store_.path(std::string(255, 'd')).c_str(), 0755), 0);
  const std::string longer(256, 'n');
  EXPECT_EQ(::open(store_.path(longer).c_str(), O_CREAT | O_WRONLY, 0644), -1);
  EXPECT_EQ(errno, ENAMETOOLONG);
  EXPECT_EQ(::mkdir(store_.path(longer).c_str(), 0755), -1);
  EXPECT_EQ(errno, ENAMETOOLONG);
  struct stat st {};
  EXPECT_EQ(::stat(store_.path(longer).c_str(), &st), -1);
  EXPECT_EQ(errno, ENAMETOOLONG);
  struct statvfs vfs {};
  ASSERT_EQ(::statvfs(store_.mnt().c_str(), &vfs), 0);
  EXPECT_EQ(vfs.f_namemax, 255U);
}

TEST_F(PosixFilesTest, given_write_at_5_gib_when_reading_then_file_is_sparse_and_large) {
  const auto path = store_.path("big");
  const int fd = ::open(path.c_str(), O_CREAT | O_RDWR, 0644);
  ASSERT_GE(fd, 0);
  const off_t at = off_t{5} << 30;
  ASSERT_EQ(::pwrite(fd, "tail", 4, at), 4);
  ASSERT_EQ(::fsync(fd), 0);
  struct stat st {};
  ASSERT_EQ(::fstat(fd, &st), 0);
  EXPECT_EQ(st.st_size, at + 4);
  EXPECT_LT(st.st_blocks, 64) << "5 GiB of hole must cost (almost) nothing";
  char buf[8] = {};
  EXPECT_EQ(::pread(fd, buf, 4, at), 4);
  EXPECT_STREQ(buf, "tail");
  EXPECT_EQ(::pread(fd, buf, 4, off_t{4} << 30), 4);
  EXPECT_EQ(std::string(buf, 4), std::string(4, '\0'));
  EXPECT_EQ(::lseek(fd, 0, SEEK_DATA), at - at % 4096);
  ::close(fd);
  store_.unmount();
  ASSERT_EQ(store_.mount(), 0);
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_size, at + 4);
}

TEST_F(PosixFilesTest, given_zero_blocks_when_written_then_they_are_stored_as_holes) {
  const auto path = store_.path("z");
  std::string data(64 * 1024, '\0');
  data.replace(0, 5, "start");
  data.replace(60 * 1024, 3, "end");
  write_file(path, data);
  const int fd = ::open(path.c_str(), O_RDONLY);
  ASSERT_GE(fd, 0);
  EXPECT_EQ(::lseek(fd, 0, SEEK_HOLE), 4096);
  EXPECT_EQ(::lseek(fd, 4096, SEEK_DATA), 60 * 1024);
  EXPECT_EQ(::lseek(fd, 60 * 1024, SEEK_HOLE), 64 * 1024) << "end of file counts as a hole";
  EXPECT_EQ(::lseek(fd, 64 * 1024, SEEK_DATA), -1);
  EXPECT_EQ(errno, ENXIO);
  ::close(fd);
  EXPECT_LE(stat_of("z").st_blocks, 8);
  EXPECT_EQ(read_file(path), data);
}

TEST_F(PosixFilesTest, given_compressible_file_when_measured_then_du_is_below_apparent_size) {
  std::string text;
  for (int i = 0; text.size() < 1 << 20; ++i) text += "row " + std::to_string(i) + " repeats\n";
  write_file(store_.path("c"), text);
  // Until committed, st_blocks counts blocks at their raw size (a close only starts
  // compressing), so commit first.
  {
    const int fd = ::open(store_.path("c").c_str(), O_RDONLY);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(::fsync(fd), 0);
    ::close(fd);
  }
  const auto st = stat_of("c");
  EXPECT_EQ(st.st_size, static_cast<off_t>(text.size()));
  EXPECT_GT(st.st_blocks, 0);
  EXPECT_LT(st.st_blocks * 512, st.st_size / 2) << "st_blocks counts compressed bytes";
  const auto cmd = "test $(du -k " + store_.path("c") + " | cut -f1) -lt $(du -k --apparent-size " +
                   store_.path("c") + " | cut -f1)";
  EXPECT_EQ(run_quiet(cmd), 0);
}

// Buffered blocks count at their raw size until they commit, so du never shows a file just
// written as empty; once committed, st_blocks is the stored (compressed) size.
TEST_F(PosixFilesTest, given_fresh_incompressible_file_when_measured_then_du_is_never_zero) {
  std::mt19937_64 rng(7);
  std::string noise(std::size_t{1} << 20, '\0');
  for (auto& c : noise) c = static_cast<char>(rng());
  const auto path = store_.path("noise");
  const int fd = ::open(path.c_str(), O_CREAT | O_WRONLY, 0644);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::write(fd, noise.data(), noise.size()), static_cast<ssize_t>(noise.size()));
  // Until the close the kernel's writeback cache may hold the pages: the file system has not
  // seen them yet. The close hands them over; they are compressed in the background.
  ::close(fd);
  const auto st = stat_of("noise");
  EXPECT_GE(st.st_blocks * 512, st.st_size) << "closed, not necessarily committed";
  const auto du_k = [&] {
    const auto [rc, out] = run_capture("du -k " + path + " | cut -f1");
    EXPECT_EQ(rc, 0) << out;
    return std::stol(out);
  };
  EXPECT_GE(du_k(), 1024);
  {
    const int sync_fd = ::open(path.c_str(), O_RDONLY);
    ASSERT_GE(sync_fd, 0);
    ASSERT_EQ(::fsync(sync_fd), 0);
    ::close(sync_fd);
  }
  const auto committed = stat_of("noise").st_blocks;
  EXPECT_GE(committed * 512, st.st_size) << "noise does not shrink";
  EXPECT_LT(committed * 512, st.st_size + st.st_size / 16) << "stored with little overhead";
  EXPECT_GE(du_k(), 1024);
  // A fresh daemon knows only the committed blocks: the figure after fsync was already exact.
  store_.unmount();
  ASSERT_EQ(store_.mount(), 0);
  EXPECT_EQ(stat_of("noise").st_blocks, committed);
}

TEST_F(PosixFilesTest, given_fallocate_when_using_modes_then_supported_ones_work) {
  const auto path = store_.path("fa");
  write_file(path, std::string(20000, 'q'));
  const int fd = ::open(path.c_str(), O_RDWR);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::fallocate(fd, 0, 0, 40000), 0);
  struct stat st {};
  ASSERT_EQ(::fstat(fd, &st), 0);
  EXPECT_EQ(st.st_size, 40000);
  ASSERT_EQ(::fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, 8192), 0);
  ASSERT_EQ(::fstat(fd, &st), 0);
  EXPECT_EQ(st.st_size, 40000);
  // KEEP_SIZE and ZERO_RANGE: posix_fallocate_test.cpp.
  for (const int mode : {FALLOC_FL_COLLAPSE_RANGE, FALLOC_FL_INSERT_RANGE}) {
    EXPECT_EQ(::fallocate(fd, mode, 0, 4096), -1) << mode;
    EXPECT_EQ(errno, EOPNOTSUPP) << mode;
  }
  ::close(fd);
  std::string expected(20000, 'q');
  std::fill_n(expected.begin(), 8192, '\0');
  expected.resize(40000, '\0');
  EXPECT_EQ(read_file(path), expected);
}

TEST_F(PosixFilesTest, given_unlinked_open_file_when_other_process_writes_then_data_is_shared) {
  const auto path = store_.path("u");
  write_file(path, std::string(20000, 'u'));
  const int fd = ::open(path.c_str(), O_RDWR);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::unlink(path.c_str()), 0);
  struct stat st {};
  ASSERT_EQ(::fstat(fd, &st), 0);
  EXPECT_EQ(st.st_nlink, 0U);
  // A child inherits the descriptor and writes through it after the name is gone.
  EXPECT_EQ(in_child([fd] { return ::pwrite(fd, "child", 5, 19998) == 5 ? 0 : 1; }), 0);
  char buf[5] = {};
  ASSERT_EQ(::pread(fd, buf, 5, 19998), 5);
  EXPECT_EQ(std::string(buf, 5), "child");
  ASSERT_EQ(::fstat(fd, &st), 0);
  EXPECT_EQ(st.st_size, 20003);
  ASSERT_EQ(::close(fd), 0);
  EXPECT_EQ(::access(path.c_str(), F_OK), -1);
}

TEST_F(PosixFilesTest, given_unlinked_open_file_when_last_close_then_space_is_freed) {
  std::string noise(1 << 20, '\0');  // incompressible: stored at full size
  unsigned seed = 3;
  for (auto& c : noise) {
    seed = seed * 1103515245U + 12345U;
    c = static_cast<char>(seed >> 24);
  }
  const auto used = [this] {
    std::uintmax_t total = 0;
    for (const auto& e : std::filesystem::directory_iterator(store_.store() + "/data")) {
      struct stat st {};
      if (::stat(e.path().c_str(), &st) == 0) total += static_cast<std::uintmax_t>(st.st_blocks);
    }
    return total * 512;
  };
  const auto empty = used();
  const auto path = store_.path("u");
  write_file(path, noise);
  const int fd = ::open(path.c_str(), O_RDWR);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::fsync(fd), 0);
  const auto with_file = used();
  ASSERT_GE(with_file, empty + noise.size() / 2);
  ASSERT_EQ(::unlink(path.c_str()), 0);
  ASSERT_EQ(::pwrite(fd, "xyz", 3, 10), 3);
  char buf[3] = {};
  ASSERT_EQ(::pread(fd, buf, 3, 10), 3);
  EXPECT_EQ(std::string(buf, 3), "xyz");
  EXPECT_GE(used(), with_file - noise.size() / 4) << "space stays while the file is open";
  ASSERT_EQ(::close(fd), 0);
  // The kernel sends release and forget after close returns: wait for them.
  for (int i = 0; i < 1000 && used() > empty + noise.size() / 4; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_LE(used(), empty + noise.size() / 4) << "the blocks' space goes back to the store's disk";
}

}  // namespace
}  // namespace squeezefs::testing
