#include "squeezefs/fs/dir_listing.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "core_fixtures.h"

namespace squeezefs::fs {
namespace {

constexpr Caller kUser{1000, 100};
constexpr std::uint64_t kRoot = Namespace::kRootIno;
constexpr int kEntries = 30;

class DirListingTest : public NamespaceFixture {
 protected:
  DirListingTest() {
    other_ = ns_.mkdir(kRoot, "other", 0755, kUser)->ino;
    dir_ = ns_.mkdir(kRoot, "d", 0755, kUser)->ino;
    for (int i = 0; i < kEntries; ++i) file("f" + std::to_string(i));
  }
  void file(const std::string& name) {
    ASSERT_TRUE(ns_.mknod(dir_, name, S_IFREG | 0644, 0, kUser));
  }
  // Reads `listing` to the end in pages of `page`, calling `between` after each page; stops
  // after a bound so a listing that does not end fails instead of hanging.
  std::vector<ListedEntry> read_all(DirListing& listing, std::size_t page,
                                    const std::function<void()>& between = {}) {
    std::vector<ListedEntry> out;
    std::int64_t after = 0;
    while (out.size() < 10 * kEntries) {
      auto entries = listing.read(after, page);
      EXPECT_TRUE(entries);
      if (!entries || entries->empty()) break;
      for (auto& e : *entries) out.push_back(e);
      after = out.back().entry.entry_id;
      if (between) between();
    }
    return out;
  }
  static std::map<std::string, int> counts(const std::vector<ListedEntry>& entries) {
    std::map<std::string, int> out;
    for (const auto& e : entries) ++out[e.entry.name];
    return out;
  }

  std::uint64_t dir_ = 0;
  std::uint64_t other_ = 0;
};

// Between pages: an entry already read is renamed, another moved out and back, one is added and
// one not read yet removed. Each entry untouched is read once, none added meanwhile, none twice,
// none removed before it was reached, and the listing ends.
TEST_P(DirListingTest, given_changes_between_pages_when_reading_then_each_untouched_entry_once) {
  auto listing = DirListing::open(ns_, dir_);
  ASSERT_TRUE(listing);
  int step = 0;
  std::set<std::string> touched;
  std::set<std::string> removed;
  const auto entries = read_all(**listing, 3, [&] {
    const auto n = std::to_string(step++);
    touched.insert("f" + n);
    ASSERT_TRUE(ns_.rename(dir_, "f" + n, dir_, "r" + n, RenameMode::kReplace));
    const auto moved = "f" + std::to_string(10 + step);
    touched.insert(moved);
    ASSERT_TRUE(ns_.rename(dir_, moved, other_, "x", RenameMode::kReplace));
    ASSERT_TRUE(ns_.rename(other_, "x", dir_, moved, RenameMode::kReplace));
    file("new" + n);
    if (step < 5) {
      const auto victim = "f" + std::to_string(kEntries - step);
      ASSERT_TRUE(ns_.unlink(dir_, victim));
      removed.insert(victim);
    }
  });
  const auto seen = counts(entries);
  for (const auto& [name, n] : seen) {
    EXPECT_EQ(n, 1) << name;
    EXPECT_EQ(name[0], 'f') << name << " was added during the listing";
    EXPECT_EQ(removed.count(name), 0U) << name << " was removed before it was reached";
  }
  for (int i = 0; i < kEntries; ++i) {
    const auto name = "f" + std::to_string(i);
    if (touched.contains(name) || removed.contains(name)) continue;
    EXPECT_EQ(seen.count(name), 1U) << name;
  }
  EXPECT_TRUE(seen.contains("f0")) << "read before its rename";
  for (const auto& e : entries) EXPECT_EQ(e.inode.ino, e.entry.child);
}

// A position from an earlier page resumes there; restart() takes in what changed before it.
TEST_P(DirListingTest, given_position_or_restart_when_reading_then_listing_continues_or_renews) {
  auto listing = DirListing::open(ns_, dir_);
  ASSERT_TRUE(listing);
  const auto first = (*listing)->read(0, 10);
  ASSERT_EQ(first->size(), 10U);
  const auto after = first->at(4).entry.entry_id;
  const auto next = (*listing)->read(after, 5);
  ASSERT_EQ(next->size(), 5U);
  for (std::size_t i = 0; i < 5; ++i) EXPECT_EQ(next->at(i).entry, first->at(5 + i).entry);
  file("late");
  ASSERT_TRUE(ns_.rename(dir_, "f0", dir_, "g0", RenameMode::kReplace));
  EXPECT_EQ(read_all(**listing, 7).size(), kEntries - 1U);
  (*listing)->restart();
  const auto seen = counts(read_all(**listing, 7));
  EXPECT_EQ(seen.size(), kEntries + 1U);
  EXPECT_EQ(seen.count("late"), 1U);
  EXPECT_EQ(seen.count("g0"), 1U);
  EXPECT_EQ(seen.count("f0"), 0U);
}

TEST_P(DirListingTest, given_missing_or_non_directory_when_opening_then_enoent_or_enotdir) {
  EXPECT_EQ(DirListing::open(ns_, 9999).error(), std::errc::no_such_file_or_directory);
  const auto f = ns_.lookup(dir_, "f1")->ino;
  EXPECT_EQ(DirListing::open(ns_, f).error(), std::errc::not_a_directory);
}

SQUEEZEFS_ON_EVERY_METADATA_STORE(DirListingTest);

}  // namespace
}  // namespace squeezefs::fs
