// Damaged stores on real mounts: flipped bytes in data files and a damaged index, as the mount,
// `squeezefs fsck` and `squeezefs compact` see them.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "mounted_store.h"
#include "squeezefs/index/sqlite/sqlite_metadata_store.h"
#include "squeezefs/index/sqlite/testing/sqlite_test_access.h"

namespace squeezefs::testing {
namespace {

constexpr std::size_t kBlock = 4096;

std::string text(std::size_t size, int seed) {
  std::string out;
  for (std::size_t i = 0; out.size() < size; ++i)
    out += "file " + std::to_string(seed) + " line " + std::to_string(i * 7919 % 100003) + "\n";
  out.resize(size);
  return out;
}

struct Output {
  int code = -1;
  std::string text;  // stdout and stderr
};

Output run(const std::string& args) {
  Output out;
  FILE* pipe = ::popen((squeezefs_binary() + " " + args + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return out;
  char buf[4096];
  std::size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof buf, pipe)) > 0) out.text.append(buf, n);
  const int status = ::pclose(pipe);
  out.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return out;
}

// Result of pread on the whole block `block` of `path`: the byte count or -errno.
long read_block(const std::string& path, std::size_t block) {
  const int fd = ::open(path.c_str(), O_RDONLY);
  if (fd < 0) return -errno;
  std::string buf(kBlock, '\0');
  const ssize_t n = ::pread(fd, buf.data(), buf.size(), static_cast<off_t>(block * kBlock));
  const long result = n < 0 ? -errno : n;
  ::close(fd);
  return result;
}

class DamageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(store_.mkfs("--block-size 4K --codec zstd:1"), 0);
    ASSERT_EQ(store_.mount(), 0);
    ASSERT_EQ(::mkdir(store_.path("dir").c_str(), 0755), 0);
    write_file(store_.path("dir/a"), text(10 * kBlock, 1));
    write_file(store_.path("b"), text(10 * kBlock, 2));
    write_file(store_.path("c"), text(100, 3));
    store_.unmount();
  }

  // The unmounted store's metadata.
  std::unique_ptr<index::MetadataStore> metadata() {
    return index::SqliteMetadataStore::open(store_.store() + "/index.db");
  }

  std::uint64_t inode_of(const std::vector<std::string>& path) {
    return metadata()->read([&](index::MetadataReader& r) {
      std::uint64_t ino = 1;
      for (const auto& name : path) ino = r.lookup(ino, name)->child;
      return ino;
    });
  }

  // Flips one stored byte of block `block` of `ino`.
  void damage_block(std::uint64_t ino, std::uint64_t block) {
    const index::BlockRef ref =
        metadata()->read([&](index::MetadataReader& r) { return *r.block(ino, block); });
    char name[32];
    std::snprintf(name, sizeof name, "/data/%06u.dat", ref.data_file);
    std::fstream f(store_.store() + name, std::ios::in | std::ios::out | std::ios::binary);
    const auto at = static_cast<std::streamoff>(ref.offset + ref.stored_length / 2);
    f.seekg(at);
    char c = 0;
    f.get(c);
    f.seekp(at);
    f.put(static_cast<char>(c ^ 0x21));
  }

  // Adds `count` empty files to the root directory through the index, so that the index spans
  // many pages (as a store with that many files does).
  void add_empty_files(int count) {
    metadata()->transact([&](index::MetadataTxn& t) {
      index::InodeRecord file;
      file.mode = 0100644;
      file.nlink = 1;
      for (int i = 0; i < count; ++i)
        t.add_entry(1, "empty-" + std::to_string(i), t.allocate_inode(file));
    });
  }

  // Writes 4 KiB of random bytes over the leaf page of the inodes table nearest the middle of
  // the index file, so the damage lands in rows every lookup reads, not in free pages.
  void damage_index_middle() {
    using index::testing::SqliteTestAccess;
    const auto path = store_.store() + "/index.db";
    // Both open the index immutable: no -wal or -shm, so the store holds only what the mount left.
    const std::int64_t page_size = SqliteTestAccess::page_size(path);
    ASSERT_EQ(page_size, 4096);
    const auto page = SqliteTestAccess::leaf_page_nearest(
        path, "inodes",
        static_cast<std::int64_t>(std::filesystem::file_size(path)) / page_size / 2);
    ASSERT_TRUE(page.has_value());
    ASSERT_GT(*page, 1);
    ASSERT_LT(*page * page_size, static_cast<std::int64_t>(std::filesystem::file_size(path)));
    SqliteTestAccess::corrupt_page(path, *page, 11);
  }

  MountedStore store_;
};

// True when `text` holds something that looks like a place in the source tree.
bool names_source_file(const std::string& text) {
  return text.find(".cpp") != std::string::npos || text.find(".h:") != std::string::npos ||
         text.find("/src/") != std::string::npos;
}

TEST_F(DamageTest, given_flipped_bytes_when_read_through_mount_then_eio_only_for_damaged_blocks) {
  const auto a = inode_of({"dir", "a"});
  damage_block(a, 3);
  ASSERT_EQ(store_.mount(), 0);
  EXPECT_EQ(read_block(store_.path("dir/a"), 3), -EIO);
  EXPECT_EQ(read_block(store_.path("dir/a"), 2), static_cast<long>(kBlock));
  EXPECT_EQ(read_block(store_.path("dir/a"), 4), static_cast<long>(kBlock));
  EXPECT_EQ(read_file(store_.path("b")), text(10 * kBlock, 2));
  EXPECT_EQ(read_file(store_.path("c")), text(100, 3));
  store_.unmount();
  const auto log = read_file(store_.store() + "/squeezefs.log");
  EXPECT_NE(log.find("inode " + std::to_string(a) + " block 3"), std::string::npos) << log;
}

TEST_F(DamageTest, given_flipped_bytes_when_fsck_then_exactly_the_damaged_files_listed) {
  damage_block(inode_of({"dir", "a"}), 3);
  damage_block(inode_of({"c"}), 0);
  const auto check = run("fsck " + store_.store());
  EXPECT_EQ(check.code, 4) << check.text;
  EXPECT_NE(check.text.find("files with damaged data:\n  /c\n  /dir/a\n"), std::string::npos)
      << check.text;
  EXPECT_EQ(check.text.find("/b"), std::string::npos) << check.text;

  EXPECT_EQ(run("fsck --quick " + store_.store()).code, 0);
  const auto repair = run("fsck --repair " + store_.store());
  EXPECT_EQ(repair.code, 4) << repair.text;
  EXPECT_NE(repair.text.find("that could not be saved:\n  /c\n  /dir/a\n"), std::string::npos)
      << repair.text;
  // Nothing was deleted: the undamaged blocks still read.
  ASSERT_EQ(store_.mount(), 0);
  EXPECT_EQ(read_block(store_.path("dir/a"), 0), static_cast<long>(kBlock));
  EXPECT_EQ(read_block(store_.path("dir/a"), 3), -EIO);
}

TEST_F(DamageTest, given_mounted_store_when_fsck_then_refused_and_compact_goes_to_the_daemon) {
  ASSERT_EQ(store_.mount(), 0);
  const auto check = run("fsck " + store_.store());
  EXPECT_EQ(check.code, 8) << check.text;
  EXPECT_NE(check.text.find("is mounted"), std::string::npos) << check.text;
  const auto compact = run("compact " + store_.store());
  EXPECT_EQ(compact.code, 0) << compact.text;
  EXPECT_NE(compact.text.find("data files rewritten"), std::string::npos) << compact.text;
  store_.unmount();
  const auto clean = run("fsck " + store_.store());
  EXPECT_EQ(clean.code, 0) << clean.text;
  EXPECT_EQ(run("compact " + store_.store()).code, 0);
}

TEST_F(DamageTest, given_bad_command_lines_when_fsck_then_usage_and_operational_codes) {
  EXPECT_EQ(run("fsck").code, 16);
  EXPECT_EQ(run("fsck --no-such-option " + store_.store()).code, 16);
  const auto not_store = run("fsck " + store_.mnt());
  EXPECT_EQ(not_store.code, 8) << not_store.text;
  EXPECT_NE(not_store.text.find("is not a squeezefs store"), std::string::npos);
  const auto bad_threshold = run("compact --threshold 2 " + store_.store());
  EXPECT_EQ(bad_threshold.code, 2) << bad_threshold.text;
  EXPECT_NE(bad_threshold.text.find("--threshold: Value 2 not in range"), std::string::npos)
      << bad_threshold.text;
}

TEST_F(DamageTest, given_terminal_or_pipe_when_fsck_then_progress_only_on_the_terminal) {
  if (run_quiet("command -v script") != 0) GTEST_SKIP() << "script(1) is not installed";
  FILE* pipe = ::popen(
      ("script -qec '" + squeezefs_binary() + " fsck " + store_.store() + "' /dev/null").c_str(),
      "r");
  ASSERT_NE(pipe, nullptr);
  std::string tty;
  char buf[4096];
  std::size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof buf, pipe)) > 0) tty.append(buf, n);
  ::pclose(pipe);
  EXPECT_NE(tty.find("\rchecking blocks: "), std::string::npos) << tty;
  const auto piped = run("fsck " + store_.store());
  EXPECT_EQ(piped.code, 0);
  EXPECT_EQ(piped.text, store_.store() + ": clean\n");
}

TEST_F(DamageTest, given_truncated_index_when_mounted_or_checked_then_refused_with_message) {
  std::filesystem::resize_file(store_.store() + "/index.db", 3000);
  EXPECT_NE(store_.mount(), 0);
  const auto mount = run("mount " + store_.store() + " " + store_.mnt());
  EXPECT_NE(mount.code, 0);
  EXPECT_NE(mount.text.find("cannot open store"), std::string::npos) << mount.text;
  const auto check = run("fsck " + store_.store());
  EXPECT_TRUE(check.code == 8 || check.code == 4) << check.text;
  EXPECT_NE(check.text.find("index"), std::string::npos) << check.text;
}

TEST_F(DamageTest, given_overwritten_index_pages_when_mounted_or_checked_then_refused) {
  {
    // Keep the header page; overwrite the pages of the tables.
    const auto size = std::filesystem::file_size(store_.store() + "/index.db");
    std::fstream f(store_.store() + "/index.db", std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(4096);
    const std::string junk(size - 4096, '\x5a');
    f.write(junk.data(), static_cast<std::streamsize>(junk.size()));
  }
  const auto mount = run("mount " + store_.store() + " " + store_.mnt());
  if (mount.code == 0) run_quiet("fusermount3 -u " + store_.mnt());
  EXPECT_NE(mount.code, 0) << mount.text;
  EXPECT_NE(mount.text.find("cannot open store"), std::string::npos) << mount.text;
  const auto check = run("fsck " + store_.store());
  EXPECT_TRUE(check.code == 8 || check.code == 4) << check.text;
}

TEST_F(DamageTest, given_random_bytes_in_index_middle_when_mounted_then_refused_naming_fsck) {
  add_empty_files(3000);
  ASSERT_GE(std::filesystem::file_size(store_.store() + "/index.db"), 64U * 4096)
      << "the index should span many pages";
  ASSERT_NO_FATAL_FAILURE(damage_index_middle());
  const auto before = tree_digest(store_.store());
  for (const std::string options : {"", " -o ro"}) {
    const auto mount = run("mount " + store_.store() + " " + store_.mnt() + options);
    if (mount.code == 0) run_quiet("fusermount3 -u " + store_.mnt());
    EXPECT_EQ(mount.code, 1) << options << ": " << mount.text;
    EXPECT_NE(mount.text.find("index is damaged"), std::string::npos) << mount.text;
    EXPECT_NE(mount.text.find("run 'squeezefs fsck " + store_.store() + "'"), std::string::npos)
        << mount.text;
    EXPECT_FALSE(names_source_file(mount.text)) << mount.text;
    EXPECT_EQ(tree_digest(store_.store()), before) << options;
  }
  // fsck reports the damage and leaves the index alone.
  const auto check = run("fsck " + store_.store());
  EXPECT_EQ(check.code, 4) << check.text;
  EXPECT_NE(check.text.find("index.db: "), std::string::npos) << check.text;
  EXPECT_NE(check.text.find("the index is damaged; the other checks were skipped"),
            std::string::npos)
      << check.text;
  EXPECT_FALSE(names_source_file(check.text)) << check.text;
  const auto repair = run("fsck --repair " + store_.store());
  EXPECT_EQ(repair.code, 4) << repair.text;
  EXPECT_EQ(tree_digest(store_.store()), before);
}

// A store made before an index was added to the schema gets it at its first read-write open,
// but only when the index file is sound: a damaged one is refused unchanged.
TEST_F(DamageTest, given_damaged_index_lacking_an_added_index_when_mounted_then_left_unchanged) {
  add_empty_files(3000);
  index::testing::SqliteTestAccess::exec(store_.store() + "/index.db", "DROP INDEX dirents_order");
  ASSERT_NO_FATAL_FAILURE(damage_index_middle());
  const auto before = tree_digest(store_.store());
  const auto mount = run("mount " + store_.store() + " " + store_.mnt());
  if (mount.code == 0) run_quiet("fusermount3 -u " + store_.mnt());
  EXPECT_EQ(mount.code, 1) << mount.text;
  EXPECT_NE(mount.text.find("index is damaged"), std::string::npos) << mount.text;
  EXPECT_EQ(tree_digest(store_.store()), before);
  const auto check = run("fsck " + store_.store());
  EXPECT_EQ(check.code, 4) << check.text;
  EXPECT_EQ(tree_digest(store_.store()), before);
}

TEST_F(DamageTest, given_damaged_schema_page_when_mounted_then_refused_naming_fsck) {
  {
    // Page 1 holds the schema after the 100-byte file header, which stays intact.
    std::fstream f(store_.store() + "/index.db", std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(100);
    const std::string junk(4096 - 100, '\x5a');
    f.write(junk.data(), static_cast<std::streamsize>(junk.size()));
  }
  const auto before = tree_digest(store_.store());
  for (const std::string options : {"", " -o ro"}) {
    const auto mount = run("mount " + store_.store() + " " + store_.mnt() + options);
    if (mount.code == 0) run_quiet("fusermount3 -u " + store_.mnt());
    EXPECT_EQ(mount.code, 1) << options << ": " << mount.text;
    EXPECT_NE(mount.text.find("run 'squeezefs fsck " + store_.store() + "'"), std::string::npos)
        << mount.text;
    EXPECT_FALSE(names_source_file(mount.text)) << mount.text;
  }
  const auto check = run("fsck " + store_.store());
  EXPECT_EQ(check.code, 4) << check.text;
  EXPECT_NE(check.text.find("the index is damaged; the other checks were skipped"),
            std::string::npos)
      << check.text;
  EXPECT_FALSE(names_source_file(check.text)) << check.text;
  EXPECT_EQ(tree_digest(store_.store()), before);
}

}  // namespace
}  // namespace squeezefs::testing
