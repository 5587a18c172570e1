// Real mounts of the built daemon: POSIX behaviour through ordinary system calls.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "mounted_fixture.h"
#include "squeezefs/codecs/registry.h"

namespace squeezefs::testing {
namespace {

// Compressible but not trivial: numbered text lines.
std::string text_data(std::size_t size) {
  std::string out;
  for (std::size_t i = 0; out.size() < size; ++i) out += "line " + std::to_string(i) + " of text\n";
  out.resize(size);
  return out;
}

class MountTest : public MountedStoreTest {};

TEST_F(MountTest, given_mount_when_reading_proc_mounts_then_store_is_source) {
  const auto mounts = read_file("/proc/mounts");
  EXPECT_NE(mounts.find(store_.store() + " " + store_.mnt() + " fuse.squeezefs"),
            std::string::npos);
}

TEST_F(MountTest, given_pwrites_across_blocks_when_reading_then_contents_match) {
  const auto path = store_.path("f");
  const int fd = ::open(path.c_str(), O_CREAT | O_RDWR, 0644);
  ASSERT_GE(fd, 0);
  std::string model = text_data(20000);
  ASSERT_EQ(::pwrite(fd, model.data(), model.size(), 0), static_cast<ssize_t>(model.size()));
  const std::string patch(5000, 'x');
  ASSERT_EQ(::pwrite(fd, patch.data(), patch.size(), 3000), 5000);
  model.replace(3000, 5000, patch);
  ASSERT_EQ(::pwrite(fd, "end", 3, 30000), 3);  // leaves a hole
  model.resize(30000, '\0');
  model += "end";
  ASSERT_EQ(::fsync(fd), 0);
  std::string back(model.size(), '\0');
  ASSERT_EQ(::pread(fd, back.data(), back.size(), 0), static_cast<ssize_t>(model.size()));
  EXPECT_EQ(back, model);
  ASSERT_EQ(::close(fd), 0);
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_size, 30003);
  EXPECT_GT(st.st_blocks, 0);
  EXPECT_LT(st.st_blocks, 30003 / 512) << "compressed text must take fewer blocks than its size";
  store_.unmount();
  ASSERT_EQ(store_.mount(), 0);
  EXPECT_EQ(read_file(path), model);
}

TEST_F(MountTest, given_names_when_renaming_linking_and_removing_then_tree_follows) {
  write_file(store_.path("a"), "alpha");
  ASSERT_EQ(::mkdir(store_.path("d").c_str(), 0755), 0);
  ASSERT_EQ(::rename(store_.path("a").c_str(), store_.path("d/b").c_str()), 0);
  EXPECT_EQ(read_file(store_.path("d/b")), "alpha");
  ASSERT_EQ(::link(store_.path("d/b").c_str(), store_.path("c").c_str()), 0);
  struct stat st {};
  ASSERT_EQ(::stat(store_.path("c").c_str(), &st), 0);
  EXPECT_EQ(st.st_nlink, 2U);
  ASSERT_EQ(::symlink("d/b", store_.path("s").c_str()), 0);
  EXPECT_EQ(read_file(store_.path("s")), "alpha");
  char target[64] = {};
  ASSERT_EQ(::readlink(store_.path("s").c_str(), target, sizeof target), 3);
  EXPECT_STREQ(target, "d/b");
  EXPECT_EQ(::rmdir(store_.path("d").c_str()), -1);
  EXPECT_EQ(errno, ENOTEMPTY);
  ASSERT_EQ(::unlink(store_.path("d/b").c_str()), 0);
  ASSERT_EQ(::rmdir(store_.path("d").c_str()), 0);
  std::set<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(store_.mnt()))
    names.insert(e.path().filename().string());
  EXPECT_EQ(names, (std::set<std::string>{"c", "s"}));
  EXPECT_EQ(read_file(store_.path("c")), "alpha");
}

TEST_F(MountTest, given_many_entries_when_listing_then_every_name_appears_once) {
  for (int i = 0; i < 300; ++i) write_file(store_.path("file" + std::to_string(i)), "x");
  std::multiset<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(store_.mnt()))
    names.insert(e.path().filename().string());
  EXPECT_EQ(names.size(), 300U);
  EXPECT_EQ(std::set<std::string>(names.begin(), names.end()).size(), 300U);
}

TEST_F(MountTest, given_open_file_when_unlinked_then_it_stays_readable_until_closed) {
  const auto path = store_.path("gone");
  write_file(path, text_data(10000));
  const int fd = ::open(path.c_str(), O_RDWR);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::unlink(path.c_str()), 0);
  EXPECT_FALSE(std::filesystem::exists(path));
  ASSERT_EQ(::pwrite(fd, "new", 3, 0), 3);
  ASSERT_EQ(::fsync(fd), 0);
  std::string back(10000, '\0');
  ASSERT_EQ(::pread(fd, back.data(), back.size(), 0), 10000);
  EXPECT_EQ(back.substr(0, 3), "new");
  EXPECT_EQ(back.substr(3), text_data(10000).substr(3));
  ASSERT_EQ(::close(fd), 0);
}

TEST_F(MountTest, given_file_when_truncating_down_and_up_then_tail_reads_zero) {
  const auto path = store_.path("t");
  write_file(path, text_data(9000));
  ASSERT_EQ(::truncate(path.c_str(), 5000), 0);
  ASSERT_EQ(::truncate(path.c_str(), 12000), 0);
  auto expected = text_data(5000);
  expected.resize(12000, '\0');
  EXPECT_EQ(read_file(path), expected);
  store_.unmount();
  ASSERT_EQ(store_.mount(), 0);
  EXPECT_EQ(read_file(path), expected);
}

TEST_F(MountTest, given_xattrs_when_set_and_removed_then_errors_follow_posix) {
  const auto path = store_.path("x");
  write_file(path, "x");
  ASSERT_EQ(::setxattr(path.c_str(), "user.k", "v1", 2, XATTR_CREATE), 0);
  EXPECT_EQ(::setxattr(path.c_str(), "user.k", "v2", 2, XATTR_CREATE), -1);
  EXPECT_EQ(errno, EEXIST);
  EXPECT_EQ(::setxattr(path.c_str(), "user.m", "v", 1, XATTR_REPLACE), -1);
  EXPECT_EQ(errno, ENODATA);
  char value[8] = {};
  ASSERT_EQ(::getxattr(path.c_str(), "user.k", value, sizeof value), 2);
  EXPECT_STREQ(value, "v1");
  EXPECT_EQ(::getxattr(path.c_str(), "user.k", value, 1), -1);
  EXPECT_EQ(errno, ERANGE);
  char list[64] = {};
  ASSERT_EQ(::listxattr(path.c_str(), list, sizeof list), 7);
  EXPECT_STREQ(list, "user.k");
  ASSERT_EQ(::removexattr(path.c_str(), "user.k"), 0);
  EXPECT_EQ(::getxattr(path.c_str(), "user.k", value, sizeof value), -1);
  EXPECT_EQ(errno, ENODATA);
}

TEST_F(MountTest, given_punched_hole_when_seeking_then_data_and_hole_are_found) {
  const auto path = store_.path("h");
  write_file(path, text_data(16384));
  const int fd = ::open(path.c_str(), O_RDWR);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 4096, 8192), 0);
  EXPECT_EQ(::lseek(fd, 0, SEEK_HOLE), 4096);
  EXPECT_EQ(::lseek(fd, 4096, SEEK_DATA), 12288);
  EXPECT_EQ(::fallocate(fd, FALLOC_FL_COLLAPSE_RANGE, 0, 4096), -1);
  EXPECT_EQ(errno, EOPNOTSUPP);
  ASSERT_EQ(::fallocate(fd, 0, 0, 20000), 0);
  struct stat st {};
  ASSERT_EQ(::fstat(fd, &st), 0);
  EXPECT_EQ(st.st_size, 20000);
  ASSERT_EQ(::close(fd), 0);
  auto expected = text_data(16384);
  std::fill_n(expected.begin() + 4096, 8192, '\0');
  expected.resize(20000, '\0');
  EXPECT_EQ(read_file(path), expected);
}

TEST_F(MountTest, given_shared_mmap_when_writing_then_data_reaches_the_store) {
  const auto path = store_.path("m");
  write_file(path, std::string(10000, 'a'));
  const int fd = ::open(path.c_str(), O_RDWR);
  ASSERT_GE(fd, 0);
  void* map = ::mmap(nullptr, 10000, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  ASSERT_NE(map, MAP_FAILED);
  auto* bytes = static_cast<char*>(map);
  EXPECT_EQ(bytes[9999], 'a');
  std::fill_n(bytes + 4000, 3000, 'b');
  ASSERT_EQ(::msync(map, 10000, MS_SYNC), 0);
  ASSERT_EQ(::munmap(map, 10000), 0);
  ASSERT_EQ(::close(fd), 0);
  std::string expected(10000, 'a');
  std::fill_n(expected.begin() + 4000, 3000, 'b');
  store_.unmount();
  ASSERT_EQ(store_.mount(), 0);
  EXPECT_EQ(read_file(path), expected);
}

TEST_F(MountTest, given_threads_when_writing_separate_files_then_all_survive) {
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([this, t] {
      write_file(store_.path("t" + std::to_string(t)),
                 text_data(static_cast<std::size_t>(50000 + 1000 * t)));
    });
  }
  for (auto& th : threads) th.join();
  store_.unmount();
  ASSERT_EQ(store_.mount(), 0);
  for (int t = 0; t < 4; ++t)
    EXPECT_EQ(read_file(store_.path("t" + std::to_string(t))),
              text_data(static_cast<std::size_t>(50000 + 1000 * t)));
}

// The pid of the daemon serving `store` (its command line names the store), or -1.
pid_t daemon_pid(const std::string& store) {
  for (const auto& e : std::filesystem::directory_iterator("/proc")) {
    const auto name = e.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream in(e.path() / "cmdline", std::ios::binary);
    std::string cmdline((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (cmdline.find(std::string("mount") + '\0' + store + '\0') != std::string::npos)
      return static_cast<pid_t>(std::stol(name));
  }
  return -1;
}

// True while `pid` runs (a zombie nobody has reaped yet counts as ended).
bool alive(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto paren = stat.rfind(") ");
  return paren != std::string::npos && paren + 2 < stat.size() && stat[paren + 2] != 'Z';
}

TEST(MountSignalTest, given_sigterm_when_daemon_stops_then_it_unmounts_and_data_survives) {
  MountedStore store;
  ASSERT_EQ(store.mkfs(), 0);
  ASSERT_EQ(store.mount(), 0);
  write_file(store.path("a"), text_data(20000));
  const pid_t pid = daemon_pid(store.store());
  ASSERT_GT(pid, 0);
  ASSERT_EQ(::kill(pid, SIGTERM), 0);
  for (int i = 0; i < 500 && alive(pid); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_FALSE(alive(pid)) << "the daemon must exit";
  EXPECT_EQ(read_file("/proc/mounts").find(store.mnt() + " "), std::string::npos);
  ASSERT_EQ(store.mount(), 0);
  EXPECT_EQ(read_file(store.path("a")), text_data(20000));
}

class CodecMountTest : public ::testing::TestWithParam<std::string> {};

TEST_P(CodecMountTest, given_codec_when_remounting_then_contents_survive) {
  MountedStore store;
  ASSERT_EQ(store.mkfs("--block-size 16K --codec " + GetParam()), 0);
  ASSERT_EQ(store.mount(), 0);
  std::string random(40000, '\0');
  unsigned seed = 7;
  for (auto& c : random) {
    seed = seed * 1103515245U + 12345U;
    c = static_cast<char>(seed >> 24);
  }
  write_file(store.path("text"), text_data(100000));
  write_file(store.path("random"), random);
  store.unmount();
  ASSERT_EQ(store.mount(), 0);
  EXPECT_EQ(read_file(store.path("text")), text_data(100000));
  EXPECT_EQ(read_file(store.path("random")), random);
}

std::vector<std::string> codec_names() {
  std::vector<std::string> names;
  for (const auto* codec : codecs::all_codecs()) names.emplace_back(codec->name());
  return names;
}

INSTANTIATE_TEST_SUITE_P(EveryCodec, CodecMountTest, ::testing::ValuesIn(codec_names()));

}  // namespace
}  // namespace squeezefs::testing
