// Real mounts: a directory listing ends and returns each entry once while the directory
// changes (renames within it, out of it and back, creations and removals), seekdir/telldir,
// rewinddir, and getdents64 with small buffers.
#include <dirent.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "mounted_fixture.h"

namespace squeezefs::testing {
namespace {

constexpr int kEntries = 5000;
// A listing reading more than this many names loops: the test stops it there and fails.
constexpr std::size_t kBound = 3 * kEntries;

std::string entry_name(int i) {
  return "e" + std::to_string(i);
}

// One listing's names as returned, with their inode numbers, and whether it stopped at kBound.
struct Listing {
  std::vector<std::string> names;
  std::map<std::string, ino_t> inodes;
  bool bounded = false;

  // Fails the test on a name or an inode returned twice (no entry here has two links), naming
  // the first of each.
  void expect_each_once() const {
    std::map<std::string, int> by_name;
    std::vector<std::string> again;
    for (const auto& name : names) {
      if (++by_name[name] == 2) again.push_back(name);
    }
    EXPECT_TRUE(again.empty()) << again.size() << " names returned again, first " << again[0];
    std::map<ino_t, std::string> by_inode;
    std::vector<std::string> shared;
    for (const auto& [name, ino] : inodes) {
      if (name == "." || name == "..") continue;
      const auto [it, fresh] = by_inode.emplace(ino, name);
      if (!fresh) shared.push_back(name + " and " + it->second);
    }
    EXPECT_TRUE(shared.empty()) << shared.size() << " inodes returned twice, first " << shared[0];
    EXPECT_EQ(by_name["."], 1);
    EXPECT_EQ(by_name[".."], 1);
  }
  [[nodiscard]] bool has(const std::string& name) const { return inodes.contains(name); }
};

// Reads `dir` with opendir/readdir(3) to the end (or kBound), calling `after_each` with each
// name returned.
Listing read_dir(const std::string& dir,
                 const std::function<void(const std::string&)>& after_each = {}) {
  Listing out;
  DIR* d = ::opendir(dir.c_str());
  EXPECT_NE(d, nullptr) << dir;
  if (d == nullptr) return out;
  while (const dirent* e = ::readdir(d)) {
    const std::string name = e->d_name;
    out.names.push_back(name);
    out.inodes[name] = e->d_ino;
    if (out.names.size() > kBound) {
      out.bounded = true;
      break;
    }
    if (after_each) after_each(name);
  }
  ::closedir(d);
  return out;
}

class PosixReaddirTest : public MountedStoreTest {
 protected:
  void SetUp() override {
    MountedStoreTest::SetUp();
    dir_ = store_.path("d");
    other_ = store_.path("other");
    ASSERT_EQ(::mkdir(dir_.c_str(), 0755), 0);
    ASSERT_EQ(::mkdir(other_.c_str(), 0755), 0);
    for (int i = 0; i < kEntries; ++i) {
      const int fd = ::open(in_dir(entry_name(i)).c_str(), O_CREAT | O_WRONLY, 0644);
      ASSERT_GE(fd, 0) << i;
      ::close(fd);
    }
  }
  [[nodiscard]] std::string in_dir(const std::string& name) const { return dir_ + "/" + name; }
  [[nodiscard]] std::string in_other(const std::string& name) const { return other_ + "/" + name; }
  // Fails the test unless `listing` ended, returned each name once and holds every entry of
  // e0..e(kEntries-1) that `touched` does not name.
  static void expect_complete(const Listing& listing, const std::set<std::string>& touched) {
    EXPECT_FALSE(listing.bounded) << "the listing did not end after " << kBound << " names";
    listing.expect_each_once();
    int missing = 0;
    for (int i = 0; i < kEntries; ++i) {
      const auto name = entry_name(i);
      if (!touched.contains(name) && !listing.has(name)) ++missing;
    }
    EXPECT_EQ(missing, 0) << "untouched entries not listed";
  }

  std::string dir_;
  std::string other_;
};

// The listing itself renames each entry it reads: each gets a new name (and, before, a new
// position at the end of the directory, so the listing never ended).
TEST_F(PosixReaddirTest, given_each_entry_renamed_after_reading_when_listing_then_it_ends) {
  std::set<std::string> touched;
  const auto listing = read_dir(dir_, [&](const std::string& name) {
    if (name == "." || name == "..") return;
    ASSERT_EQ(::rename(in_dir(name).c_str(), in_dir("r" + name).c_str()), 0) << name;
    touched.insert(name);
  });
  expect_complete(listing, touched);
  EXPECT_EQ(listing.names.size(), kEntries + 2U) << "every entry was there at the start";
}

// Each entry read is replaced atomically, as editors and package managers save files: a new
// file is written under a temporary name and renamed over it. The name exists for the whole
// listing, so it must be listed exactly once (as ext4 does), never dropped or repeated.
TEST_F(PosixReaddirTest, given_names_replaced_by_rename_when_listing_then_each_listed_once) {
  const auto listing = read_dir(dir_, [&](const std::string& name) {
    if (name == "." || name == ".." || name.starts_with("tmp")) return;
    // Replace an entry not yet read (the listing goes in creation order) and the one just read.
    const int i = std::stoi(name.substr(1));
    for (const int target : {i, (i + kEntries / 2) % kEntries}) {
      const auto tmp = in_dir("tmp" + std::to_string(target));
      const int fd = ::open(tmp.c_str(), O_CREAT | O_WRONLY, 0644);
      ASSERT_GE(fd, 0);
      ::close(fd);
      ASSERT_EQ(::rename(tmp.c_str(), in_dir(entry_name(target)).c_str()), 0) << target;
    }
  });
  EXPECT_FALSE(listing.bounded);
  std::map<std::string, int> seen;
  for (const auto& name : listing.names) ++seen[name];
  int missing = 0;
  int twice = 0;
  for (int i = 0; i < kEntries; ++i) {
    const int n = seen[entry_name(i)];
    missing += n == 0 ? 1 : 0;
    twice += n > 1 ? 1 : 0;
  }
  EXPECT_EQ(missing, 0) << "names replaced during the listing were left out";
  EXPECT_EQ(twice, 0);
}

// Each entry read moves to another directory and back, under its own name.
TEST_F(PosixReaddirTest, given_each_entry_moved_out_and_back_when_listing_then_each_seen_once) {
  std::set<std::string> touched;
  const auto listing = read_dir(dir_, [&](const std::string& name) {
    if (name == "." || name == "..") return;
    ASSERT_EQ(::rename(in_dir(name).c_str(), in_other(name).c_str()), 0) << name;
    ASSERT_EQ(::rename(in_other(name).c_str(), in_dir(name).c_str()), 0) << name;
    touched.insert(name);
  });
  expect_complete(listing, touched);
  EXPECT_EQ(listing.names.size(), kEntries + 2U);
}

// Each entry read brings a new entry and removes one far from the entries read so far (out of
// reach of readdir(3)'s read-ahead); removed entries never come back as ghosts, new ones are
// not listed (POSIX leaves them open; a listing that took them would not end).
TEST_F(PosixReaddirTest, given_entries_created_and_removed_when_listing_then_it_ends) {
  std::set<std::string> removed;
  std::vector<std::string> ghosts;
  int created = 0;
  int read = 0;
  int next_removal = kEntries - 1;
  const auto listing = read_dir(dir_, [&](const std::string& name) {
    if (removed.contains(name)) ghosts.push_back(name);
    if (name == "." || name == "..") return;
    ++read;
    const int fd =
        ::open(in_dir("n" + std::to_string(created++)).c_str(), O_CREAT | O_WRONLY, 0644);
    ASSERT_GE(fd, 0);
    ::close(fd);
    if (next_removal > read + 1500) {
      const auto victim = entry_name(next_removal--);
      ASSERT_EQ(::unlink(in_dir(victim).c_str()), 0) << victim;
      removed.insert(victim);
    }
  });
  expect_complete(listing, removed);
  EXPECT_TRUE(ghosts.empty()) << ghosts.size() << " removed entries listed, first " << ghosts[0];
  EXPECT_EQ(listing.names.size() + removed.size(), kEntries + 2U);
}

// Another thread, again and again, renames a third of the entries within the directory, moves
// another third out and back, and creates and removes entries of its own, while one listing
// runs; the listing waits for a batch of those changes after its first names so the two
// overlap.
TEST_F(PosixReaddirTest, given_concurrent_renames_and_churn_when_listing_then_untouched_seen_once) {
  std::set<std::string> touched;
  for (int i = 0; i < kEntries; ++i) {
    if (i % 3 != 2) touched.insert(entry_name(i));
  }
  std::atomic<bool> stop{false};
  std::mutex mutex;
  std::condition_variable cv;
  int changes = 0;  // guarded by mutex
  std::atomic<int> failures{0};
  std::thread changer([&] {
    std::map<int, std::string> current;  // the names of renamed entries now
    for (int i = 0; i < kEntries; ++i) current[i] = entry_name(i);
    for (int round = 0; !stop.load(); ++round) {
      for (int i = 0; i + 1 < kEntries && !stop.load(); i += 3) {
        const auto renamed = entry_name(i) + "_" + std::to_string(round);
        if (::rename(in_dir(current[i]).c_str(), in_dir(renamed).c_str()) != 0) ++failures;
        current[i] = renamed;
        const auto moved = entry_name(i + 1);
        if (::rename(in_dir(moved).c_str(), in_other(moved).c_str()) != 0) ++failures;
        if (::rename(in_other(moved).c_str(), in_dir(moved).c_str()) != 0) ++failures;
        const auto extra = in_dir("x" + std::to_string(i));
        if (round % 2 == 0) {
          const int fd = ::open(extra.c_str(), O_CREAT | O_WRONLY, 0644);
          if (fd < 0) ++failures;
          ::close(fd);
        } else if (::unlink(extra.c_str()) != 0) {
          ++failures;
        }
        {
          const std::lock_guard lock(mutex);
          ++changes;
        }
        cv.notify_all();
      }
    }
  });
  std::size_t read = 0;
  const auto listing = read_dir(dir_, [&](const std::string&) {
    if (++read != 100) return;
    std::unique_lock lock(mutex);
    cv.wait(lock, [&] { return changes >= 200; });
  });
  stop = true;
  changer.join();
  EXPECT_EQ(failures.load(), 0);
  expect_complete(listing, touched);
}

// telldir after some names, then seekdir back to it, continues with the same names; seekdir to
// a position read in an earlier pass works after rewinddir too.
TEST_F(PosixReaddirTest, given_telldir_position_when_seeking_back_then_listing_resumes_there) {
  DIR* d = ::opendir(dir_.c_str());
  ASSERT_NE(d, nullptr);
  for (int i = 0; i < 1234; ++i) ASSERT_NE(::readdir(d), nullptr);
  const long pos = ::telldir(d);
  std::vector<std::string> first;
  for (int i = 0; i < 500; ++i) {
    const dirent* e = ::readdir(d);
    ASSERT_NE(e, nullptr);
    first.emplace_back(e->d_name);
  }
  // A rename of a name already read in between must not make it come back.
  ASSERT_EQ(::rename(in_dir(first.front()).c_str(), in_dir("moved").c_str()), 0);
  ::seekdir(d, pos);
  std::vector<std::string> again;
  for (int i = 0; i < 500; ++i) {
    const dirent* e = ::readdir(d);
    ASSERT_NE(e, nullptr);
    again.emplace_back(e->d_name);
  }
  EXPECT_EQ(again.front(), first[1]) << "the renamed entry is gone from its old place";
  EXPECT_TRUE(std::equal(first.begin() + 1, first.end(), again.begin()));
  std::size_t rest = 0;
  while (::readdir(d) != nullptr) ++rest;
  // The names before the position, the renamed one read before its rename, the 500 read again
  // and the rest: a listing of the start, with the renamed entry once.
  EXPECT_EQ(1234 + 1 + 500 + rest, kEntries + 2U);
  ::closedir(d);
}

// rewinddir starts a new listing: it sees what changed before it, each entry once.
TEST_F(PosixReaddirTest, given_changes_before_rewinddir_when_listing_again_then_they_show) {
  DIR* d = ::opendir(dir_.c_str());
  ASSERT_NE(d, nullptr);
  std::size_t count = 0;
  while (::readdir(d) != nullptr) ++count;
  EXPECT_EQ(count, kEntries + 2U);
  ASSERT_EQ(::rename(in_dir("e7").c_str(), in_dir("renamed").c_str()), 0);
  ASSERT_EQ(::unlink(in_dir("e8").c_str()), 0);
  ASSERT_EQ(::mkdir(in_dir("new").c_str(), 0755), 0);
  ::rewinddir(d);
  std::map<std::string, int> seen;
  while (const dirent* e = ::readdir(d)) ++seen[e->d_name];
  ::closedir(d);
  EXPECT_EQ(seen.size(), kEntries + 2U);
  for (const auto& [name, n] : seen) EXPECT_EQ(n, 1) << name;
  EXPECT_EQ(seen.count("renamed"), 1U);
  EXPECT_EQ(seen.count("new"), 1U);
  EXPECT_EQ(seen.count("e7"), 0U);
  EXPECT_EQ(seen.count("e8"), 0U);
}

// getdents64 with buffers that hold one or a few entries resumes from the offset of the last
// entry each call returned, while each entry read is renamed; a new pass starts at offset 0.
TEST_F(PosixReaddirTest, given_small_getdents_buffers_when_renaming_then_each_entry_once) {
  const int fd = ::open(dir_.c_str(), O_RDONLY | O_DIRECTORY);
  ASSERT_GE(fd, 0);
  for (const std::size_t size : {40U, 100U, 300U}) {
    ASSERT_EQ(::lseek(fd, 0, SEEK_SET), 0);
    Listing listing;
    alignas(8) char buf[300];
    while (!listing.bounded) {
      const long n = ::syscall(SYS_getdents64, fd, buf, size);
      ASSERT_GE(n, 0) << size;
      if (n == 0) break;
      for (long at = 0; at < n;) {
        const auto* e = reinterpret_cast<const dirent64*>(buf + at);
        const std::string name = e->d_name;
        listing.names.push_back(name);
        listing.inodes[name] = e->d_ino;
        at += e->d_reclen;
        if (name == "." || name == "..") continue;
        ASSERT_EQ(::rename(in_dir(name).c_str(), in_dir(name + "_").c_str()), 0) << name;
      }
      listing.bounded = listing.names.size() > kBound;
    }
    EXPECT_FALSE(listing.bounded) << "buffer of " << size;
    listing.expect_each_once();
    EXPECT_EQ(listing.names.size(), kEntries + 2U) << "buffer of " << size;
  }
  ::close(fd);
}

}  // namespace
}  // namespace squeezefs::testing
