// Real mounts: syncs, locks between processes, readdir under change, mmap, and many processes
// and threads at once.
#include <dirent.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "mounted_fixture.h"

namespace squeezefs::testing {
namespace {

class PosixConcurrencyTest : public MountedStoreTest {};

TEST_F(PosixConcurrencyTest, given_files_and_dirs_when_syncing_then_every_sync_succeeds) {
  ASSERT_EQ(::mkdir(store_.path("d").c_str(), 0755), 0);
  const int fd = ::open(store_.path("d/f").c_str(), O_CREAT | O_RDWR, 0644);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::write(fd, "sync", 4), 4);
  EXPECT_EQ(::fsync(fd), 0);
  EXPECT_EQ(::fdatasync(fd), 0);
  EXPECT_EQ(::syncfs(fd), 0);
  ::close(fd);
  const int dfd = ::open(store_.path("d").c_str(), O_RDONLY | O_DIRECTORY);
  ASSERT_GE(dfd, 0);
  EXPECT_EQ(::fsync(dfd), 0);
  ::close(dfd);
  struct statvfs mine {};
  struct statvfs backing {};
  ASSERT_EQ(::statvfs(store_.mnt().c_str(), &mine), 0);
  ASSERT_EQ(::statvfs(store_.store().c_str(), &backing), 0);
  EXPECT_EQ(mine.f_blocks * mine.f_frsize, backing.f_blocks * backing.f_frsize)
      << "statfs reports the store's file system";
  EXPECT_GT(mine.f_bavail, 0U);
}

TEST_F(PosixConcurrencyTest, given_locks_when_two_processes_compete_then_they_exclude) {
  const auto path = store_.path("lock");
  write_file(path, "lock");
  const int fd = ::open(path.c_str(), O_RDWR);
  ASSERT_GE(fd, 0);
  const char* p = path.c_str();
  ASSERT_EQ(::flock(fd, LOCK_EX), 0);
  EXPECT_EQ(in_child([p] {
              const int cfd = ::open(p, O_RDWR);
              return err_of(::flock(cfd, LOCK_EX | LOCK_NB));
            }),
            EWOULDBLOCK);
  ASSERT_EQ(::flock(fd, LOCK_UN), 0);
  EXPECT_EQ(in_child([p] {
              const int cfd = ::open(p, O_RDWR);
              return err_of(::flock(cfd, LOCK_EX | LOCK_NB));
            }),
            0);
  // fcntl byte-range locks: a write lock on [0, 10) blocks the child there, not beyond.
  struct flock lock {};
  lock.l_type = F_WRLCK;
  lock.l_whence = SEEK_SET;
  lock.l_start = 0;
  lock.l_len = 10;
  ASSERT_EQ(::fcntl(fd, F_SETLK, &lock), 0);
  const auto try_range = [p](off_t start) {
    return in_child([p, start] {
      const int cfd = ::open(p, O_RDWR);
      struct flock l {};
      l.l_type = F_WRLCK;
      l.l_whence = SEEK_SET;
      l.l_start = start;
      l.l_len = 5;
      if (::fcntl(cfd, F_SETLK, &l) == 0) return 0;
      return errno == EAGAIN || errno == EACCES ? 11 : 99;
    });
  };
  EXPECT_EQ(try_range(5), 11);
  EXPECT_EQ(try_range(10), 0);
  lock.l_type = F_UNLCK;
  ASSERT_EQ(::fcntl(fd, F_SETLK, &lock), 0);
  EXPECT_EQ(try_range(5), 0);
  ::close(fd);
}

TEST_F(PosixConcurrencyTest,
       given_directory_changing_when_listing_then_stable_entries_appear_once) {
  const auto dir = store_.path("d");
  ASSERT_EQ(::mkdir(dir.c_str(), 0755), 0);
  constexpr int kStable = 400;
  for (int i = 0; i < kStable; ++i) write_file(dir + "/stable" + std::to_string(i), "");
  // Another process creates and removes entries while this one lists: it churns until the
  // parent closes `stop`, and says on `started` once it is under way.
  int stop[2];
  int started[2];
  ASSERT_EQ(::pipe(stop), 0);
  ASSERT_EQ(::pipe(started), 0);
  const pid_t churn = ::fork();
  ASSERT_GE(churn, 0);
  if (churn == 0) {
    ::close(stop[1]);
    ::close(started[0]);
    ::fcntl(stop[0], F_SETFL, O_NONBLOCK);
    char byte = 0;
    for (int round = 0; ::read(stop[0], &byte, 1) < 0 && errno == EAGAIN; ++round) {
      char name[64];
      std::snprintf(name, sizeof name, "%s/tmp%d", dir.c_str(), round % 50);
      const int fd = ::open(name, O_CREAT | O_WRONLY, 0644);
      if (fd < 0) ::_exit(1);
      ::close(fd);
      if (round >= 25) {
        std::snprintf(name, sizeof name, "%s/tmp%d", dir.c_str(), (round - 25) % 50);
        if (::unlink(name) != 0) ::_exit(2);
      }
      if (round == 25 && ::write(started[1], "s", 1) != 1) ::_exit(3);
    }
    ::_exit(0);
  }
  ::close(stop[0]);
  ::close(started[1]);
  // Stops and reaps the churning process, also when an assertion below ends the test early.
  struct Stopper {
    pid_t pid;
    int fd;
    int finish() {
      int status = -1;
      if (fd >= 0) ::close(std::exchange(fd, -1));
      if (pid > 0 && ::waitpid(std::exchange(pid, -1), &status, 0) < 0) status = -1;
      return status;
    }
    ~Stopper() { finish(); }
  } stopper{churn, stop[1]};
  char byte = 0;
  ASSERT_EQ(::read(started[0], &byte, 1), 1) << "the churning process did not start";
  ::close(started[0]);
  for (int pass = 0; pass < 5; ++pass) {
    std::map<std::string, int> seen;
    DIR* d = ::opendir(dir.c_str());
    ASSERT_NE(d, nullptr);
    while (const dirent* e = ::readdir(d)) ++seen[e->d_name];
    ::closedir(d);
    for (int i = 0; i < kStable; ++i)
      ASSERT_EQ(seen["stable" + std::to_string(i)], 1) << "pass " << pass << " entry " << i;
    for (const auto& [name, count] : seen) ASSERT_EQ(count, 1) << name;
  }
  const int status = stopper.finish();
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "wait status " << status;
}

TEST_F(PosixConcurrencyTest, given_shared_mapping_when_growing_file_then_remount_sees_it) {
  const auto path = store_.path("m");
  const int fd = ::open(path.c_str(), O_CREAT | O_RDWR, 0644);
  ASSERT_GE(fd, 0);
  constexpr std::size_t kSize = 64 * 1024;
  ASSERT_EQ(::ftruncate(fd, kSize), 0);
  void* map = ::mmap(nullptr, kSize, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  ASSERT_NE(map, MAP_FAILED);
  auto* bytes = static_cast<char*>(map);
  for (std::size_t i = 0; i < kSize; i += 4096) bytes[i] = static_cast<char>('A' + i / 4096);
  ASSERT_EQ(::msync(map, kSize, MS_SYNC), 0);
  // Another process reading through read(2) sees the mapped writes after msync.
  const char* p = path.c_str();
  EXPECT_EQ(in_child([p] {
              const int cfd = ::open(p, O_RDONLY);
              char c = 0;
              return ::pread(cfd, &c, 1, 4096 * 3) == 1 && c == 'D' ? 0 : 1;
            }),
            0);
  ASSERT_EQ(::munmap(map, kSize), 0);
  ::close(fd);
  store_.unmount();
  ASSERT_EQ(store_.mount(), 0);
  const auto back = read_file(path);
  ASSERT_EQ(back.size(), kSize);
  for (std::size_t i = 0; i < kSize; i += 4096)
    EXPECT_EQ(back[i], static_cast<char>('A' + i / 4096)) << i;
}

TEST_F(PosixConcurrencyTest, given_processes_and_threads_at_once_when_working_then_all_lands) {
  constexpr int kProcs = 3;
  constexpr int kThreads = 3;
  constexpr int kFiles = 20;
  std::vector<pid_t> children;
  for (int c = 0; c < kProcs; ++c) {
    const auto dir = store_.path("p" + std::to_string(c));
    ASSERT_EQ(::mkdir(dir.c_str(), 0755), 0);
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      for (int i = 0; i < kFiles; ++i) {
        char name[512];
        std::snprintf(name, sizeof name, "%s/f%d", dir.c_str(), i);
        const int fd = ::open(name, O_CREAT | O_WRONLY, 0644);
        if (fd < 0 || ::write(fd, name, std::strlen(name)) < 0) ::_exit(1);
        ::close(fd);
        std::snprintf(name, sizeof name, "%s/f%d", dir.c_str(), i);
        char renamed[520];
        std::snprintf(renamed, sizeof renamed, "%s/g%d", dir.c_str(), i);
        if (::rename(name, renamed) != 0) ::_exit(2);
      }
      ::_exit(0);
    }
    children.push_back(pid);
  }
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([this, t] {
      const auto dir = store_.path("t" + std::to_string(t));
      ASSERT_EQ(::mkdir(dir.c_str(), 0755), 0);
      for (int i = 0; i < kFiles; ++i) {
        write_file(dir + "/f" + std::to_string(i),
                   std::string(static_cast<std::size_t>(5000 + i), static_cast<char>('a' + t)));
        ASSERT_EQ(::link((dir + "/f" + std::to_string(i)).c_str(),
                         (dir + "/h" + std::to_string(i)).c_str()),
                  0);
      }
    });
  }
  for (auto& th : threads) th.join();
  for (const pid_t pid : children) {
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "wait status " << status;
  }
  store_.unmount();
  ASSERT_EQ(store_.mount(), 0);
  for (int c = 0; c < kProcs; ++c) {
    for (int i = 0; i < kFiles; ++i) {
      const auto dir = store_.path("p" + std::to_string(c));
      EXPECT_EQ(read_file(dir + "/g" + std::to_string(i)), dir + "/f" + std::to_string(i));
    }
  }
  for (int t = 0; t < kThreads; ++t) {
    for (int i = 0; i < kFiles; ++i) {
      struct stat st {};
      const auto name = store_.path("t" + std::to_string(t) + "/h" + std::to_string(i));
      ASSERT_EQ(::stat(name.c_str(), &st), 0);
      EXPECT_EQ(st.st_nlink, 2U);
      EXPECT_EQ(st.st_size, 5000 + i);
    }
  }
}

}  // namespace
}  // namespace squeezefs::testing
