// Process-kill test on a real mount: a writer works on a mounted store while the daemon is
// killed with SIGKILL at random moments; after each kill the dead mount is cleaned up, the store
// is mounted again (no repair) and every fsynced file must hold exactly its fsynced content,
// every other file one of its recent contents (page by page: the kernel's writeback cache may
// have delivered part of an unsynced write), and nothing may fail to read.
//
// Every third round also compacts the mounted store while the writer runs, so some kills land in
// the middle of a compaction, which must lose nothing either.
//
// SQUEEZEFS_CRASH_SCALE (default 1) multiplies the number of kills (24 per scale unit).

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <random>
#include <thread>

#include "crash/crash_model.h"
#include "crash/store_check.h"
#include "killable_daemon.h"
#include "mounted_store.h"

namespace squeezefs::testing {
namespace {

constexpr std::size_t kPage = 4096;  // the store's block size and the kernel's page size

int crash_scale() {
  const char* value = std::getenv("SQUEEZEFS_CRASH_SCALE");
  const int scale = value != nullptr ? std::atoi(value) : 1;
  return scale > 0 ? scale : 1;
}

// Performs file operations on the mount until one fails (the daemon died), recording each in
// the model before it starts (it may happen) and marking it durable once its fsync returned.
class Writer {
 public:
  Writer(std::string mnt, CrashModel& model, std::uint64_t seed)
      : mnt_(std::move(mnt)), model_(model), rng_(seed) {}

  void run(const std::atomic<bool>& stop) {
    while (!stop && step()) {
    }
  }
  [[nodiscard]] std::size_t fsyncs() const { return fsyncs_; }

 private:
  std::string path(const std::string& name) const { return mnt_ + "/" + name; }

  std::string content(std::size_t n) {
    std::string out(n, '\0');
    const auto kind = rng_() % 3;
    for (std::size_t i = 0; i < n; ++i) {
      out[i] = kind == 0   ? static_cast<char>(rng_() & 0xff)
               : kind == 1 ? static_cast<char>('a' + (i * 7 + n) % 26)
                           : static_cast<char>(i % 64 == 0 ? 'z' : 0);
    }
    return out;
  }

  // Writes the whole file and fsyncs it; false on any failure.
  bool write_all(const std::string& name, const std::string& data) {
    const int fd = ::open(path(name).c_str(), O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0644);
    if (fd < 0) return false;
    const bool ok =
        ::pwrite(fd, data.data(), data.size(), 0) == static_cast<ssize_t>(data.size()) &&
        ::fsync(fd) == 0;
    return ::close(fd) == 0 && ok;
  }

  bool sync_dir() {
    const int fd = ::open(mnt_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return false;
    const bool ok = ::fsync(fd) == 0;
    return ::close(fd) == 0 && ok;
  }

  bool step() {
    static constexpr const char* kNames[] = {"w0", "w1", "w2", "w3", "w4", "w5", "w6", "w7"};
    const std::string name = kNames[rng_() % std::size(kNames)];
    const auto current = model_.current(name);
    const auto pick = rng_() % 100;
    // Sizes from 0 bytes to several blocks.
    const std::size_t size = rng_() % 4 == 0 ? 0 : rng_() % (5 * kPage + 100);
    if (!current || pick < 30) {  // whole rewrite: temporary file, fsync, rename, fsync dir
      const std::string tmp = name + ".tmp";
      const std::string data = content(size);
      // A temporary file left by an earlier kill is emptied by the open (O_TRUNC) before it is
      // written: a kill in between may find it empty, or with its new size before all of its
      // new blocks (nothing of it was synced yet, so those may land in any order).
      if (model_.current(tmp)) model_.change(tmp, std::string());
      model_.change(tmp, data);
      if (!write_all(tmp, data)) return false;
      model_.synced(tmp);
      model_.change(name, data);
      model_.change(tmp, std::nullopt);
      if (::rename(path(tmp).c_str(), path(name).c_str()) != 0 || !sync_dir()) return false;
      model_.synced(name);
      model_.synced(tmp);
      ++fsyncs_;
      return true;
    }
    std::string next = *current;
    const int fd = ::open(path(name).c_str(), O_RDWR | O_CLOEXEC);
    if (fd < 0) return false;
    bool ok = true;
    if (pick < 55 || pick >= 90) {  // in-place write: with fsync, or (>= 90) without
      const std::size_t offset = rng_() % (next.size() + kPage);
      const std::string data = content(1 + rng_() % (2 * kPage));
      if (next.size() < offset + data.size()) next.resize(offset + data.size(), '\0');
      next.replace(offset, data.size(), data);
      model_.change(name, next);
      ok = ::pwrite(fd, data.data(), data.size(), static_cast<off_t>(offset)) ==
           static_cast<ssize_t>(data.size());
    } else if (pick < 80) {  // truncate, unsynced
      next.resize(rng_() % (next.size() + kPage), '\0');
      model_.change(name, next);
      ok = ::ftruncate(fd, static_cast<off_t>(next.size())) == 0;
    } else {  // unlink, unsynced
      model_.change(name, std::nullopt);
      ok = ::unlink(path(name).c_str()) == 0;
    }
    const bool durable = pick < 55;
    if (ok && durable) ok = ::fsync(fd) == 0;
    ok = ::close(fd) == 0 && ok;
    if (ok && durable) {
      model_.synced(name);
      ++fsyncs_;
    }
    return ok;
  }

  std::string mnt_;
  CrashModel& model_;
  std::mt19937_64 rng_;
  std::size_t fsyncs_ = 0;
};

// The file's contents through the mount, std::nullopt when absent; fails the test on errors.
CrashModel::State read_back(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    EXPECT_EQ(errno, ENOENT) << path << ": " << std::strerror(errno);
    return std::nullopt;
  }
  std::string out;
  char buf[65536];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      ADD_FAILURE() << path << " does not read back: " << std::strerror(errno);
      break;
    }
    if (n == 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return out;
}

// True when every page of `actual` equals that page of one of `states` (zero-extended; an absent
// file counts as empty, so pages never written read as zeros).
bool pagewise_one_of(const std::string& actual, const std::vector<CrashModel::State>& states) {
  for (std::size_t at = 0; at < actual.size() || at == 0; at += kPage) {
    const std::string page = actual.substr(at, kPage);
    bool found = false;
    for (const auto& state : states) {
      std::string padded = state.value_or(std::string());
      if (padded.size() < at + page.size()) padded.resize(at + page.size(), '\0');
      if (padded.compare(at, page.size(), page) == 0) found = true;
    }
    if (!found) return false;
    if (actual.empty()) break;
  }
  return true;
}

// Checks the files after a kill and settles the model to what they hold now.
void check_and_settle(const std::string& mnt, CrashModel& model) {
  for (const auto& entry : std::filesystem::directory_iterator(mnt)) {
    const auto name = entry.path().filename().string();
    EXPECT_TRUE(model.states().contains(name)) << "unexpected file " << name;
  }
  const auto states = model.states();  // copy: settle() changes the model
  for (const auto& [name, allowed] : states) {
    const auto actual = read_back(mnt + "/" + name);
    if (allowed.size() == 1) {
      EXPECT_TRUE(actual == allowed.front())
          << name << ": fsynced, yet it holds "
          << (actual ? std::to_string(actual->size()) + " bytes" : "nothing") << " instead of "
          << (allowed.front() ? std::to_string(allowed.front()->size()) + " bytes" : "nothing");
    } else if (actual) {
      EXPECT_TRUE(pagewise_one_of(*actual, allowed))
          << name << " holds " << actual->size() << " bytes that match none of its "
          << allowed.size() << " recent contents";
    } else {
      EXPECT_TRUE(std::find(allowed.begin(), allowed.end(), std::nullopt) != allowed.end())
          << name << " vanished";
    }
    model.settle(name, actual);
  }
}

// The kernel passes O_TRUNC to open (atomic O_TRUNC) and truncates only its cached size; the
// daemon used to ignore it, so the old tail reappeared once the cache was gone. Found by the
// kill test (a rewrite through O_TRUNC read back with the previous file's bytes).
TEST(CrashKillTest, given_file_rewritten_through_o_trunc_when_remounted_then_old_tail_is_gone) {
  if (::access("/dev/fuse", R_OK | W_OK) != 0) GTEST_SKIP() << "no /dev/fuse";
  MountedStore dirs;
  ASSERT_EQ(dirs.mkfs("--block-size 4K"), 0);
  const std::string log = dirs.dir() + "/daemon.log";
  {
    const KillableDaemon daemon(dirs.store(), dirs.mnt(), log);
    write_file(dirs.path("f"), std::string(10000, 'x'));
    write_file(dirs.path("f"), "hello");  // std::ofstream opens with O_TRUNC
  }
  const KillableDaemon daemon(dirs.store(), dirs.mnt(), log);
  const auto got = read_file(dirs.path("f"));
  EXPECT_EQ(got.size(), 5U);
  EXPECT_EQ(got.substr(0, 5), "hello");
}

TEST(CrashKillTest, given_writer_when_daemon_is_killed_repeatedly_then_fsynced_files_survive) {
  if (::access("/dev/fuse", R_OK | W_OK) != 0) GTEST_SKIP() << "no /dev/fuse";
  MountedStore dirs;
  ASSERT_EQ(dirs.mkfs("--block-size 4K"), 0);
  const std::string log = dirs.dir() + "/daemon.log";
  const int kills = 24 * crash_scale();
  CrashModel model;
  std::mt19937_64 rng(20261121);
  std::size_t fsyncs = 0;
  for (int round = 0; round < kills && !::testing::Test::HasFailure(); ++round) {
    SCOPED_TRACE("kill " + std::to_string(round + 1) + " of " + std::to_string(kills));
    auto daemon = std::make_unique<KillableDaemon>(dirs.store(), dirs.mnt(), log);
    check_and_settle(dirs.mnt(), model);
    check_index_and_blocks(dirs.store());
    std::atomic<bool> stop{false};
    Writer writer(dirs.mnt(), model, rng());
    std::thread thread([&] { writer.run(stop); });
    std::thread compaction;
    if (round % 3 == 2) {
      // Its outcome does not matter (the kill may cut it short); the store's state afterwards does.
      const auto delay = std::chrono::milliseconds(rng() % 300);
      compaction = std::thread([&dirs, delay] {
        std::this_thread::sleep_for(delay);
        (void)run_capture(squeezefs_binary() + " compact --threshold 1 " + dirs.mnt());
      });
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50 + rng() % 400));
    daemon->kill();
    stop = true;
    thread.join();
    if (compaction.joinable()) compaction.join();
    daemon.reset();
    fsyncs += writer.fsyncs();
    EXPECT_FALSE(is_mounted(dirs.mnt()));
    // The killed store, as the crash left it, must check clean (--quick: the block checksums
    // are verified by check_index_and_blocks after the next mount).
    const auto [rc, out] = run_capture(squeezefs_binary() + " fsck --quick " + dirs.store());
    EXPECT_EQ(rc, 0) << out;
  }
  // The last round's files, then a clean unmount and the store's own consistency.
  {
    const KillableDaemon daemon(dirs.store(), dirs.mnt(), log);
    check_and_settle(dirs.mnt(), model);
  }
  check_index_and_blocks(dirs.store());
  const auto [rc, out] = run_capture(squeezefs_binary() + " fsck " + dirs.store());
  EXPECT_EQ(rc, 0) << out;
  EXPECT_GT(fsyncs, static_cast<std::size_t>(kills));  // the writer really worked between kills
  std::printf("%d kills, %zu fsynced operations, %zu files checked\n", kills, fsyncs,
              model.states().size());
}

}  // namespace
}  // namespace squeezefs::testing
