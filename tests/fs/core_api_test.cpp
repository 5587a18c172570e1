// Filesystem through CoreApi, as the adapter drives it: each request's whole job, with the
// lookup and handle references that keep unlinked inodes alive, over a store in a temp dir.
#include "squeezefs/fs/core_api.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "squeezefs/fs/clock.h"
#include "squeezefs/fs/filesystem.h"
#include "squeezefs/fs/store_layout.h"

namespace squeezefs::fs {
namespace {

constexpr std::uint64_t kRoot = Namespace::kRootIno;

// Collects the entries of readdir replies; takes at most `room` of them.
class CollectingSink final : public DirEntrySink {
 public:
  explicit CollectingSink(std::size_t room = SIZE_MAX) : room_(room) {}

  bool add(const char* name, const Attr& attr, std::int64_t next_offset) override {
    if (entries.size() == room_) return false;
    entries.push_back({name, attr, next_offset});
    return true;
  }

  struct Entry {
    std::string name;
    Attr attr;
    std::int64_t next_offset;
  };
  std::vector<Entry> entries;

 private:
  std::size_t room_;
};

class CoreApiTest : public ::testing::Test {
 protected:
  CoreApiTest() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "squeezefs-core-api-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    dir_ = pattern;
    index::StoreConfig config;
    config.block_size = kBlock;
    if (!make_store(dir_ / "store", config, Caller{})) throw std::runtime_error("mkfs failed");
    DataPathOptions options;
    options.commit_interval = std::chrono::seconds(3600);  // no background sync meanwhile
    filesystem_ = std::make_unique<Filesystem>(dir_ / "store", std::nullopt, options);
  }
  ~CoreApiTest() override {
    filesystem_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  CoreApi& core() { return *filesystem_; }

  // A new regular file `name` holding `bytes` bytes, with no reference left on it.
  std::uint64_t make_file(const std::string& name, std::size_t bytes) {
    auto attr = core().create(kRoot, name, 0644, Caller{});
    if (!attr) throw std::runtime_error("create failed");
    const std::vector<std::byte> data(bytes, std::byte{'x'});
    if (bytes > 0 && !core().write(attr->ino, 0, data)) throw std::runtime_error("write failed");
    if (!core().release(attr->ino)) throw std::runtime_error("release failed");
    core().forget(attr->ino, 1);
    return attr->ino;
  }

  static constexpr std::uint32_t kBlock = 4096;
  std::filesystem::path dir_;
  std::unique_ptr<Filesystem> filesystem_;
};

TEST_F(CoreApiTest, given_written_file_when_getattr_then_live_size_and_blocks_are_reported) {
  const auto ino = make_file("f", 3 * kBlock + 10);
  auto attr = core().getattr(ino);
  ASSERT_TRUE(attr);
  EXPECT_EQ(attr->size, 3 * kBlock + 10);
  EXPECT_GT(attr->blocks_512, 0U);
  EXPECT_EQ(attr->io_block_size, kBlock);
  EXPECT_EQ(attr->mode, S_IFREG | 0644);
  EXPECT_EQ(attr->nlink, 1U);
}

TEST_F(CoreApiTest, given_file_with_data_when_opened_with_truncate_then_it_is_empty) {
  const auto ino = make_file("f", 2 * kBlock);
  ASSERT_TRUE(core().open(ino, OpenFlags{.truncate = true}));
  EXPECT_EQ(core().getattr(ino)->size, 0U);
  EXPECT_TRUE(core().read(ino, 0, kBlock)->empty());
  ASSERT_TRUE(core().release(ino));
}

TEST_F(CoreApiTest, given_file_with_data_when_opened_without_truncate_then_it_keeps_its_data) {
  const auto ino = make_file("f", 2 * kBlock);
  ASSERT_TRUE(core().open(ino, OpenFlags{}));
  EXPECT_EQ(core().getattr(ino)->size, 2 * kBlock);
  ASSERT_TRUE(core().release(ino));
}

TEST_F(CoreApiTest, given_open_file_when_unlinked_then_it_lives_until_released) {
  const auto ino = make_file("f", 100);
  ASSERT_TRUE(core().open(ino, OpenFlags{}));
  ASSERT_TRUE(core().unlink(kRoot, "f"));
  auto attr = core().getattr(ino);
  ASSERT_TRUE(attr);
  EXPECT_EQ(attr->nlink, 0U);
  EXPECT_EQ(attr->size, 100U);
  ASSERT_TRUE(core().release(ino));
  EXPECT_EQ(core().getattr(ino).error(), std::errc::no_such_file_or_directory);
}

TEST_F(CoreApiTest, given_directory_when_opened_then_eisdir_and_no_reference_is_left) {
  auto dir = core().mkdir(kRoot, "d", 0755, Caller{});
  ASSERT_TRUE(dir);
  core().forget(dir->ino, 1);
  EXPECT_EQ(core().open(dir->ino, OpenFlags{.truncate = true}).error(), std::errc::is_a_directory);
  ASSERT_TRUE(core().rmdir(kRoot, "d"));
  // A reference left by the failed open would keep the removed directory.
  EXPECT_EQ(core().getattr(dir->ino).error(), std::errc::no_such_file_or_directory);
}

TEST_F(CoreApiTest, given_open_whose_reply_failed_when_abandoned_then_no_reference_is_left) {
  const auto ino = make_file("f", 100);
  ASSERT_TRUE(core().open(ino, OpenFlags{}));
  ASSERT_TRUE(core().unlink(kRoot, "f"));
  core().abandon_open(ino);
  EXPECT_EQ(core().getattr(ino).error(), std::errc::no_such_file_or_directory);
}

TEST_F(CoreApiTest, given_create_when_unlinked_then_lookup_and_handle_references_keep_it) {
  auto attr = core().create(kRoot, "c", 0640, Caller{});
  ASSERT_TRUE(attr);
  EXPECT_EQ(attr->mode, S_IFREG | 0640);
  ASSERT_TRUE(core().unlink(kRoot, "c"));
  ASSERT_TRUE(core().release(attr->ino));
  EXPECT_TRUE(core().getattr(attr->ino));  // the lookup reference
  core().forget(attr->ino, 1);
  EXPECT_EQ(core().getattr(attr->ino).error(), std::errc::no_such_file_or_directory);
}

TEST_F(CoreApiTest, given_existing_name_when_creating_then_eexist_and_nothing_is_held) {
  make_file("f", 0);
  EXPECT_EQ(core().create(kRoot, "f", 0644, Caller{}).error(), std::errc::file_exists);
}

TEST_F(CoreApiTest, given_lookup_when_unlinked_then_inode_lives_until_forgotten) {
  const auto ino = make_file("f", 10);
  auto attr = core().lookup(kRoot, "f");
  ASSERT_TRUE(attr);
  EXPECT_EQ(attr->ino, ino);
  EXPECT_EQ(attr->size, 10U);
  ASSERT_TRUE(core().unlink(kRoot, "f"));
  EXPECT_TRUE(core().getattr(ino));
  core().forget(ino, 1);
  EXPECT_EQ(core().getattr(ino).error(), std::errc::no_such_file_or_directory);
}

TEST_F(CoreApiTest, given_size_and_mode_when_setattr_then_both_change_in_one_call) {
  const auto ino = make_file("f", 3 * kBlock);
  AttrUpdate update;
  update.size = 100;
  update.attrs.mode = 0600;
  update.attrs.mtime_ns = 1'000'000'000;
  auto attr = core().setattr(ino, update);
  ASSERT_TRUE(attr);
  EXPECT_EQ(attr->size, 100U);
  EXPECT_EQ(attr->mode, S_IFREG | 0600);
  // The explicit time wins over the one the truncate stamped.
  EXPECT_EQ(attr->mtime_ns, 1'000'000'000);
  const auto slices = core().read(ino, 0, kBlock);
  ASSERT_TRUE(slices);
  std::size_t read = 0;
  for (const auto& slice : *slices) read += slice.bytes.size();
  EXPECT_EQ(read, 100U);
}

TEST_F(CoreApiTest, given_times_now_with_size_when_setattr_then_the_core_stamps_them_now) {
  const auto ino = make_file("f", kBlock);
  AttrUpdate set_old;
  set_old.attrs.atime_ns = 1;
  set_old.attrs.mtime_ns = 1;
  ASSERT_TRUE(core().setattr(ino, set_old));
  const auto before = now_ns();
  AttrUpdate update;
  update.size = 10;
  update.atime_now = true;
  update.mtime_now = true;
  auto attr = core().setattr(ino, update);
  ASSERT_TRUE(attr);
  EXPECT_GE(attr->atime_ns, before);  // a truncate leaves atime alone
  EXPECT_GE(attr->mtime_ns, before);
  EXPECT_EQ(attr->size, 10U);
}

TEST_F(CoreApiTest, given_directory_when_reading_plus_then_dots_entries_and_references) {
  const auto a = make_file("a", 5);
  const auto b = make_file("b", 6);
  auto handle = core().opendir(kRoot);
  ASSERT_TRUE(handle);
  CollectingSink sink;
  ASSERT_TRUE(core().readdir(kRoot, **handle, 0, true, 16, sink));
  ASSERT_EQ(sink.entries.size(), 4U);
  EXPECT_EQ(sink.entries[0].name, ".");
  EXPECT_EQ(sink.entries[0].next_offset, 1);
  EXPECT_EQ(sink.entries[0].attr.ino, kRoot);
  EXPECT_EQ(sink.entries[1].name, "..");
  EXPECT_EQ(sink.entries[1].next_offset, 2);
  EXPECT_EQ(sink.entries[2].name, "a");
  EXPECT_EQ(sink.entries[2].attr.ino, a);
  EXPECT_EQ(sink.entries[2].attr.size, 5U);
  EXPECT_EQ(sink.entries[3].name, "b");
  EXPECT_EQ(sink.entries[3].attr.ino, b);
  // Resuming after the last entry ends the listing.
  CollectingSink rest;
  ASSERT_TRUE(core().readdir(kRoot, **handle, sink.entries[3].next_offset, true, 16, rest));
  EXPECT_TRUE(rest.entries.empty());
  // readdirplus counts as a lookup of each entry.
  ASSERT_TRUE(core().unlink(kRoot, "a"));
  EXPECT_TRUE(core().getattr(a));
  core().forget(a, 1);
  EXPECT_FALSE(core().getattr(a));
}

TEST_F(CoreApiTest, given_full_sink_when_reading_plus_then_entries_left_out_take_no_reference) {
  const auto a = make_file("a", 5);
  const auto b = make_file("b", 6);
  auto handle = core().opendir(kRoot);
  ASSERT_TRUE(handle);
  CollectingSink sink(3);  // ".", ".." and "a"
  ASSERT_TRUE(core().readdir(kRoot, **handle, 0, true, 16, sink));
  ASSERT_EQ(sink.entries.size(), 3U);
  EXPECT_EQ(sink.entries[2].attr.ino, a);
  ASSERT_TRUE(core().unlink(kRoot, "b"));
  EXPECT_FALSE(core().getattr(b));
  // The listing resumes at "b"'s position; it is gone now.
  CollectingSink rest;
  ASSERT_TRUE(core().readdir(kRoot, **handle, sink.entries[2].next_offset, true, 16, rest));
  EXPECT_TRUE(rest.entries.empty());
}

TEST_F(CoreApiTest, given_plain_readdir_when_listing_then_no_reference_is_taken) {
  const auto a = make_file("a", 5);
  auto handle = core().opendir(kRoot);
  ASSERT_TRUE(handle);
  CollectingSink sink;
  ASSERT_TRUE(core().readdir(kRoot, **handle, 0, false, 16, sink));
  ASSERT_EQ(sink.entries.size(), 3U);
  EXPECT_EQ(sink.entries[2].attr.ino, a);
  EXPECT_EQ(sink.entries[2].attr.mode, S_IFREG | 0644);
  ASSERT_TRUE(core().unlink(kRoot, "a"));
  EXPECT_FALSE(core().getattr(a));
}

TEST_F(CoreApiTest, given_file_when_opendir_then_enotdir) {
  const auto ino = make_file("f", 0);
  EXPECT_EQ(core().opendir(ino).error(), std::errc::not_a_directory);
  EXPECT_EQ(core().opendir(999).error(), std::errc::no_such_file_or_directory);
}

TEST_F(CoreApiTest, given_store_when_statfs_then_it_reports_the_name_limit_and_space) {
  auto stats = core().statfs();
  ASSERT_TRUE(stats);
  EXPECT_EQ(stats->name_max, 255U);
  EXPECT_GT(stats->blocks, 0U);
  EXPECT_GT(stats->fragment_size, 0U);
  EXPECT_LE(stats->blocks_available, stats->blocks);
}

TEST_F(CoreApiTest, given_punch_hole_without_keep_size_when_fallocate_then_eopnotsupp) {
  const auto ino = make_file("f", 2 * kBlock);
  EXPECT_EQ(core().fallocate(ino, FallocateMode::kPunchHole, false, 0, kBlock).error(),
            std::errc::operation_not_supported);
  ASSERT_TRUE(core().fallocate(ino, FallocateMode::kPunchHole, true, 0, kBlock));
  EXPECT_EQ(*core().seek(ino, 0, SeekWhence::kData), kBlock);
  EXPECT_EQ(*core().seek(ino, 0, SeekWhence::kHole), 0U);
  ASSERT_TRUE(core().fallocate(ino, FallocateMode::kAllocate, false, 0, 3 * kBlock));
  EXPECT_EQ(core().getattr(ino)->size, 3 * kBlock);
  ASSERT_TRUE(core().fallocate(ino, FallocateMode::kZeroRange, true, 0, 4 * kBlock));
  EXPECT_EQ(core().getattr(ino)->size, 3 * kBlock);
}

TEST_F(CoreApiTest, given_names_and_xattrs_when_changed_through_the_core_then_they_read_back) {
  auto link_target = core().symlink(kRoot, "s", "target", Caller{});
  ASSERT_TRUE(link_target);
  core().forget(link_target->ino, 1);
  EXPECT_EQ(*core().readlink(link_target->ino), "target");
  const auto ino = make_file("f", 0);
  auto linked = core().link(ino, kRoot, "g");
  ASSERT_TRUE(linked);
  EXPECT_EQ(linked->nlink, 2U);
  core().forget(ino, 1);
  ASSERT_TRUE(core().rename(kRoot, "g", kRoot, "h", RenameMode::kNoReplace, std::nullopt));
  EXPECT_EQ(core().lookup(kRoot, "h")->ino, ino);
  core().forget(ino, 1);
  ASSERT_TRUE(core().setxattr(ino, "user.k", "v", XattrMode::kCreate, Caller{}));
  EXPECT_EQ(*core().getxattr(ino, "user.k"), "v");
  EXPECT_EQ(*core().listxattr(ino), std::vector<std::string>{"user.k"});
  ASSERT_TRUE(core().removexattr(ino, "user.k"));
  EXPECT_FALSE(core().getxattr(ino, "user.k"));
}

}  // namespace
}  // namespace squeezefs::fs
