#include "squeezefs/fs/check/compactor.h"

#include <gtest/gtest.h>

#include <fstream>

#include "squeezefs/fs/check/store_check.h"
#include "squeezefs/index/index.h"
#include "test_store.h"

namespace squeezefs::fs::check {
namespace {

constexpr std::size_t kMiB = 1024 * 1024;

std::uint64_t data_size(const StoreLayout& layout) {
  std::uint64_t sum = 0;
  for (const auto& e : std::filesystem::directory_iterator(layout.data())) sum += e.file_size();
  return sum;
}

std::uint64_t live_stored_bytes(const StoreLayout& layout) {
  auto idx = index::Index::open(layout.index().string());
  std::uint64_t sum = 0;
  idx.for_each_stored_block([&](const index::StoredBlock& b) { sum += b.ref.stored_length; });
  return sum;
}

std::string file_name(int i) {
  return "/set" + std::to_string(i % 4) + "/file" + std::to_string(i);
}

std::string problems_of(const CheckReport& report) {
  std::string out;
  for (const auto& p : report.problems()) out += p.path + ": " + p.message + "\n";
  return out;
}

TEST(CompactorTest, given_mostly_dead_store_when_compacted_then_size_near_live_and_data_intact) {
  TestStore store(128 * 1024);
  constexpr int kFiles = 40;
  constexpr std::size_t kFileSize = 5 * kMiB;  // 200 MiB in all
  std::map<std::string, std::string> expected;
  {
    auto fs = store.open();
    for (int i = 0; i < kFiles; ++i)
      TestStore::write(*fs, file_name(i), sample_text(kFileSize, static_cast<std::uint32_t>(i)));
  }
  {
    // A second session: its blocks go to a new data file. Overwrite a quarter, delete most of
    // the rest, keep a few originals in the first data file.
    auto fs = store.open();
    for (int i = 0; i < 10; ++i) {
      expected[file_name(i)] = sample_text(kFileSize, static_cast<std::uint32_t>(1000 + i));
      TestStore::write(*fs, file_name(i), expected[file_name(i)]);
    }
    for (int i = 10; i < 35; ++i) {
      const auto path = file_name(i);
      const auto dir = TestStore::resolve(*fs, path.substr(0, path.rfind('/')));
      ASSERT_TRUE(fs->names().unlink(dir, path.substr(path.rfind('/') + 1)));
    }
    for (int i = 35; i < kFiles; ++i)
      expected[file_name(i)] = sample_text(kFileSize, static_cast<std::uint32_t>(i));
  }
  const std::uint64_t before = data_size(store.layout());
  const std::uint64_t live = live_stored_bytes(store.layout());
  ASSERT_GT(before, 2 * live);

  const auto stats = compact_store(store.layout(), CompactOptions{});
  EXPECT_EQ(stats.bytes_before, before);
  EXPECT_EQ(stats.files_rewritten, 1U);  // the first session's file; the second is all live
  EXPECT_TRUE(stats.skipped.empty());
  const std::uint64_t after = data_size(store.layout());
  EXPECT_EQ(stats.bytes_after, after);
  EXPECT_EQ(live_stored_bytes(store.layout()), live);
  EXPECT_LE(after, live + live / 10 + 4 * kMiB) << "before " << before << " live " << live;
  RecordProperty("data_mib_before", static_cast<int>(before / kMiB));
  RecordProperty("data_mib_after", static_cast<int>(after / kMiB));
  RecordProperty("live_mib", static_cast<int>(live / kMiB));

  const auto report = check_store(store.layout(), CheckOptions{});
  EXPECT_TRUE(report.clean()) << problems_of(report);
  auto fs = store.open();
  for (const auto& [path, data] : expected) EXPECT_TRUE(TestStore::read(*fs, path) == data) << path;
  for (int i = 10; i < 35; ++i) EXPECT_EQ(TestStore::resolve(*fs, file_name(i)), 0U);
}

TEST(CompactorTest, given_leftovers_of_an_interrupted_run_when_compacted_then_removed) {
  TestStore store;
  {
    auto fs = store.open();
    TestStore::write(*fs, "/a", sample_text(50000, 7));
  }
  std::filesystem::path copy;
  {
    // A crash after the commit but before the unlink leaves a file the index does not know;
    // one before the commit leaves a new file nothing references.
    std::ofstream(store.layout().data() / "000050.dat") << "dead data";
    auto idx = index::Index::open(store.layout().index().string());
    const auto id = idx.add_data_file();
    char name[32];
    std::snprintf(name, sizeof name, "%06u.dat", id);
    copy = store.layout().data() / name;
    std::ofstream(copy) << "copied but never committed";
  }
  // Both are what a crash leaves: expected, not errors.
  const auto before = check_store(store.layout(), CheckOptions{});
  EXPECT_TRUE(before.clean()) << problems_of(before);
  EXPECT_EQ(before.expected_count(), 2U) << problems_of(before);
  const auto stats = compact_store(store.layout(), CompactOptions{});
  EXPECT_EQ(stats.files_removed, 2U);
  EXPECT_EQ(stats.files_rewritten, 0U);  // the data file of /a is all live
  // Gone from the disk, not only counted (the check calls either expected, so it is clean both
  // ways).
  EXPECT_FALSE(std::filesystem::exists(store.layout().data() / "000050.dat"));
  EXPECT_FALSE(std::filesystem::exists(copy));
  const auto report = check_store(store.layout(), CheckOptions{});
  EXPECT_TRUE(report.clean()) << problems_of(report);
  auto fs = store.open();
  EXPECT_TRUE(TestStore::read(*fs, "/a") == sample_text(50000, 7));
}

TEST(CompactorTest, given_threshold_when_compacted_then_only_sparser_files_rewritten) {
  TestStore store;
  {
    auto fs = store.open();
    TestStore::write(*fs, "/a", sample_text(200000, 1));
    TestStore::write(*fs, "/b", sample_text(200000, 2));
  }
  {
    auto fs = store.open();
    ASSERT_TRUE(fs->names().unlink(Namespace::kRootIno, "a"));  // about half of file 1 dies
  }
  EXPECT_EQ(compact_store(store.layout(), CompactOptions{0.3}).files_rewritten, 0U);
  const auto before = data_size(store.layout());
  EXPECT_EQ(compact_store(store.layout(), CompactOptions{0.9}).files_rewritten, 1U);
  EXPECT_LT(data_size(store.layout()), before * 2 / 3);
  EXPECT_TRUE(check_store(store.layout(), CheckOptions{}).clean());
  auto fs = store.open();
  EXPECT_TRUE(TestStore::read(*fs, "/b") == sample_text(200000, 2));
}

}  // namespace
}  // namespace squeezefs::fs::check
