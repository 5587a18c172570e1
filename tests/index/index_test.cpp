#include "squeezefs/index/index.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "squeezefs/index/error.h"

namespace squeezefs::index {
namespace {

namespace fs = std::filesystem;

// A unique temporary directory, removed at the end of the test.
class TempDir {
 public:
  TempDir() {
    std::string templ = (fs::temp_directory_path() / "squeezefs-index-XXXXXX").string();
    path_ = mkdtemp(templ.data());
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  [[nodiscard]] std::string file(const char* name) const {
    return (fs::path(path_) / name).string();
  }

 private:
  std::string path_;
};

InodeRecord sample_inode(std::uint32_t mode) {
  InodeRecord r;
  r.mode = mode;
  r.uid = 1000;
  r.gid = 100;
  r.nlink = 1;
  r.size = 5'000'000'000ULL;  // > 4 GiB
  r.atime_ns = 1'700'000'000'123'456'789LL;
  r.mtime_ns = -5;  // before the epoch
  r.ctime_ns = 42;
  r.rdev = 0x0801;
  r.generation = 3;
  return r;
}

BlockRef sample_block(std::uint32_t file, std::uint64_t offset) {
  return BlockRef{4, 131072, 4000, 0xfedcba9876543210ULL, file, offset};
}

class IndexTest : public ::testing::Test {
 protected:
  Index index_ = Index::create(":memory:", StoreConfig{65536, 4, 9});
};

TEST_F(IndexTest, given_new_index_when_config_read_then_matches_and_default_codec_updates) {
  EXPECT_EQ(index_.config(), (StoreConfig{65536, 4, 9}));
  index_.set_default_codec(2, -1);
  EXPECT_EQ(index_.config(), (StoreConfig{65536, 2, -1}));
}

TEST_F(IndexTest, given_inode_when_allocated_updated_and_removed_then_round_trips) {
  InodeRecord r = sample_inode(0100644);
  r.ino = index_.allocate_inode(r);
  EXPECT_GT(r.ino, 0U);
  EXPECT_EQ(index_.inode(r.ino), r);
  r.size = 7;
  r.nlink = 0;
  index_.update_inode(r);
  EXPECT_EQ(index_.inode(r.ino), r);
  EXPECT_EQ(index_.orphan_inodes(), std::vector<std::uint64_t>{r.ino});
  index_.remove_inode(r.ino);
  EXPECT_FALSE(index_.inode(r.ino).has_value());
  InodeRecord missing = r;
  EXPECT_THROW(index_.update_inode(missing), IndexError);
}

TEST_F(IndexTest, given_root_when_inserted_with_fixed_number_then_next_allocation_follows) {
  InodeRecord root = sample_inode(040755);
  root.ino = 1;
  index_.insert_inode(root);
  EXPECT_EQ(index_.inode(1), root);
  EXPECT_EQ(index_.allocate_inode(sample_inode(0100644)), 2U);
}

TEST_F(IndexTest, given_highest_inode_removed_when_allocating_then_its_number_is_not_reused) {
  const auto a = index_.allocate_inode(sample_inode(0100644));
  const auto b = index_.allocate_inode(sample_inode(0100644));
  index_.remove_inode(b);
  const auto c = index_.allocate_inode(sample_inode(0100644));
  EXPECT_GT(b, a);
  EXPECT_GT(c, b);
  index_.remove_inode(c);
  index_.remove_inode(a);
  EXPECT_GT(index_.allocate_inode(sample_inode(0100644)), c);
}

TEST_F(IndexTest, given_entries_when_listed_then_order_is_stable_across_changes) {
  InodeRecord root = sample_inode(040755);
  root.ino = 1;
  index_.insert_inode(root);
  std::vector<std::uint64_t> children;
  for (int i = 0; i < 5; ++i) {
    const auto ino = index_.allocate_inode(sample_inode(0100644));
    children.push_back(ino);
    index_.add_entry(1, "f" + std::to_string(i), ino);
  }
  auto first = index_.list_entries(1, 0, 2);
  ASSERT_EQ(first.size(), 2U);
  EXPECT_EQ(first[0].name, "f0");
  EXPECT_EQ(first[1].name, "f1");
  // Removing an already listed entry and adding a new one must not disturb the rest.
  EXPECT_TRUE(index_.remove_entry(1, "f0"));
  EXPECT_FALSE(index_.remove_entry(1, "f0"));
  index_.add_entry(1, "new", children[0]);
  auto rest = index_.list_entries(1, first[1].entry_id, 100);
  ASSERT_EQ(rest.size(), 4U);
  EXPECT_EQ(rest[0].name, "f2");
  EXPECT_EQ(rest[3].name, "new");
  EXPECT_EQ(index_.lookup(1, "f3")->child, children[3]);
  EXPECT_FALSE(index_.lookup(1, "nope").has_value());
  EXPECT_TRUE(index_.has_entries(1));
  EXPECT_FALSE(index_.has_entries(children[1]));
}

// What a listing relies on (fs::DirListing): entries added after last_entry_id(), by creation
// or by a move (even back into the same directory), list after it and drop out with `last`.
TEST_F(IndexTest,
       given_last_entry_id_when_entries_move_and_come_then_listing_up_to_it_excludes_them) {
  InodeRecord root = sample_inode(040755);
  root.ino = 1;
  index_.insert_inode(root);
  const auto other = index_.allocate_inode(sample_inode(040755));
  index_.add_entry(1, "other", other);
  for (int i = 0; i < 4; ++i)
    index_.add_entry(1, "f" + std::to_string(i), index_.allocate_inode(sample_inode(0100644)));
  const auto mark = index_.last_entry_id();
  EXPECT_EQ(mark, index_.lookup(1, "f3")->entry_id);
  index_.move_entry(1, "f0", 1, "g0");
  index_.move_entry(1, "f1", other, "f1");
  index_.move_entry(other, "f1", 1, "f1");
  index_.add_entry(1, "new", other);
  index_.retarget_entry(1, "f2", other);  // keeps its place
  std::vector<std::string> names;
  for (const auto& e : index_.list_entries(1, 0, 100, mark)) names.push_back(e.name);
  EXPECT_EQ(names, (std::vector<std::string>{"other", "f2", "f3"}));
  EXPECT_GT(index_.lookup(1, "f1")->entry_id, mark);
  EXPECT_EQ(index_.list_entries(1, 0, 100).size(), 6U);
  EXPECT_EQ(index_.list_entries(1, index_.lookup(1, "f2")->entry_id, 1, mark).at(0).name, "f3");
}

TEST_F(IndexTest, given_entry_when_duplicated_or_name_too_long_then_throws) {
  const auto dir = index_.allocate_inode(sample_inode(040755));
  const auto file = index_.allocate_inode(sample_inode(0100644));
  index_.add_entry(dir, "a", file);
  EXPECT_THROW(index_.add_entry(dir, "a", file), IndexError);
  EXPECT_NO_THROW(index_.add_entry(dir, std::string(kMaxNameLength, 'x'), file));
  EXPECT_THROW(index_.add_entry(dir, std::string(kMaxNameLength + 1, 'x'), file), IndexError);
  EXPECT_THROW(index_.add_entry(dir, "", file), IndexError);
  // Entries must point at existing inodes.
  EXPECT_THROW(index_.add_entry(dir, "dangling", 999), IndexError);
}

TEST_F(IndexTest, given_names_with_arbitrary_bytes_when_looked_up_then_exact_match_only) {
  const auto dir = index_.allocate_inode(sample_inode(040755));
  const auto file = index_.allocate_inode(sample_inode(0100644));
  const std::string odd("\xff\x01name\x80", 7);
  index_.add_entry(dir, odd, file);
  EXPECT_EQ(index_.lookup(dir, odd)->name, odd);
  EXPECT_FALSE(index_.lookup(dir, "name").has_value());
  EXPECT_FALSE(index_.lookup(dir, "NAME").has_value());
  EXPECT_EQ(index_.list_entries(dir, 0, 10).at(0).name, odd);
}

TEST_F(IndexTest, given_entry_when_moved_or_retargeted_then_lookup_follows) {
  const auto a = index_.allocate_inode(sample_inode(040755));
  const auto b = index_.allocate_inode(sample_inode(040755));
  const auto f = index_.allocate_inode(sample_inode(0100644));
  const auto g = index_.allocate_inode(sample_inode(0100644));
  index_.add_entry(a, "x", f);
  index_.move_entry(a, "x", b, "y");
  EXPECT_FALSE(index_.lookup(a, "x").has_value());
  EXPECT_EQ(index_.lookup(b, "y")->child, f);
  index_.retarget_entry(b, "y", g);
  EXPECT_EQ(index_.lookup(b, "y")->child, g);
  EXPECT_THROW(index_.retarget_entry(b, "zz", g), IndexError);
  EXPECT_EQ(index_.parent_of(g), b);
  EXPECT_FALSE(index_.parent_of(f).has_value());
  EXPECT_THROW(index_.move_entry(a, "x", b, "z"), IndexError);
}

TEST_F(IndexTest, given_symlink_and_xattrs_when_inode_removed_then_they_go_too) {
  const auto ino = index_.allocate_inode(sample_inode(0120777));
  index_.set_symlink(ino, "../target");
  EXPECT_EQ(index_.symlink(ino), "../target");
  index_.set_xattr(ino, "user.b", std::string("v\0x", 3));
  index_.set_xattr(ino, "user.a", "");
  index_.set_xattr(ino, "user.a", "second");
  EXPECT_EQ(index_.xattr(ino, "user.b"), std::string("v\0x", 3));
  EXPECT_EQ(index_.xattr(ino, "user.a"), "second");
  EXPECT_EQ(index_.xattr_names(ino), (std::vector<std::string>{"user.a", "user.b"}));
  EXPECT_TRUE(index_.remove_xattr(ino, "user.a"));
  EXPECT_FALSE(index_.remove_xattr(ino, "user.a"));
  EXPECT_FALSE(index_.xattr(ino, "user.a").has_value());
  index_.remove_inode(ino);
  EXPECT_FALSE(index_.symlink(ino).has_value());
  EXPECT_TRUE(index_.xattr_names(ino).empty());
}

TEST_F(IndexTest, given_block_map_when_blocks_put_replaced_and_truncated_then_consistent) {
  const auto ino = index_.allocate_inode(sample_inode(0100644));
  const auto file = index_.add_data_file();
  EXPECT_FALSE(index_.put_block(ino, 0, sample_block(file, 0)).has_value());
  EXPECT_FALSE(index_.put_block(ino, 40000, sample_block(file, 4000)).has_value());  // beyond 4 GiB
  BlockRef replacement = sample_block(file, 8000);
  replacement.stored_length = 100;
  EXPECT_EQ(index_.put_block(ino, 0, replacement), sample_block(file, 0));
  EXPECT_EQ(index_.block(ino, 0), replacement);
  EXPECT_FALSE(index_.block(ino, 1).has_value());
  EXPECT_EQ(index_.stored_bytes(ino), 4100U);

  const auto listed = index_.blocks(ino, 0, UINT64_MAX);
  ASSERT_EQ(listed.size(), 2U);
  EXPECT_EQ(listed[0].first, 0U);
  EXPECT_EQ(listed[1].first, 40000U);
  EXPECT_EQ(listed[1].second.checksum, 0xfedcba9876543210ULL);  // full 64 bits survive
  EXPECT_EQ(index_.blocks(ino, 1, 39999).size(), 0U);

  const auto removed = index_.remove_blocks_from(ino, 1);
  ASSERT_EQ(removed.size(), 1U);
  EXPECT_EQ(removed[0].offset, 4000U);
  EXPECT_EQ(index_.remove_block(ino, 0), replacement);
  EXPECT_FALSE(index_.remove_block(ino, 0).has_value());
  EXPECT_EQ(index_.stored_bytes(ino), 0U);
}

TEST_F(IndexTest, given_block_when_data_file_missing_then_throws) {
  const auto ino = index_.allocate_inode(sample_inode(0100644));
  EXPECT_THROW(index_.put_block(ino, 0, sample_block(77, 0)), IndexError);
}

TEST_F(IndexTest, given_data_files_when_accounted_then_totals_track_writes_and_frees) {
  const auto a = index_.add_data_file();
  const auto b = index_.add_data_file();
  EXPECT_NE(a, b);
  index_.account_written(a, 1000);
  index_.account_written(a, 500);
  index_.account_freed(a, 300);
  EXPECT_EQ(index_.data_file(a), (DataFileRecord{a, 1200, 1500}));
  EXPECT_EQ(index_.data_files().size(), 2U);
  EXPECT_FALSE(index_.data_file(999).has_value());
  EXPECT_THROW(index_.account_written(999, 1), IndexError);
}

TEST_F(IndexTest, given_dead_block_when_accounted_then_only_total_grows) {
  const auto a = index_.add_data_file();
  index_.account_written(a, 1000);
  index_.account_dead(a, 400);
  EXPECT_EQ(index_.data_file(a), (DataFileRecord{a, 1000, 1400}));
  EXPECT_THROW(index_.account_dead(999, 1), IndexError);
}

TEST_F(IndexTest, given_txn_when_not_committed_then_inode_is_gone) {
  std::uint64_t ino = 0;
  {
    Txn txn(index_.db());
    ino = index_.allocate_inode(sample_inode(0100644));
  }
  EXPECT_FALSE(index_.inode(ino).has_value());
}

TEST(IndexFileTest, given_file_index_when_reopened_then_data_persists) {
  TempDir dir;
  const auto path = dir.file("index.db");
  std::uint64_t ino = 0;
  {
    Index index = Index::create(path, StoreConfig{131072, 1, 3});
    Txn txn(index.db());
    ino = index.allocate_inode(sample_inode(0100600));
    txn.commit();
  }
  Index index = Index::open(path);
  EXPECT_EQ(index.config(), (StoreConfig{131072, 1, 3}));
  EXPECT_EQ(index.inode(ino)->mode, 0100600U);
  EXPECT_THROW(Index::create(path, StoreConfig{}), FormatError);
}

TEST(IndexFileTest, given_two_connections_when_both_write_then_busy_never_surfaces) {
  TempDir dir;
  const auto path = dir.file("index.db");
  { Index::create(path, StoreConfig{}); }
  Index a = Index::open(path);
  Index b = Index::open(path);
  for (int i = 0; i < 50; ++i) {
    Txn ta(a.db());
    a.allocate_inode(sample_inode(0100644));
    ta.commit();
    Txn tb(b.db());
    b.allocate_inode(sample_inode(0100644));
    tb.commit();
  }
  EXPECT_EQ(a.allocate_inode(sample_inode(0100644)), 101U);
}

TEST(IndexFileTest, given_missing_file_when_opened_then_format_error_and_nothing_created) {
  TempDir dir;
  const auto path = dir.file("absent.db");
  EXPECT_THROW(Index::open(path), FormatError);
  EXPECT_FALSE(fs::exists(path));
}

TEST(IndexFileTest, given_non_index_files_when_opened_then_format_error) {
  TempDir dir;
  const auto garbage = dir.file("garbage.db");
  {
    FILE* f = std::fopen(garbage.c_str(), "wb");
    ASSERT_NE(f, nullptr);
    std::fputs("this is not an SQLite database, just some text that is long enough", f);
    std::fclose(f);
  }
  EXPECT_THROW(Index::open(garbage), FormatError);

  const auto other = dir.file("other.db");
  {
    Db db(other);
    db.exec("CREATE TABLE unrelated(x)");
  }
  EXPECT_THROW(Index::open(other), FormatError);
}

// An index of `files` files in the root directory, closed cleanly (its WAL checkpointed).
void fill_index(const std::string& path, int files) {
  Index index = Index::create(path, StoreConfig{});
  Txn txn(index.db());
  const auto root = index.allocate_inode(sample_inode(040755));
  for (int i = 0; i < files; ++i)
    index.add_entry(root, "file-" + std::to_string(i), index.allocate_inode(sample_inode(0100644)));
  txn.commit();
}

// The leaf page of table `table` nearest the middle of the index file at `path` (1-based).
std::int64_t leaf_page_near_middle(const std::string& path, const char* table) {
  Db db(path, nullptr, DbAccess::kImmutable);
  Stmt& count = db.cached("PRAGMA page_count");
  count.step();
  const auto middle = count.column_int64(0) / 2;
  count.reset();
  Stmt& st = db.cached(
      "SELECT pageno FROM dbstat WHERE name = ?1 AND pagetype = 'leaf' "
      "ORDER BY abs(pageno - ?2) LIMIT 1");
  st.bind(1, table).bind(2, middle);
  const bool found = st.step();
  const auto page = found ? st.column_int64(0) : 0;
  st.reset();
  return page;
}

// Overwrites `size` bytes at `offset` of `path` with random bytes.
void write_random(const std::string& path, std::int64_t offset, std::size_t size) {
  std::mt19937 random(7);
  std::string junk(size, '\0');
  for (auto& c : junk) c = static_cast<char>(random());
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  f.seekp(offset);
  f.write(junk.data(), static_cast<std::streamsize>(junk.size()));
}

TEST(IndexFileTest, given_sound_index_when_checked_then_no_problems) {
  TempDir dir;
  const auto path = dir.file("index.db");
  fill_index(path, 2000);
  Index index = Index::open(path);
  EXPECT_EQ(index.quick_check_problems(), std::vector<std::string>{});
  EXPECT_EQ(index.integrity_problems(), std::vector<std::string>{});
  Index immutable = Index::open(path, nullptr, DbAccess::kImmutable);
  EXPECT_EQ(immutable.quick_check_problems(), std::vector<std::string>{});
}

TEST(IndexFileTest, given_random_bytes_over_an_inodes_page_when_checked_then_problems_reported) {
  TempDir dir;
  const auto path = dir.file("index.db");
  fill_index(path, 2000);
  ASSERT_GE(fs::file_size(path), 40U * 4096) << "the index should span many pages";
  const auto page = leaf_page_near_middle(path, "inodes");
  ASSERT_GT(page, 1);
  write_random(path, (page - 1) * 4096, 4096);
  for (const auto access : {DbAccess::kReadWrite, DbAccess::kImmutable}) {
    Index index = Index::open(path, nullptr, access);
    const auto quick = index.quick_check_problems();
    EXPECT_FALSE(quick.empty());
    for (const auto& p : quick) EXPECT_EQ(p.find(".cpp"), std::string::npos) << p;
    EXPECT_FALSE(index.integrity_problems().empty());
  }
}

TEST(IndexFileTest, given_damaged_schema_when_opened_then_damaged_index_error_or_problems) {
  TempDir dir;
  const auto path = dir.file("index.db");
  fill_index(path, 10);
  // The schema lies on page 1 after the 100-byte file header, which stays intact.
  write_random(path, 100, 4096 - 100);
  // A read-write open sets up WAL mode, which reads the schema: refused as damaged, in words.
  try {
    Index::open(path);
    ADD_FAILURE() << "opened an index with a damaged schema";
  } catch (const DamagedIndexError& e) {
    ASSERT_FALSE(e.problems().empty());
    EXPECT_NE(e.problems().front().find("malformed"), std::string::npos) << e.problems().front();
    EXPECT_EQ(std::string(e.what()).find(".cpp"), std::string::npos) << e.what();
  }
  // An immutable open reads nothing but the header: the check finds the damage, without throwing.
  Index immutable = Index::open(path, nullptr, DbAccess::kImmutable);
  EXPECT_FALSE(immutable.quick_check_problems().empty());
  EXPECT_FALSE(immutable.integrity_problems().empty());
}

// Stores made before the listing index get it at their first read-write open.
TEST(IndexFileTest, given_index_without_listing_index_when_opened_then_it_is_added) {
  TempDir dir;
  const auto path = dir.file("index.db");
  const auto has_listing_index = [](Index& index) {
    Stmt& st = index.db().cached(
        "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = 'dirents_order'");
    st.step();
    const bool found = st.column_int64(0) == 1;
    st.reset();
    return found;
  };
  {
    Index index = Index::create(path, StoreConfig{});
    EXPECT_TRUE(has_listing_index(index));
    index.db().exec("DROP INDEX dirents_order");
  }
  {
    Index index = Index::open(path, nullptr, DbAccess::kReadOnly);
    EXPECT_FALSE(has_listing_index(index)) << "a read-only open writes nothing";
  }
  Index index = Index::open(path);
  EXPECT_TRUE(has_listing_index(index));
}

TEST(IndexFileTest, given_newer_format_when_opened_then_refused_with_clear_message) {
  TempDir dir;
  const auto path = dir.file("index.db");
  {
    Index index = Index::create(path, StoreConfig{});
    index.db().exec("PRAGMA user_version = " + std::to_string(Index::kFormatVersion + 1));
  }
  try {
    Index::open(path);
    FAIL() << "newer format accepted";
  } catch (const FormatError& e) {
    EXPECT_NE(std::string(e.what()).find("newer"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace squeezefs::index
