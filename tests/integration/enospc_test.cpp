// A store on a small tmpfs filled through a real mount: a full disk shows as ENOSPC (never EIO),
// what was stored stays intact, the store stays mountable and clean, and freeing space (inside
// the mount or beside the store) makes writes work again.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <map>
#include <random>
#include <string>
#include <thread>

#include "mounted_store.h"

namespace squeezefs::testing {
namespace {

constexpr std::size_t kMiB = 1024 * 1024;
constexpr std::size_t kFileSize = kMiB;
constexpr std::size_t kChunk = 256 * 1024;
constexpr int kMaxFiles = 100;  // far more than fit in the disk below

// Incompressible bytes, so the disk fills at the rate we write.
std::string random_bytes(std::size_t size, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::string out(size, '\0');
  for (std::size_t i = 0; i < size; i += 8) {
    const std::uint64_t v = rng();
    std::memcpy(out.data() + i, &v, std::min<std::size_t>(8, size - i));
  }
  return out;
}

// Mounts a size-limited tmpfs on the store directory (mkfs accepts an empty directory) and, on
// destruction, unmounts the store and then the tmpfs, also when the test failed.
class SmallDisk {
 public:
  SmallDisk(MountedStore& store, const std::string& size) : store_(store) {
    std::filesystem::create_directories(store.store());
    mounted_ =
        run_quiet("mount -t tmpfs -o size=" + size + " squeezefs-enospc " + store.store()) == 0;
  }
  SmallDisk(const SmallDisk&) = delete;
  SmallDisk& operator=(const SmallDisk&) = delete;
  ~SmallDisk() {
    store_.unmount();
    if (mounted_ && run_quiet("umount " + store_.store()) != 0)
      run_quiet("umount -l " + store_.store());
  }
  [[nodiscard]] bool mounted() const { return mounted_; }

 private:
  MountedStore& store_;
  bool mounted_ = false;
};

// Writes `data` to a new file through open/write/fsync/close. Returns 0 or the errno of the
// first call that failed (every later call still runs, and must fail the same way or succeed).
int store_file(const std::string& path, const std::string& data, std::string& where) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    where = "open";
    return errno;
  }
  int err = 0;
  for (std::size_t done = 0; done < data.size() && err == 0;) {
    const auto n = ::write(fd, data.data() + done, std::min(kChunk, data.size() - done));
    if (n < 0) {
      err = errno;
      where = "write";
    } else {
      done += static_cast<std::size_t>(n);
    }
  }
  if (::fsync(fd) != 0 && err == 0) {
    err = errno;
    where = "fsync";
  }
  const int close_rc = ::close(fd);
  if (close_rc != 0 && err == 0) {
    err = errno;
    where = "close";
  } else if (close_rc != 0 && errno != err) {
    // A second report of the same write-back failure is fine; a different error is not.
    ADD_FAILURE() << path << ": close failed with " << std::strerror(errno) << " after "
                  << std::strerror(err);
  }
  return err;
}

// Writes 1 MiB files named `prefix`N until one fails; that one must fail with ENOSPC. Adds the
// stored ones to `files` and returns how many were stored.
int fill_until_full(MountedStore& store, const std::string& prefix, std::uint64_t seed,
                    std::map<std::string, std::string>& files) {
  for (int i = 0; i < kMaxFiles; ++i) {
    const std::string name = prefix + std::to_string(i);
    std::string data = random_bytes(kFileSize, seed + static_cast<std::uint64_t>(i));
    std::string where;
    const int err = store_file(store.path(name), data, where);
    if (err != 0) {
      EXPECT_EQ(err, ENOSPC) << name << ": " << where << " failed with " << std::strerror(err);
      // What the failed file holds is undefined; it must still go away cleanly.
      EXPECT_EQ(err_of(::unlink(store.path(name).c_str())), 0) << name;
      return i;
    }
    files[name] = std::move(data);
  }
  ADD_FAILURE() << "the disk never filled after " << kMaxFiles << " files";
  return kMaxFiles;
}

// Fills the rest of the store's file system with a file beside the store's own files.
void fill_beside(const std::string& path) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  ASSERT_GE(fd, 0) << path;
  const std::string block(64 * 1024, 'z');
  for (;;) {
    const auto n = ::write(fd, block.data(), block.size());
    if (n < 0) {
      EXPECT_EQ(errno, ENOSPC);
      break;
    }
    if (static_cast<std::size_t>(n) < block.size()) continue;  // the next one reports ENOSPC
  }
  ::close(fd);
}

std::uint64_t available(const std::string& path) {
  struct statvfs st {};
  if (::statvfs(path.c_str(), &st) != 0) return 0;
  return std::uint64_t{st.f_bavail} * st.f_frsize;
}

void expect_files(MountedStore& store, const std::map<std::string, std::string>& files) {
  for (const auto& [name, data] : files) EXPECT_TRUE(read_file(store.path(name)) == data) << name;
}

TEST(EnospcTest, given_full_disk_when_writing_then_enospc_data_kept_and_space_comes_back) {
  MountedStore store;
  SmallDisk disk(store, "24m");
  if (!disk.mounted()) GTEST_SKIP() << "cannot mount a tmpfs here (needs root)";
  ASSERT_EQ(store.mkfs("--block-size 64K --codec zstd:1"), 0);
  ASSERT_EQ(store.mount(), 0);
  std::map<std::string, std::string> files;
  // Space taken beside the store now and given back later.
  const std::string spare = store.store() + "/spare";
  write_file(spare, std::string(8 * kMiB, 's'));

  // Data: the write that does not fit fails with ENOSPC, the files before it are intact.
  const int stored = fill_until_full(store, "a", 1000, files);
  ASSERT_GE(stored, 3) << "the disk filled far too early";
  expect_files(store, files);

  // Metadata: with the last bytes taken beside the store, creating entries fills the index
  // until SQLite reports a full disk; every failure must be ENOSPC and leave nothing half-made.
  const std::string filler = store.store() + "/filler";
  fill_beside(filler);
  int metadata_full = 0;
  int created = 0;
  for (int i = 0; i < 20000 && metadata_full == 0; ++i) {
    const std::string name = store.path("m" + std::to_string(i));
    const int fd = ::open(name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0) {
      metadata_full = errno;
      break;
    }
    ::close(fd);
    ++created;
    const std::string value(200, 'v');
    const int xattr_err =
        err_of(::setxattr(name.c_str(), "user.pad", value.data(), value.size(), 0));
    if (xattr_err != 0) metadata_full = xattr_err;
  }
  EXPECT_EQ(metadata_full, ENOSPC) << "after " << created << " files";
  const int mkdir_err = err_of(::mkdir(store.path("dir-when-full").c_str(), 0755));
  EXPECT_TRUE(mkdir_err == 0 || mkdir_err == ENOSPC) << std::strerror(mkdir_err);
  std::string where;
  EXPECT_EQ(store_file(store.path("data-when-full"), random_bytes(kFileSize, 7), where), ENOSPC)
      << where;
  ::unlink(store.path("data-when-full").c_str());
  expect_files(store, files);

  // Space freed beside the store: metadata and data work again.
  ASSERT_EQ(::unlink(filler.c_str()), 0);
  ASSERT_EQ(::unlink(spare.c_str()), 0);
  EXPECT_EQ(err_of(::mkdir(store.path("dir-after").c_str(), 0755)), 0);
  const std::string after = random_bytes(kFileSize, 9);
  EXPECT_EQ(store_file(store.path("after"), after, where), 0) << where;
  files["after"] = after;
  for (int i = 0; i < created; ++i)
    ASSERT_EQ(::unlink(store.path("m" + std::to_string(i)).c_str()), 0);

  // Full again, then space freed inside the mount: removed files' blocks are given back to the
  // file system in the background, and writes work once they are.
  fill_until_full(store, "b", 2000, files);
  for (int i = 0; i < stored / 2; ++i) {
    const std::string name = "a" + std::to_string(i);
    ASSERT_EQ(::unlink(store.path(name).c_str()), 0) << name;
    files.erase(name);
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (available(store.store()) < 8 * kMiB && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  const std::string again = random_bytes(kFileSize, 11);
  EXPECT_EQ(store_file(store.path("again"), again, where), 0) << where;
  files["again"] = again;
  expect_files(store, files);

  // The store survives it all: it unmounts, checks clean and mounts again with the data intact.
  store.unmount();
  const auto [fsck_rc, fsck_out] = run_capture(squeezefs_binary() + " fsck " + store.store());
  EXPECT_EQ(fsck_rc, 0) << fsck_out;
  ASSERT_EQ(store.mount(), 0);
  expect_files(store, files);
}

}  // namespace
}  // namespace squeezefs::testing
