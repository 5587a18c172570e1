// Real mounts of stores on read-only media (`squeezefs mount -o ro`): a cleanly unmounted store
// under a read-only bind mount is served read-only and left byte-identical, an unclean one is
// refused, and `-o ro` of a writable store writes nothing to it either.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "killable_daemon.h"
#include "mounted_store.h"

namespace squeezefs::testing {
namespace {

// Every entry under `dir` with its type, size and exact contents: unlike tree_digest(), SQLite's
// -wal and -shm files count too, so any file written, created or removed shows.
std::map<std::string, std::string> exact_tree(const std::string& dir) {
  std::map<std::string, std::string> out;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
    std::string value = e.is_directory() ? "dir" : e.is_regular_file() ? "file:" : "other";
    if (e.is_regular_file()) {
      std::ifstream in(e.path(), std::ios::binary);
      std::ostringstream body;
      body << in.rdbuf();
      value += body.str();
    }
    out[e.path().lexically_relative(dir).string()] = value;
  }
  return out;
}

// Bytes that vary from block to block and compress a little (a few codecs then store some
// blocks encoded and some raw).
std::string pattern(std::size_t size, unsigned seed) {
  std::string out(size, '\0');
  unsigned x = seed * 2654435761U + 1;
  for (std::size_t i = 0; i < size; ++i) {
    x = x * 1103515245U + 12345U;
    out[i] = static_cast<char>(i % 7 == 0 ? (x >> 16) & 0xff : 'a' + (i / 64) % 26);
  }
  return out;
}

// A `-o ro` mount of `store` at `mnt` (in the background), unmounted by the destructor even when
// a test fails.
class ReadOnlyMount {
 public:
  ReadOnlyMount(std::string store, std::string mnt)
      : store_(std::move(store)), mnt_(std::move(mnt)) {}
  ReadOnlyMount(const ReadOnlyMount&) = delete;
  ReadOnlyMount& operator=(const ReadOnlyMount&) = delete;
  ~ReadOnlyMount() { unmount(); }

  // Exit code and output of `squeezefs mount -o ro STORE MNT`.
  std::pair<int, std::string> mount() {
    auto result = run_capture(squeezefs_binary() + " mount -o ro " + store_ + " " + mnt_);
    mounted_ = result.first == 0;
    return result;
  }
  // fusermount3 -u, then waits until the daemon has let go of the store lock (it exits).
  bool unmount() {
    if (!mounted_) return true;
    if (const auto [rc, output] = run_capture("fusermount3 -u " + mnt_); rc != 0) {
      ADD_FAILURE() << "fusermount3 -u " << mnt_ << " exited with " << rc << ": " << output;
      run_quiet("umount -l " + mnt_);
      mounted_ = false;
      return false;
    }
    mounted_ = false;
    const int fd = ::open((store_ + "/index.db").c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return false;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    bool released = false;
    while (!(released = ::flock(fd, LOCK_EX | LOCK_NB) == 0) &&
           std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    ::close(fd);
    return released;
  }

 private:
  std::string store_;
  std::string mnt_;
  bool mounted_ = false;
};

// A read-only bind mount of `source` at `target`, removed by the destructor.
class ReadOnlyBind {
 public:
  ReadOnlyBind(const std::string& source, std::string target) : target_(std::move(target)) {
    std::filesystem::create_directory(target_);
    if (run_quiet("mount --bind " + source + " " + target_) != 0) return;
    bound_ = true;
    ready_ = run_quiet("mount -o remount,bind,ro " + target_) == 0;
  }
  ReadOnlyBind(const ReadOnlyBind&) = delete;
  ReadOnlyBind& operator=(const ReadOnlyBind&) = delete;
  ~ReadOnlyBind() {
    if (bound_ && run_quiet("umount " + target_) != 0) run_quiet("umount -l " + target_);
  }
  [[nodiscard]] bool ready() const { return ready_; }
  [[nodiscard]] const std::string& path() const { return target_; }

 private:
  std::string target_;
  bool bound_ = false;
  bool ready_ = false;
};

// Writes and fsyncs `files` through a daemon, then kills it with SIGKILL, so the store is left
// with commits in its WAL (the dead mount is lazily unmounted).
void write_and_kill(const std::string& store, const std::string& mnt,
                    const std::map<std::string, std::string>& files) {
  KillableDaemon daemon(store, mnt, "/dev/null");
  for (const auto& [name, data] : files) {
    write_file(mnt + "/" + name, data);
    // Committed to the index's WAL, not yet checkpointed into index.db.
    const int fd = ::open((mnt + "/" + name).c_str(), O_RDONLY);
    EXPECT_EQ(::fsync(fd), 0);
    ::close(fd);
  }
  daemon.kill();
}

class ReadOnlyStoreTest : public ::testing::Test {
 protected:
  // Fills the store through a read-write mount with several files (several blocks each, each
  // written under another codec), a symlink, a directory and xattrs; returns the files.
  std::map<std::string, std::string> fill() {
    std::map<std::string, std::string> files;
    const char* const kCodecs[] = {"zstd", "lz4", "zlib", "none"};
    unsigned seed = 1;
    for (const char* codec : kCodecs) {
      EXPECT_EQ(store_.mount(std::string("-o codec=") + codec), 0) << codec;
      const std::string name = std::string("file_") + codec;
      files[name] = pattern(5 * 4096 + 123 * seed, seed);
      write_file(store_.path(name), files[name]);
      ++seed;
      store_.unmount();
    }
    EXPECT_EQ(store_.mount(), 0);
    std::filesystem::create_directory(store_.path("dir"));
    files["dir/inner"] = pattern(9000, 9);
    write_file(store_.path("dir/inner"), files["dir/inner"]);
    files["empty"] = "";
    write_file(store_.path("empty"), "");
    EXPECT_EQ(::symlink("dir/inner", store_.path("link").c_str()), 0);
    EXPECT_EQ(::setxattr(store_.path("file_zstd").c_str(), "user.colour", "blue", 4, 0), 0);
    EXPECT_EQ(::setxattr(store_.path("dir").c_str(), "user.empty", "", 0, 0), 0);
    store_.unmount();
    return files;
  }

  // Reads everything fill() made back through `mnt` and checks that every change is refused with
  // EROFS and that reading does not move an access time.
  void check_read_only_mount(const std::string& mnt,
                             const std::map<std::string, std::string>& files) {
    // Before the first read: a read-write mount would move the access time of a file never read
    // since it was written (relatime), but only on that first read.
    const std::string file = mnt + "/file_lz4";
    struct stat before {};
    ASSERT_EQ(::stat(file.c_str(), &before), 0);
    for (const auto& [name, data] : files) EXPECT_EQ(read_file(mnt + "/" + name), data) << name;
    char target[64] = {};
    EXPECT_EQ(::readlink((mnt + "/link").c_str(), target, sizeof target - 1), 9);
    EXPECT_STREQ(target, "dir/inner");
    EXPECT_EQ(read_file(mnt + "/link"), files.at("dir/inner"));
    char value[16] = {};
    EXPECT_EQ(::getxattr((mnt + "/file_zstd").c_str(), "user.colour", value, sizeof value), 4);
    EXPECT_STREQ(value, "blue");
    EXPECT_EQ(::getxattr((mnt + "/dir").c_str(), "user.empty", value, sizeof value), 0);

    const auto erofs = [](long rc) { return rc < 0 ? errno : 0; };
    EXPECT_EQ(erofs(::open(file.c_str(), O_WRONLY)), EROFS);
    EXPECT_EQ(erofs(::open(file.c_str(), O_RDWR | O_TRUNC)), EROFS);
    EXPECT_EQ(erofs(::open((mnt + "/new").c_str(), O_CREAT | O_WRONLY, 0644)), EROFS);
    EXPECT_EQ(erofs(::truncate(file.c_str(), 1)), EROFS);
    EXPECT_EQ(erofs(::mkdir((mnt + "/newdir").c_str(), 0755)), EROFS);
    EXPECT_EQ(erofs(::unlink(file.c_str())), EROFS);
    EXPECT_EQ(erofs(::rmdir((mnt + "/dir").c_str())), EROFS);
    EXPECT_EQ(erofs(::rename(file.c_str(), (mnt + "/moved").c_str())), EROFS);
    EXPECT_EQ(erofs(::link(file.c_str(), (mnt + "/hard").c_str())), EROFS);
    EXPECT_EQ(erofs(::symlink("x", (mnt + "/newlink").c_str())), EROFS);
    EXPECT_EQ(erofs(::mknod((mnt + "/fifo").c_str(), S_IFIFO | 0644, 0)), EROFS);
    EXPECT_EQ(erofs(::chmod(file.c_str(), 0600)), EROFS);
    EXPECT_EQ(erofs(::chown(file.c_str(), 1, 1)), EROFS);
    EXPECT_EQ(erofs(::utimensat(AT_FDCWD, file.c_str(), nullptr, 0)), EROFS);
    EXPECT_EQ(erofs(::setxattr(file.c_str(), "user.colour", "red", 3, 0)), EROFS);
    EXPECT_EQ(erofs(::removexattr((mnt + "/file_zstd").c_str(), "user.colour")), EROFS);
    // None of the reads above moved the access time.
    EXPECT_EQ(read_file(file), files.at("file_lz4"));
    struct stat after {};
    ASSERT_EQ(::stat(file.c_str(), &after), 0);
    EXPECT_EQ(after.st_atim.tv_sec, before.st_atim.tv_sec);
    EXPECT_EQ(after.st_atim.tv_nsec, before.st_atim.tv_nsec);
    EXPECT_EQ(after.st_mode, before.st_mode);
    EXPECT_EQ(after.st_size, before.st_size);
    EXPECT_FALSE(std::filesystem::exists(mnt + "/new"));
    EXPECT_EQ(read_file(mnt + "/file_zstd"), files.at("file_zstd"));
  }

  MountedStore store_;
};

TEST_F(ReadOnlyStoreTest, given_clean_store_on_read_only_media_when_mounting_ro_then_served) {
  ASSERT_EQ(store_.mkfs(), 0);
  const auto files = fill();
  ASSERT_FALSE(HasFailure());
  const ReadOnlyBind bind(store_.store(), store_.dir() + "/ro");
  if (!bind.ready()) GTEST_SKIP() << "read-only bind mounts are not available";
  const auto before = exact_tree(bind.path());
  {
    ReadOnlyMount mount(bind.path(), store_.mnt());
    const auto [rc, output] = mount.mount();
    ASSERT_EQ(rc, 0) << output;
    check_read_only_mount(store_.mnt(), files);
    // While mounted: no -wal, no -shm, no control socket, no log file.
    EXPECT_EQ(exact_tree(bind.path()), before);
    for (const char* command : {" scrub ", " compact "}) {
      const auto [tool_rc, tool_output] = run_capture(squeezefs_binary() + command + store_.mnt());
      EXPECT_EQ(tool_rc, 1) << command << tool_output;
      EXPECT_NE(tool_output.find("has no control socket: the store is on read-only media"),
                std::string::npos)
          << command << tool_output;
    }
    EXPECT_TRUE(mount.unmount());
  }
  EXPECT_FALSE(is_mounted(store_.mnt()));
  // The offline tools write to the store: refused, saying why.
  for (const std::string command : {"fsck", "compact"}) {
    const auto [tool_rc, tool_output] =
        run_capture(squeezefs_binary() + " " + command + " " + bind.path());
    EXPECT_NE(tool_rc, 0) << command << tool_output;
    EXPECT_NE(tool_output.find("is not writable (" + bind.path() + ": Read-only file system); " +
                               command + " needs to write to the store"),
              std::string::npos)
        << tool_output;
  }
  EXPECT_EQ(exact_tree(bind.path()), before);
  EXPECT_EQ(exact_tree(store_.store()), before);
}

TEST_F(ReadOnlyStoreTest, given_read_only_media_when_mounting_read_write_then_ro_is_suggested) {
  ASSERT_EQ(store_.mkfs(), 0);
  const ReadOnlyBind bind(store_.store(), store_.dir() + "/ro");
  if (!bind.ready()) GTEST_SKIP() << "read-only bind mounts are not available";
  const auto before = exact_tree(bind.path());
  const auto [rc, output] =
      run_capture(squeezefs_binary() + " mount " + bind.path() + " " + store_.mnt());
  EXPECT_EQ(rc, 1) << output;
  EXPECT_NE(output.find("is not writable (" + bind.path()), std::string::npos) << output;
  EXPECT_NE(output.find("mount it with -o ro"), std::string::npos) << output;
  EXPECT_FALSE(is_mounted(store_.mnt()));
  EXPECT_EQ(exact_tree(bind.path()), before);
}

TEST_F(ReadOnlyStoreTest, given_unclean_store_on_read_only_media_when_mounting_ro_then_refused) {
  ASSERT_EQ(store_.mkfs(), 0);
  const std::map<std::string, std::string> files = {{"a", pattern(20000, 3)},
                                                    {"b", pattern(3000, 4)}};
  write_and_kill(store_.store(), store_.mnt(), files);
  ASSERT_FALSE(HasFailure());
  ASSERT_TRUE(std::filesystem::exists(store_.store() + "/index.db-wal"));
  {
    const ReadOnlyBind bind(store_.store(), store_.dir() + "/ro");
    if (!bind.ready()) GTEST_SKIP() << "read-only bind mounts are not available";
    const auto before = exact_tree(bind.path());
    ReadOnlyMount mount(bind.path(), store_.mnt());
    const auto [rc, output] = mount.mount();
    EXPECT_EQ(rc, 1) << output;
    EXPECT_NE(output.find("was not cleanly unmounted"), std::string::npos) << output;
    EXPECT_NE(output.find("mount it read-write once"), std::string::npos) << output;
    EXPECT_FALSE(is_mounted(store_.mnt()));
    EXPECT_EQ(exact_tree(bind.path()), before);
  }
  // Writable, the same store mounts ro (SQLite reads the WAL), then read-write recovers it.
  // The ro mount rewrites only SQLite's -shm (the WAL's index) and replaces the dead daemon's
  // control socket with its own, removed at unmount.
  const auto without_shm_and_socket = [&] {
    auto tree = exact_tree(store_.store());
    tree.erase("index.db-shm");
    tree.erase("control.sock");
    return tree;
  };
  const auto before = without_shm_and_socket();
  {
    ReadOnlyMount mount(store_.store(), store_.mnt());
    const auto [rc, output] = mount.mount();
    ASSERT_EQ(rc, 0) << output;
    for (const auto& [name, data] : files) EXPECT_EQ(read_file(store_.path(name)), data) << name;
    EXPECT_TRUE(mount.unmount());
  }
  EXPECT_EQ(without_shm_and_socket(), before);
  EXPECT_TRUE(std::filesystem::exists(store_.store() + "/index.db-wal"));
  EXPECT_FALSE(std::filesystem::exists(store_.store() + "/control.sock"));
  ASSERT_EQ(store_.mount(), 0);
  for (const auto& [name, data] : files) EXPECT_EQ(read_file(store_.path(name)), data) << name;
  store_.unmount();
  EXPECT_FALSE(std::filesystem::exists(store_.store() + "/index.db-wal"));
}

TEST_F(ReadOnlyStoreTest, given_writable_store_when_mounting_ro_then_nothing_is_written) {
  ASSERT_EQ(store_.mkfs(), 0);
  const auto files = fill();
  ASSERT_FALSE(HasFailure());
  const auto before = exact_tree(store_.store());
  {
    ReadOnlyMount mount(store_.store(), store_.mnt());
    const auto [rc, output] = mount.mount();
    ASSERT_EQ(rc, 0) << output;
    check_read_only_mount(store_.mnt(), files);
    // The control socket is there (scrub works on a read-only mount); nothing else changed.
    auto during = exact_tree(store_.store());
    EXPECT_EQ(during.erase("control.sock"), 1U);
    EXPECT_EQ(during, before);
    const auto [scrub_rc, scrub_output] =
        run_capture(squeezefs_binary() + " scrub " + store_.mnt());
    EXPECT_EQ(scrub_rc, 0) << scrub_output;
    EXPECT_TRUE(mount.unmount());
  }
  EXPECT_EQ(exact_tree(store_.store()), before);
}

}  // namespace
}  // namespace squeezefs::testing
