// check_store on an opened metadata store, the same cases on every MetadataStore implementation.
// The memory store runs every transaction body twice (the first run rolled back), as a server
// backend does after a conflict: a repair must then report and change each thing once.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <string>

#include "squeezefs/fs/check/store_check.h"
#include "squeezefs/fs/namespace.h"
#include "squeezefs/index/memory/memory_metadata_store.h"
#include "squeezefs/index/sqlite/sqlite_metadata_store.h"

namespace squeezefs::fs::check {
namespace {

constexpr int kRetriedBodies = 100;

struct MemoryStore {
  static std::unique_ptr<index::MetadataStore> make() {
    auto store = std::make_unique<index::MemoryMetadataStore>();
    store->force_retries(kRetriedBodies);
    return store;
  }
};

struct SqliteStore {
  static std::unique_ptr<index::MetadataStore> make() {
    return index::SqliteMetadataStore::create(":memory:", index::StoreConfig{});
  }
};

std::string describe(const CheckReport& report) {
  std::string out;
  for (const auto& p : report.problems())
    out += p.path + ": " + p.message + (p.repaired ? " [repaired]" : "") + "\n";
  return out;
}

std::size_t count(const CheckReport& report, const std::string& path, const std::string& text) {
  std::size_t n = 0;
  for (const auto& p : report.problems())
    n += (p.path == path && p.message.find(text) != std::string::npos) ? 1U : 0U;
  return n;
}

index::InodeRecord record(std::uint32_t mode, std::uint32_t nlink) {
  index::InodeRecord r;
  r.mode = mode;
  r.nlink = nlink;
  return r;
}

template <class Store>
class CheckOnMetadataStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string templ =
        (std::filesystem::temp_directory_path() / "squeezefs-check-XXXXXX").string();
    if (mkdtemp(templ.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    dir_ = templ;
    std::filesystem::create_directories(layout().data());
    metadata_ = Store::make();
  }
  void TearDown() override {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  [[nodiscard]] StoreLayout layout() const { return StoreLayout(dir_); }
  CheckReport check(bool repair, bool quick = false) {
    return check_store(*metadata_, layout(), CheckOptions{repair, quick});
  }

  // The root with a directory "d" holding a file "f" whose link count is wrong, plus a file no
  // entry reaches (with a link left) and an orphan (no link left).
  void make_damaged_tree() {
    metadata_->transact([&](index::MetadataTxn& t) {
      auto root = record(S_IFDIR | 0755, 3);
      root.ino = Namespace::kRootIno;
      t.insert_inode(root);
      dir_ino_ = t.allocate_inode(record(S_IFDIR | 0755, 2));
      t.add_entry(Namespace::kRootIno, "d", dir_ino_);
      file_ = t.allocate_inode(record(S_IFREG | 0644, 5));
      t.add_entry(dir_ino_, "f", file_);
      unreachable_ = t.allocate_inode(record(S_IFREG | 0644, 1));
      orphan_ = t.allocate_inode(record(S_IFREG | 0644, 0));
    });
  }

  // The root holding a 100-byte file "f" with two 50-byte blocks back to back in a 100-byte data
  // file (the second past the file's size), and that file's accounting wrong. Returns its label.
  std::string make_blocks_past_size() {
    const auto id = metadata_->transact([&](index::MetadataTxn& t) {
      auto root = record(S_IFDIR | 0755, 2);
      root.ino = Namespace::kRootIno;
      t.insert_inode(root);
      auto file = record(S_IFREG | 0644, 1);
      file.size = 100;
      file_ = t.allocate_inode(file);
      t.add_entry(Namespace::kRootIno, "f", file_);
      const std::uint32_t data_file = t.add_data_file();
      for (std::uint64_t block = 0; block < 2; ++block) {
        index::BlockRef ref;
        ref.raw_length = 100;
        ref.stored_length = 50;
        ref.data_file = data_file;
        ref.offset = block * 50;
        t.put_block(file_, block, ref);
      }
      t.set_data_file_accounting(index::DataFileRecord{data_file, 7, 100});
      return data_file;
    });
    char name[32];
    std::snprintf(name, sizeof name, "%06u.dat", id);
    std::ofstream(layout().data() / name) << std::string(100, 'x');
    return std::string("data/") + name;
  }

  std::filesystem::path dir_;
  std::unique_ptr<index::MetadataStore> metadata_;
  index::Ino dir_ino_ = 0;
  index::Ino file_ = 0;
  index::Ino unreachable_ = 0;
  index::Ino orphan_ = 0;
};

using Stores = ::testing::Types<MemoryStore, SqliteStore>;
TYPED_TEST_SUITE(CheckOnMetadataStoreTest, Stores);

TYPED_TEST(CheckOnMetadataStoreTest, given_damaged_tree_when_checked_then_each_problem_reported) {
  this->make_damaged_tree();
  const auto found = this->check(false);
  EXPECT_EQ(count(found, "/d/f", "link count 5, expected 1"), 1U) << describe(found);
  EXPECT_EQ(count(found, "<inode " + std::to_string(this->unreachable_) + ">",
                  "unreachable from the root"),
            1U)
      << describe(found);
  EXPECT_EQ(count(found, "<inode " + std::to_string(this->orphan_) + ">", "orphaned inode"), 1U)
      << describe(found);
  EXPECT_EQ(found.repaired_count(), 0U) << describe(found);
  EXPECT_EQ(found.left_count(), 2U) << describe(found);  // the orphan is expected
  EXPECT_TRUE(this->metadata_->read([&](index::MetadataReader& r) {
    return r.inode(this->orphan_);
  })) << "a check without repair changes nothing";
}

TYPED_TEST(CheckOnMetadataStoreTest,
           given_damaged_tree_when_repaired_then_each_repair_reported_once_and_made) {
  this->make_damaged_tree();
  const auto fixed = this->check(true);
  const std::string moved = "/lost+found/#" + std::to_string(this->unreachable_);
  EXPECT_EQ(count(fixed, "/d/f", "link count 5, expected 1; corrected"), 1U) << describe(fixed);
  EXPECT_EQ(count(fixed, "<inode " + std::to_string(this->unreachable_) + ">",
                  "unreachable from the root; moved to " + moved),
            1U)
      << describe(fixed);
  EXPECT_EQ(count(fixed, "<inode " + std::to_string(this->orphan_) + ">", "reclaimed"), 1U)
      << describe(fixed);
  EXPECT_EQ(fixed.repaired_count(), 3U) << describe(fixed);
  EXPECT_EQ(fixed.left_count(), 0U) << describe(fixed);

  const auto after = this->check(false);
  EXPECT_TRUE(after.clean()) << describe(after);
  EXPECT_EQ(after.expected_count(), 0U) << describe(after);
  this->metadata_->read([&](index::MetadataReader& r) {
    EXPECT_FALSE(r.inode(this->orphan_));
    EXPECT_EQ(r.inode(this->file_)->nlink, 1U);
    const auto lost_found = r.lookup(Namespace::kRootIno, "lost+found");
    ASSERT_TRUE(lost_found);
    const auto entry = r.lookup(lost_found->child, "#" + std::to_string(this->unreachable_));
    ASSERT_TRUE(entry);
    EXPECT_EQ(entry->child, this->unreachable_);
  });
}

TYPED_TEST(CheckOnMetadataStoreTest,
           given_block_past_size_and_wrong_accounting_when_repaired_then_each_fixed_once) {
  const std::string data_file = this->make_blocks_past_size();
  const auto found = this->check(false, true);
  EXPECT_EQ(count(found, "/f", "block 1 lies past the file size 100"), 1U) << describe(found);
  EXPECT_EQ(count(found, data_file, "accounting says 7 live of 100 bytes, blocks use 100"), 1U)
      << describe(found);
  EXPECT_EQ(found.left_count(), 2U) << describe(found);

  const auto fixed = this->check(true, true);
  EXPECT_EQ(count(fixed, "/f", "block 1 lies past the file size 100; dropped"), 1U)
      << describe(fixed);
  // Dropping the block took its 50 bytes off the 7 accounted live (never below 0).
  EXPECT_EQ(
      count(fixed, data_file, "accounting says 0 live of 100 bytes, blocks use 50; recomputed"), 1U)
      << describe(fixed);
  EXPECT_EQ(fixed.repaired_count(), 2U) << describe(fixed);
  EXPECT_EQ(fixed.left_count(), 0U) << describe(fixed);

  const auto after = this->check(false, true);
  EXPECT_TRUE(after.clean()) << describe(after);
  this->metadata_->read([&](index::MetadataReader& r) {
    EXPECT_EQ(r.blocks(this->file_, 0, UINT64_MAX).size(), 1U);
    const auto files = r.data_files();
    ASSERT_EQ(files.size(), 1U);
    EXPECT_EQ(files[0].live_bytes, 50U);
    EXPECT_EQ(files[0].total_bytes, 100U);
  });
}

}  // namespace
}  // namespace squeezefs::fs::check
