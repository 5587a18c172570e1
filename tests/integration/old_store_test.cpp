// Stores written by release 0.1.0 (index format 1) through real mounts, as users' stores are:
// tests/data/stores/v1-*.tar.gz, made by make_v1_fixture.sh next to them. Every later release
// must mount them read-write and read-only, read every file, link and attribute as the manifest
// written with them says, leave them clean for fsck, and change nothing on a read-only mount.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "mounted_store.h"

namespace squeezefs::testing {
namespace {

std::string fixture_path(const std::string& name) {
  return std::string(SQUEEZEFS_TEST_DATA_DIR) + "/stores/" + name;
}

// The manifest's lines by path (comment lines left out).
std::map<std::string, std::string> read_manifest(const std::string& name) {
  std::ifstream in(fixture_path(name + ".manifest"));
  EXPECT_TRUE(in.good()) << name;
  std::map<std::string, std::string> out;
  for (std::string line; std::getline(in, line);)
    if (!line.empty() && line[0] != '#') out[line.substr(0, line.find('\t'))] = line;
  return out;
}

std::string hex(const std::string& bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (const char byte : bytes) {
    const auto c = static_cast<unsigned char>(byte);
    out += kDigits[c >> 4];
    out += kDigits[c & 15];
  }
  return out;
}

// name=hex of every extended attribute of `path` (not followed if a symlink), sorted by name.
std::vector<std::string> xattrs_of(const std::string& path) {
  const auto size = ::llistxattr(path.c_str(), nullptr, 0);
  EXPECT_GE(size, 0) << path << ": errno " << errno;
  std::string names(static_cast<std::size_t>(std::max<ssize_t>(size, 0)), '\0');
  if (size > 0) {
    EXPECT_EQ(::llistxattr(path.c_str(), names.data(), names.size()), size);
  }
  std::vector<std::string> out;
  for (std::size_t at = 0; at < names.size(); at = names.find('\0', at) + 1) {
    const std::string name = names.c_str() + at;
    const auto n = ::lgetxattr(path.c_str(), name.c_str(), nullptr, 0);
    EXPECT_GE(n, 0) << path << " " << name << ": errno " << errno;
    std::string value(static_cast<std::size_t>(std::max<ssize_t>(n, 0)), '\0');
    if (n > 0) {
      EXPECT_EQ(::lgetxattr(path.c_str(), name.c_str(), value.data(), value.size()), n);
    }
    out.push_back(name + "=" + hex(value));
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string sha256_of(const std::string& path) {
  const auto [rc, output] = run_capture("sha256sum < '" + path + "'");
  EXPECT_EQ(rc, 0) << output;
  return output.substr(0, 64);
}

// The manifest line make_v1_fixture.sh writes for `name` (relative to `mnt`, "." for the root):
// type, mode, owner, links, size, mtime, content (SHA-256 or link target) and xattrs.
std::string describe(const std::string& mnt, const std::string& name) {
  const std::string path = name == "." ? mnt : mnt + "/" + name;
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) return name + "\tmissing: errno " + std::to_string(errno);
  std::string type = "other";
  std::string size = "-";
  std::string content = "-";
  if (S_ISREG(st.st_mode)) {
    type = "file";
    size = std::to_string(st.st_size);
    content = sha256_of(path);
  } else if (S_ISDIR(st.st_mode)) {
    type = "dir";
  } else if (S_ISLNK(st.st_mode)) {
    type = "symlink";
    size = std::to_string(st.st_size);
    content = std::filesystem::read_symlink(path).string();
  } else if (S_ISFIFO(st.st_mode)) {
    type = "fifo";
  }
  char mode[8];
  std::snprintf(mode, sizeof mode, "%04o", st.st_mode & 07777U);
  char mtime[40];
  std::snprintf(mtime, sizeof mtime, "%lld.%09ld", static_cast<long long>(st.st_mtim.tv_sec),
                st.st_mtim.tv_nsec);
  std::string line = name + "\t" + type + "\t" + mode + "\t" + std::to_string(st.st_uid) + "\t" +
                     std::to_string(st.st_gid) + "\t" + std::to_string(st.st_nlink) + "\t" + size +
                     "\t" + mtime + "\t" + content;
  for (const auto& x : xattrs_of(path)) line += "\t" + x;
  return line;
}

// Every path under `mnt`, relative, with "." for the root.
std::set<std::string> paths_under(const std::string& mnt) {
  std::set<std::string> out = {"."};
  for (const auto& e : std::filesystem::recursive_directory_iterator(mnt))
    out.insert(e.path().lexically_relative(mnt).string());
  return out;
}

// Every entry under `dir` with its type, and for files their size and a hash of their bytes, to
// show a store byte-identical (a hash keeps a failure's message short).
std::map<std::string, std::string> exact_tree(const std::string& dir) {
  std::map<std::string, std::string> out;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
    std::string value = e.is_directory() ? "dir" : e.is_regular_file() ? "file" : "other";
    if (e.is_regular_file()) {
      std::ifstream in(e.path(), std::ios::binary);
      std::ostringstream body;
      body << in.rdbuf();
      value += " of " + std::to_string(body.str().size()) + " bytes, hash " +
               std::to_string(std::hash<std::string>{}(body.str()));
    }
    out[e.path().lexically_relative(dir).string()] = value;
  }
  return out;
}

// files/sparse as make_v1_fixture.sh writes it: 1 MiB of 128 KiB blocks, data only at
// [300000, 305000) and [800000, 803000).
constexpr off_t kSparseSize = 1 << 20;
constexpr off_t kBlock = 128 << 10;

// A temporary directory to unpack a fixture into (store_.store()) and mount it (store_.mnt()).
class FixtureStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::access("/dev/fuse", R_OK | W_OK) != 0) GTEST_SKIP() << "no /dev/fuse";
  }
  // Unpacks fixture `name` as store_.store().
  void unpack(const std::string& name) {
    const auto [rc, output] =
        run_capture("tar -xzf " + fixture_path(name + ".tar.gz") + " -C " + store_.dir());
    ASSERT_EQ(rc, 0) << output;
    ASSERT_TRUE(std::filesystem::exists(store_.store() + "/index.db"));
  }

  // Compares every entry of the mount with the fixture's manifest: the same paths, and for each
  // the same type, mode, owner, links, size, mtime, content and xattrs (ACLs included).
  void expect_manifest(const std::string& name) {
    const auto manifest = read_manifest(name);
    ASSERT_GT(manifest.size(), 20U);
    std::set<std::string> listed;
    for (const auto& [path, line] : manifest) {
      listed.insert(path);
      EXPECT_EQ(describe(store_.mnt(), path), line);
    }
    EXPECT_EQ(paths_under(store_.mnt()), listed);
  }

  // The sparse file's holes read as zeros and are still holes: no data is found in them.
  void expect_sparse_holes() {
    const auto data = read_file(store_.path("files/sparse"));
    ASSERT_EQ(static_cast<off_t>(data.size()), kSparseSize);
    const auto zeros = [&](std::size_t from, std::size_t to) {
      return std::all_of(data.begin() + static_cast<long>(from),
                         data.begin() + static_cast<long>(to), [](char c) { return c == 0; });
    };
    EXPECT_TRUE(zeros(0, 300000));
    EXPECT_FALSE(zeros(300000, 305000));
    EXPECT_TRUE(zeros(305000, 800000));
    EXPECT_FALSE(zeros(800000, 803000));
    EXPECT_TRUE(zeros(803000, data.size()));
    const int fd = ::open(store_.path("files/sparse").c_str(), O_RDONLY);
    ASSERT_GE(fd, 0);
    EXPECT_EQ(::lseek(fd, 0, SEEK_DATA), 2 * kBlock) << "errno " << errno;
    EXPECT_EQ(::lseek(fd, 2 * kBlock, SEEK_HOLE), 3 * kBlock) << "errno " << errno;
    EXPECT_EQ(::lseek(fd, 3 * kBlock, SEEK_DATA), 6 * kBlock) << "errno " << errno;
    EXPECT_EQ(::lseek(fd, 6 * kBlock, SEEK_HOLE), 7 * kBlock) << "errno " << errno;
    ::close(fd);
  }

  // `squeezefs fsck` of the unmounted store: exit code and output.
  std::pair<int, std::string> fsck() {
    return run_capture(squeezefs_binary() + " fsck " + store_.store());
  }

  MountedStore store_;
};

// Each fixture, unpacked afresh for each test.
class OldStoreTest : public FixtureStoreTest, public ::testing::WithParamInterface<const char*> {
 protected:
  void SetUp() override {
    FixtureStoreTest::SetUp();
    if (!IsSkipped()) unpack(GetParam());
  }
};

TEST_P(OldStoreTest, given_old_store_when_mounted_read_write_then_files_match_and_fsck_is_clean) {
  ASSERT_EQ(store_.mount("-o allow_other"), 0);
  expect_manifest(GetParam());
  expect_sparse_holes();
  // The access ACL of files/acl.txt (user 1234: rw-) is enforced by the kernel, as it was.
  const auto open_for_writing = [&] {
    return err_of(::open(store_.path("files/acl.txt").c_str(), O_WRONLY | O_CLOEXEC));
  };
  EXPECT_EQ(in_child(open_for_writing, 1234, 1234), 0);
  EXPECT_EQ(in_child(open_for_writing, 1235, 1235), EACCES);
  store_.unmount();
  ASSERT_FALSE(HasFailure());
  EXPECT_FALSE(std::filesystem::exists(store_.store() + "/index.db-wal"));
  const auto [rc, output] = fsck();
  EXPECT_EQ(rc, 0) << output;
  EXPECT_EQ(output, store_.store() + ": clean\n");
  // Mounted again, after the recovery and the check, everything is still there.
  ASSERT_EQ(store_.mount(), 0);
  expect_manifest(GetParam());
}

TEST_P(OldStoreTest, given_old_store_when_mounted_read_only_then_files_match_and_store_unchanged) {
  // A read-only mount of a store whose WAL holds commits reads through it and so writes SQLite's
  // -shm (the WAL's index); it changes nothing else.
  const auto store_files = [&] {
    auto tree = exact_tree(store_.store());
    tree.erase("index.db-shm");
    return tree;
  };
  const auto before = store_files();
  ASSERT_EQ(store_.mount("-o ro"), 0);
  expect_manifest(GetParam());
  expect_sparse_holes();
  auto during = store_files();
  EXPECT_EQ(during.erase("control.sock"), 1U);
  EXPECT_EQ(during, before);
  store_.unmount();
  EXPECT_EQ(store_files(), before);
}

INSTANTIATE_TEST_SUITE_P(Fixtures, OldStoreTest, ::testing::Values("v1-clean", "v1-killed"),
                         [](const auto& param_info) {
                           std::string name = param_info.param;
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

// v1-killed: the daemon was SIGKILLed after fsyncs, with a file unlinked while it held it open.
class KilledStoreTest : public FixtureStoreTest {};

TEST_F(KilledStoreTest, given_killed_store_when_checked_offline_then_its_orphan_is_reported) {
  unpack("v1-killed");
  EXPECT_GT(std::filesystem::file_size(store_.store() + "/index.db-wal"), 0U);
  const auto [rc, output] = fsck();
  EXPECT_EQ(rc, 0) << output;
  EXPECT_NE(output.find("orphaned inode"), std::string::npos) << output;
}

TEST_F(KilledStoreTest, given_killed_store_when_mounted_read_write_then_its_orphan_is_reclaimed) {
  unpack("v1-killed");
  ASSERT_GT(std::filesystem::file_size(store_.store() + "/index.db-wal"), 0U);
  ASSERT_EQ(store_.mount(), 0);
  // What the killed daemon had fsynced, the last file after the unlink included.
  for (const char* name : {"killed/fsynced.txt", "killed/fsynced.bin", "killed/after_unlink.txt"})
    EXPECT_EQ(describe(store_.mnt(), name), read_manifest("v1-killed").at(name));
  EXPECT_FALSE(std::filesystem::exists(store_.path("killed/orphan.bin")));
  store_.unmount();
  const auto [rc, output] = fsck();
  EXPECT_EQ(rc, 0) << output;
  EXPECT_EQ(output.find("orphaned inode"), std::string::npos) << output;
}

}  // namespace
}  // namespace squeezefs::testing
