#include "squeezefs/fs/check/store_check.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "squeezefs/index/sqlite/sqlite_metadata_store.h"
#include "squeezefs/index/sqlite/testing/sqlite_test_access.h"
#include "test_store.h"

namespace squeezefs::fs::check {
namespace {

bool mentions(const CheckReport& report, const std::string& path, const std::string& text) {
  for (const auto& p : report.problems()) {
    if (p.path == path && p.message.find(text) != std::string::npos) return true;
  }
  return false;
}

std::string describe(const CheckReport& report) {
  std::string out;
  for (const auto& p : report.problems())
    out += p.path + ": " + p.message + (p.repaired ? " [repaired]" : "") + "\n";
  return out;
}

class StoreCheckTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto fs = store_.open();
    file_ = TestStore::write(*fs, "/docs/a.txt", sample_text(20000, 1));
    TestStore::write(*fs, "/docs/sub/b.txt", sample_text(9000, 2));
    TestStore::write(*fs, "/c.bin", sample_text(5000, 3));
    ASSERT_TRUE(fs->names().link(file_, Namespace::kRootIno, "a-link"));
    ASSERT_TRUE(fs->names().symlink(Namespace::kRootIno, "s", "docs/a.txt", Caller{}));
  }

  CheckReport check(bool repair = false, bool quick = false) {
    return check_store(store_.layout(), CheckOptions{repair, quick});
  }
  // The store's metadata, opened as the check opens it (no quick_check) while it is closed.
  std::unique_ptr<index::MetadataStore> metadata() {
    index::SqliteOpenOptions options;
    options.quick_check = false;
    return index::SqliteMetadataStore::open(store_.layout().index().string(), options);
  }
  // Runs `fn(MetadataReader&)` on the closed store's metadata.
  template <class F>
  auto read(F&& fn) {
    return metadata()->read(std::forward<F>(fn));
  }
  // Runs `fn(MetadataTxn&)` in one committed transaction on the closed store's metadata.
  template <class F>
  auto change(F&& fn) {
    return metadata()->transact(std::forward<F>(fn));
  }
  std::uint64_t child(std::uint64_t parent, const std::string& name) {
    return read([&](index::MetadataReader& r) { return r.lookup(parent, name)->child; });
  }
  std::optional<index::InodeRecord> inode(std::uint64_t ino) {
    return read([&](index::MetadataReader& r) { return r.inode(ino); });
  }
  std::size_t block_count(std::uint64_t ino) {
    return read([&](index::MetadataReader& r) { return r.blocks(ino, 0, UINT64_MAX).size(); });
  }

  // The data file and offset of block `block` of `ino`.
  index::BlockRef block_of(std::uint64_t ino, std::uint64_t block) {
    return read([&](index::MetadataReader& r) { return *r.block(ino, block); });
  }

  void flip_byte(const index::BlockRef& ref, std::uint64_t at) {
    char name[32];
    std::snprintf(name, sizeof name, "%06u.dat", ref.data_file);
    std::fstream f(store_.layout().data() / name, std::ios::in | std::ios::out | std::ios::binary);
    f.seekg(static_cast<std::streamoff>(ref.offset + at));
    char c = 0;
    f.get(c);
    f.seekp(static_cast<std::streamoff>(ref.offset + at));
    f.put(static_cast<char>(c ^ 0x5a));
  }

  TestStore store_;
  std::uint64_t file_ = 0;
};

TEST_F(StoreCheckTest, given_healthy_store_when_checked_then_clean) {
  const auto report = check();
  EXPECT_TRUE(report.clean()) << describe(report);
  EXPECT_TRUE(check(false, true).clean());
  EXPECT_TRUE(check(true).clean());
}

TEST_F(StoreCheckTest, given_orphan_when_repaired_then_reclaimed_with_its_blocks) {
  const std::uint64_t c = child(Namespace::kRootIno, "c.bin");
  change([&](index::MetadataTxn& t) {
    auto rec = *t.inode(c);
    rec.nlink = 0;
    t.update_inode(rec);
    t.remove_entry(Namespace::kRootIno, "c.bin");
  });
  // A crash with the file open leaves it so: reported, yet no error (the next mount reclaims it).
  const auto found = check();
  EXPECT_EQ(found.left_count(), 0U) << describe(found);
  EXPECT_EQ(found.expected_count(), 1U) << describe(found);
  EXPECT_TRUE(found.clean()) << describe(found);
  EXPECT_TRUE(mentions(found, "<inode " + std::to_string(c) + ">", "orphaned")) << describe(found);

  const auto fixed = check(true);
  EXPECT_EQ(fixed.repaired_count(), 1U) << describe(fixed);
  EXPECT_EQ(fixed.left_count(), 0U);
  EXPECT_FALSE(inode(c));
  EXPECT_EQ(block_count(c), 0U);
  EXPECT_TRUE(check().clean()) << describe(check());
}

TEST_F(StoreCheckTest, given_detached_directory_when_repaired_then_moved_to_lost_found) {
  const std::uint64_t docs = child(Namespace::kRootIno, "docs");
  change([&](index::MetadataTxn& t) { t.remove_entry(Namespace::kRootIno, "docs"); });
  const auto found = check();
  EXPECT_TRUE(mentions(found, "<inode " + std::to_string(docs) + ">", "unreachable"))
      << describe(found);
  EXPECT_GT(found.left_count(), 0U);

  const auto fixed = check(true);
  EXPECT_EQ(fixed.left_count(), 0U) << describe(fixed);
  EXPECT_TRUE(check().clean()) << describe(check());
  auto fs = store_.open();
  const std::string moved = "/lost+found/#" + std::to_string(docs);
  EXPECT_EQ(TestStore::read(*fs, moved + "/a.txt"), sample_text(20000, 1));
  EXPECT_EQ(TestStore::read(*fs, moved + "/sub/b.txt"), sample_text(9000, 2));
  EXPECT_EQ(fs->names().getattr(Namespace::kRootIno)->nlink, 3U);  // lost+found replaces docs
}

TEST_F(StoreCheckTest, given_wrong_link_counts_when_repaired_then_recomputed) {
  change([&](index::MetadataTxn& t) {
    auto file = *t.inode(file_);
    file.nlink = 7;
    t.update_inode(file);
    auto root = *t.inode(Namespace::kRootIno);
    root.nlink = 9;
    t.update_inode(root);
  });
  const auto found = check();
  EXPECT_TRUE(mentions(found, "/a-link", "link count 7, expected 2")) << describe(found);
  EXPECT_TRUE(mentions(found, "/", "link count 9, expected 3")) << describe(found);
  EXPECT_EQ(found.left_count(), 2U);
  EXPECT_EQ(check(true).repaired_count(), 2U);
  EXPECT_TRUE(check().clean());
  EXPECT_EQ(inode(file_)->nlink, 2U);
}

TEST_F(StoreCheckTest, given_blocks_past_size_when_repaired_then_dropped_and_accounted) {
  change([&](index::MetadataTxn& t) {
    auto file = *t.inode(file_);
    file.size = 4096;  // keeps block 0 only
    t.update_inode(file);
  });
  const auto found = check();
  EXPECT_TRUE(mentions(found, "/a-link", "block 4 lies past the file size 4096"))
      << describe(found);
  EXPECT_EQ(found.left_count(), 4U) << describe(found);
  EXPECT_EQ(check(true).left_count(), 0U);
  EXPECT_TRUE(check().clean()) << describe(check());
  EXPECT_EQ(block_count(file_), 1U);
}

TEST_F(StoreCheckTest, given_last_block_longer_than_the_size_when_checked_then_reported) {
  const std::uint64_t size = change([&](index::MetadataTxn& t) {
    auto file = *t.inode(file_);
    file.size = 4 * 4096 + 10;  // the last block keeps its whole stored length
    t.update_inode(file);
    return file.size;
  });
  const auto found = check();
  EXPECT_TRUE(mentions(found, "/a-link",
                       "block 4 holds " +
                           std::to_string(4 * 4096 + block_of(file_, 4).raw_length - size) +
                           " bytes past the file size " + std::to_string(size)))
      << describe(found);
  EXPECT_EQ(found.left_count(), 1U) << describe(found);
  EXPECT_EQ(check(true).left_count(), 1U) << "the check does not write blocks";
}

TEST_F(StoreCheckTest, given_wrong_accounting_and_stray_file_when_repaired_then_fixed) {
  const auto files = read([](index::MetadataReader& r) { return r.data_files(); });
  ASSERT_FALSE(files.empty());
  change([&](index::MetadataTxn& t) {
    t.set_data_file_accounting(index::DataFileRecord{files[0].id, 1, 2});
  });
  std::ofstream(store_.layout().data() / "000777.dat") << "left by a crash";
  const auto found = check();
  EXPECT_TRUE(mentions(found, "data/000777.dat", "not in the index")) << describe(found);
  EXPECT_EQ(found.expected_count(), 1U) << describe(found);  // the next mount deletes it
  EXPECT_TRUE(mentions(found, "data/000001.dat", "accounting says 1 live of 2 bytes"))
      << describe(found);
  EXPECT_EQ(check(true).left_count(), 0U);
  EXPECT_FALSE(std::filesystem::exists(store_.layout().data() / "000777.dat"));
  EXPECT_TRUE(check().clean()) << describe(check());
}

TEST_F(StoreCheckTest, given_flipped_byte_when_checked_then_only_that_file_named_and_kept) {
  flip_byte(block_of(file_, 2), 10);
  const auto found = check();
  // Breadth first, the root's hard link to the file names it.
  EXPECT_EQ(found.unsaved_files, std::vector<std::string>{"/a-link"}) << describe(found);
  EXPECT_TRUE(mentions(found, "/a-link", "block 2:")) << describe(found);
  EXPECT_EQ(found.left_count(), 1U) << describe(found);
  EXPECT_TRUE(check(false, true).clean());  // --quick reads no data

  const auto repaired = check(true);
  EXPECT_EQ(repaired.left_count(), 1U);
  EXPECT_EQ(repaired.unsaved_files, std::vector<std::string>{"/a-link"});
  EXPECT_EQ(block_count(file_), 5U);  // nothing deleted
}

TEST_F(StoreCheckTest, given_truncated_data_file_when_quick_checked_then_bounds_reported) {
  // c.bin was written (and committed) last, so its blocks end the data file; its two blocks are
  // encoded in parallel, so either may be the last one. Cutting the file just before that block
  // leaves it out.
  const std::uint64_t c = child(Namespace::kRootIno, "c.bin");
  const auto first = block_of(c, 0);
  const auto second = block_of(c, 1);
  ASSERT_EQ(first.data_file, second.data_file);
  const bool second_last = second.offset > first.offset;
  const auto& last = second_last ? second : first;
  char name[32];
  std::snprintf(name, sizeof name, "%06u.dat", last.data_file);
  std::filesystem::resize_file(store_.layout().data() / name, last.offset + 1);
  const auto found = check(false, true);
  EXPECT_EQ(found.unsaved_files, std::vector<std::string>{"/c.bin"}) << describe(found);
  const std::string message =
      std::string("block ") + (second_last ? "1" : "0") + ": stored bytes end at";
  EXPECT_TRUE(mentions(found, "/c.bin", message)) << describe(found);
}

TEST_F(StoreCheckTest, given_two_entries_on_the_same_bytes_when_checked_then_overlap_reported) {
  const std::uint64_t c = child(Namespace::kRootIno, "c.bin");
  change([&](index::MetadataTxn& t) {
    auto shared = *t.block(file_, 1);
    shared.offset += 1;  // starts inside block 1 of a.txt
    t.put_block(c, 1, shared);
  });
  const auto found = check(true, true);
  EXPECT_TRUE(mentions(found, "/c.bin", "block 1 overlaps block 1 of /a-link in data/"))
      << describe(found);
  EXPECT_GT(found.left_count(), 0U);
}

TEST_F(StoreCheckTest,
       given_uncommitted_compaction_copy_when_checked_then_expected_and_repair_deletes) {
  const std::uint32_t id = change([](index::MetadataTxn& t) { return t.add_data_file(); });
  char name[32];
  std::snprintf(name, sizeof name, "%06u.dat", id);
  const std::filesystem::path copy = store_.layout().data() / name;
  std::ofstream(copy) << "copied blocks never committed";
  const auto found = check();
  EXPECT_TRUE(mentions(found, "data/" + copy.filename().string(), "interrupted compaction"))
      << describe(found);
  // What a crash leaves behind: expected (the next mount deletes it), not an error.
  EXPECT_TRUE(found.clean()) << describe(found);
  EXPECT_EQ(found.expected_count(), 1U) << describe(found);
  EXPECT_EQ(check(true).left_count(), 0U);
  EXPECT_FALSE(std::filesystem::exists(copy));
  EXPECT_TRUE(check().clean()) << describe(check());
}

TEST_F(StoreCheckTest, given_entry_to_missing_inode_when_repaired_then_entry_removed) {
  // The metadata store refuses an entry naming a missing inode: written behind its back.
  index::testing::SqliteTestAccess::exec(store_.layout().index().string(),
                                         "PRAGMA foreign_keys=OFF; INSERT INTO dirents (parent, "
                                         "name, child) VALUES (1, CAST('ghost' AS BLOB), 999)");
  const auto found = check();
  EXPECT_TRUE(mentions(found, "/ghost", "missing inode 999")) << describe(found);
  EXPECT_EQ(check(true).left_count(), 0U);
  EXPECT_TRUE(check().clean()) << describe(check());
}

TEST_F(StoreCheckTest, given_directory_with_two_parents_when_repaired_then_left_and_reported) {
  const auto sub = child(child(Namespace::kRootIno, "docs"), "sub");
  change([&](index::MetadataTxn& t) { t.add_entry(Namespace::kRootIno, "sub-again", sub); });
  const auto fixed = check(true);
  // Breadth first, the root's entry names it.
  EXPECT_TRUE(mentions(fixed, "/sub-again", "directory has 2 parents")) << describe(fixed);
  EXPECT_GT(fixed.left_count(), 0U);
}

TEST_F(StoreCheckTest, given_garbage_index_when_checked_then_open_throws) {
  {
    std::fstream f(store_.layout().index(), std::ios::in | std::ios::out | std::ios::binary);
    f << std::string(100, 'x');
  }
  EXPECT_ANY_THROW(check());
}

}  // namespace
}  // namespace squeezefs::fs::check
