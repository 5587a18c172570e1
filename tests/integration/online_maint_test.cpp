// Maintenance of mounted stores through the daemon: `squeezefs scrub MOUNTPOINT`,
// `squeezefs compact MOUNTPOINT` and background compaction, while files are read and written.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "mounted_store.h"
#include "squeezefs/index/index.h"
#include "store_space.h"

namespace squeezefs::testing {
namespace {

constexpr std::uint64_t kMiB = 1024 * 1024;

// Compresses about 2:1 with zstd (random words from a small vocabulary, numbers), so the stored
// sizes are large enough to matter.
std::string content(std::size_t size, int seed) {
  std::mt19937_64 rng(static_cast<std::uint64_t>(seed) * 7919 + 1);
  static const char* const kWords[] = {"alpha",   "bravo", "charlie", "delta", "echo",
                                       "foxtrot", "golf",  "hotel",   "india", "juliet"};
  std::string out;
  out.reserve(size + 64);
  while (out.size() < size) {
    out += kWords[rng() % 10];
    out += ' ';
    out += std::to_string(rng() % 1000000007);
    out += (rng() % 8 == 0) ? '\n' : ' ';
  }
  out.resize(size);
  return out;
}

// Writes `data` to `path` and fsyncs it, so its blocks are in the block map.
void write_synced(const std::string& path, const std::string& data) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  ASSERT_GE(fd, 0) << path;
  std::size_t done = 0;
  while (done < data.size()) {
    const auto n = ::write(fd, data.data() + done, data.size() - done);
    ASSERT_GT(n, 0) << path;
    done += static_cast<std::size_t>(n);
  }
  ASSERT_EQ(::fsync(fd), 0);
  ASSERT_EQ(::close(fd), 0);
}

// Reads and compares files in a loop until stopped; counts mismatches and failed reads.
class Readers {
 public:
  Readers(const MountedStore& store, std::map<std::string, std::string> files)
      : store_(store), files_(std::move(files)) {
    thread_ = std::thread([this] {
      while (!stop_) {
        for (const auto& [name, data] : files_) {
          std::string got;
          {
            const int fd = ::open(store_.path(name).c_str(), O_RDONLY);
            if (fd < 0) {
              ++errors_;
              continue;
            }
            char buf[65536];
            ssize_t n = 0;
            while ((n = ::read(fd, buf, sizeof buf)) > 0) got.append(buf, static_cast<size_t>(n));
            if (n < 0) ++errors_;
            ::close(fd);
          }
          if (got != data) ++errors_;
          ++reads_;
          // Drop the daemon's page cache copy so later reads reach the data files again.
          const int fd = ::open(store_.path(name).c_str(), O_RDONLY);
          if (fd >= 0) {
            ::posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
            ::close(fd);
          }
        }
      }
    });
  }
  Readers(const Readers&) = delete;
  Readers& operator=(const Readers&) = delete;
  ~Readers() { finish(); }

  void finish() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  [[nodiscard]] int errors() const { return errors_; }
  [[nodiscard]] int reads() const { return reads_; }

 private:
  const MountedStore& store_;
  std::map<std::string, std::string> files_;
  std::atomic<bool> stop_{false};
  std::atomic<int> errors_{0};
  std::atomic<int> reads_{0};
  std::thread thread_;
};

std::string bin() {
  return squeezefs_binary();
}

TEST(OnlineMaintTest, given_paths_that_are_not_squeezefs_mounts_when_scrubbed_then_error) {
  MountedStore store;
  ASSERT_EQ(store.mkfs(), 0);
  auto [code, text] = run_capture(bin() + " scrub " + store.mnt());
  EXPECT_EQ(code, 1) << text;
  EXPECT_NE(text.find("is not a mounted squeezefs store"), std::string::npos) << text;
  std::tie(code, text) = run_capture(bin() + " scrub /proc");
  EXPECT_EQ(code, 1) << text;
  EXPECT_NE(text.find("/proc is not a mounted squeezefs store"), std::string::npos) << text;
  std::tie(code, text) = run_capture(bin() + " compact " + store.mnt());
  EXPECT_EQ(code, 1) << text;
  EXPECT_NE(text.find("neither a squeezefs store nor a mount point"), std::string::npos) << text;
  // Inside a mount, but not its mount point.
  ASSERT_EQ(store.mount(), 0);
  ASSERT_EQ(::mkdir(store.path("sub").c_str(), 0755), 0);
  std::tie(code, text) = run_capture(bin() + " scrub " + store.path("sub"));
  EXPECT_EQ(code, 1) << text;
  EXPECT_NE(text.find(store.path("sub") + " is not a mounted squeezefs store"), std::string::npos)
      << text;
}

TEST(OnlineMaintTest, given_mount_then_control_socket_is_private_and_gone_after_unmount) {
  MountedStore store;
  ASSERT_EQ(store.mkfs(), 0);
  ASSERT_EQ(store.mount(), 0);
  const std::string socket = store.store() + "/control.sock";
  struct stat st {};
  ASSERT_EQ(::stat(socket.c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(st.st_uid, ::geteuid());
  store.unmount();
  EXPECT_FALSE(std::filesystem::exists(socket));
}

TEST(OnlineMaintTest, given_healthy_store_in_use_when_scrubbed_then_clean) {
  MountedStore store;
  ASSERT_EQ(store.mkfs("--block-size 64K --codec zstd:1"), 0);
  ASSERT_EQ(store.mount(), 0);
  std::map<std::string, std::string> files;
  for (int i = 0; i < 6; ++i) {
    files["f" + std::to_string(i)] = content(2 * kMiB, i);
    write_synced(store.path("f" + std::to_string(i)), files["f" + std::to_string(i)]);
  }
  Readers readers(store, files);
  // A writer rewrites and removes other files meanwhile.
  std::atomic<bool> stop{false};
  std::atomic<int> write_errors{0};
  std::thread writer([&] {
    for (int round = 0; !stop; ++round) {
      const std::string name = store.path("w" + std::to_string(round % 3));
      const auto data = content(kMiB, 100 + round);
      const int fd = ::open(name.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      if (fd < 0 || ::write(fd, data.data(), data.size()) != static_cast<ssize_t>(data.size()))
        ++write_errors;
      if (fd >= 0) ::close(fd);
      if (round % 5 == 4) ::unlink(name.c_str());
    }
  });
  const auto [code, text] = run_capture(bin() + " scrub " + store.mnt() + " --rate 4");
  stop = true;
  writer.join();
  readers.finish();
  EXPECT_EQ(code, 0) << text;
  EXPECT_NE(text.find(", 0 damaged files"), std::string::npos) << text;
  EXPECT_EQ(text.find("damaged:"), std::string::npos) << text;
  EXPECT_EQ(readers.errors(), 0);
  EXPECT_GT(readers.reads(), 0);
  EXPECT_EQ(write_errors, 0);
}

TEST(OnlineMaintTest, given_flipped_bytes_under_mount_when_scrubbed_then_exactly_damaged_files) {
  MountedStore store;
  ASSERT_EQ(store.mkfs("--block-size 64K --codec zstd:1"), 0);
  ASSERT_EQ(store.mount(), 0);
  ASSERT_EQ(::mkdir(store.path("dir").c_str(), 0755), 0);
  const std::vector<std::string> names = {"a", "b", "dir/c", "dir/d", "e"};
  for (std::size_t i = 0; i < names.size(); ++i)
    write_synced(store.path(names[i]), content(kMiB, static_cast<int>(i)));
  // Read them once so the daemon has their blocks cached: the scrub must not be fooled by that.
  for (const auto& n : names) EXPECT_EQ(read_file(store.path(n)).size(), kMiB);

  // Flip a byte in block 3 of "b" and block 0 of "dir/d", in their data files.
  {
    auto idx = index::Index::open(store.store() + "/index.db");
    const auto dir = idx.lookup(1, "dir");
    ASSERT_TRUE(dir);
    const auto b = idx.lookup(1, "b");
    const auto d = idx.lookup(dir->child, "d");
    ASSERT_TRUE(b && d);
    for (const auto& [ino, block] : {std::pair{b->child, 3ULL}, std::pair{d->child, 0ULL}}) {
      const auto ref = idx.block(ino, block);
      ASSERT_TRUE(ref);
      char name[32];
      std::snprintf(name, sizeof name, "/data/%06u.dat", ref->data_file);
      const int fd = ::open((store.store() + name).c_str(), O_RDWR);
      ASSERT_GE(fd, 0);
      char byte = 0;
      const auto at = static_cast<off_t>(ref->offset + ref->stored_length / 2);
      ASSERT_EQ(::pread(fd, &byte, 1, at), 1);
      byte = static_cast<char>(byte ^ 0x5a);
      ASSERT_EQ(::pwrite(fd, &byte, 1, at), 1);
      ::close(fd);
    }
  }
  const auto [code, text] = run_capture(bin() + " scrub " + store.mnt() + " --rate 50");
  EXPECT_EQ(code, 1) << text;
  EXPECT_NE(text.find("damaged: /b (block 3:"), std::string::npos) << text;
  EXPECT_NE(text.find("damaged: /dir/d (block 0:"), std::string::npos) << text;
  EXPECT_NE(text.find(", 2 damaged files"), std::string::npos) << text;
  for (const auto& n : {"/a ", "/dir/c ", "/e "}) EXPECT_EQ(text.find(n), std::string::npos) << n;
  // The damage is in the daemon's log too.
  const auto log = read_file(store.store() + "/squeezefs.log");
  EXPECT_NE(log.find("scrub: /b"), std::string::npos) << log;
}

// The size of the compaction test: 200 MiB by default (SQUEEZEFS_COMPACT_TEST_MB sets another,
// at least 32).
std::size_t compaction_test_bytes() {
  const char* mb = std::getenv("SQUEEZEFS_COMPACT_TEST_MB");
  return (mb != nullptr ? std::stoul(mb) : 200) * kMiB;
}

TEST(OnlineMaintTest, given_mostly_dead_space_when_mount_compacted_then_space_back_under_reads) {
  MountedStore store;
  ASSERT_EQ(store.mkfs("--block-size 64K --codec zstd:1"), 0);
  ASSERT_EQ(store.mount("-o compact_after=0"), 0);
  constexpr std::size_t kFile = 4 * kMiB;
  const std::size_t count = compaction_test_bytes() / kFile;
  ASSERT_GE(count, 8u);
  std::map<std::string, std::string> live;
  for (std::size_t i = 0; i < count; ++i)
    write_synced(store.path("f" + std::to_string(i)), content(kFile, static_cast<int>(i)));
  // Overwrite a quarter, truncate some, delete most of the rest; keep one file untouched.
  for (std::size_t i = 0; i < count; ++i) {
    const std::string name = "f" + std::to_string(i);
    if (i == 0) {
      live[name] = content(kFile, 0);
    } else if (i % 4 == 1) {
      live[name] = content(kFile, static_cast<int>(1000 + i));
      write_synced(store.path(name), live[name]);
    } else if (i % 4 == 2) {
      ASSERT_EQ(::truncate(store.path(name).c_str(), static_cast<off_t>(kMiB / 2)), 0);
      live[name] = content(kFile, static_cast<int>(i)).substr(0, kMiB / 2);
    } else {
      ASSERT_EQ(::unlink(store.path(name).c_str()), 0);
    }
  }
  Readers readers(store, live);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  const auto before = data_size(store.store());
  const auto [code, text] = run_capture(bin() + " compact " + store.mnt());
  EXPECT_EQ(code, 0) << text;
  EXPECT_NE(text.find("data files rewritten"), std::string::npos) << text;
  // Writes after the compaction land in new files and read back.
  live["late"] = content(kMiB, 77);
  write_synced(store.path("late"), live["late"]);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  readers.finish();
  EXPECT_EQ(readers.errors(), 0);
  EXPECT_GT(readers.reads(), 0);
  store.unmount();

  const auto after = data_size(store.store());
  const auto live_stored = live_bytes(store.store());
  std::printf("compaction: %zu MiB written, data files %.1f MiB -> %.1f MiB, live %.1f MiB\n",
              count * kFile / kMiB, static_cast<double>(before) / kMiB,
              static_cast<double>(after) / kMiB, static_cast<double>(live_stored) / kMiB);
  EXPECT_LE(after, live_stored + live_stored / 10 + 4 * kMiB) << text;
  EXPECT_EQ(run_quiet(bin() + " fsck " + store.store()), 0);
  ASSERT_EQ(store.mount(), 0);
  for (const auto& [name, data] : live) EXPECT_TRUE(read_file(store.path(name)) == data) << name;
}

TEST(OnlineMaintTest, given_writes_to_moved_blocks_during_compaction_then_latest_data_kept) {
  MountedStore store;
  ASSERT_EQ(store.mkfs("--block-size 64K --codec zstd:1"), 0);
  ASSERT_EQ(store.mount("-o compact_after=0"), 0);
  std::map<std::string, std::string> kept;
  for (int i = 0; i < 8; ++i) {
    const auto data = content(2 * kMiB, i);
    write_synced(store.path("f" + std::to_string(i)), data);
    if (i % 2 == 0) kept["f" + std::to_string(i)] = data;
  }
  for (int i = 3; i < 8; i += 2)
    ASSERT_EQ(::unlink(store.path("f" + std::to_string(i)).c_str()), 0);
  Readers readers(store, kept);
  // f1's blocks are being moved while it is rewritten (also through truncation) again and again.
  std::atomic<bool> stop{false};
  std::atomic<int> last_round{-1};
  std::thread writer([&] {
    for (int round = 0; round == 0 || !stop; ++round) {
      write_synced(store.path("f1"),
                   content(kMiB + static_cast<std::size_t>(round) * 4096, 5000 + round));
      last_round = round;
    }
  });
  for (int pass = 0; pass < 3; ++pass) {
    const auto [code, text] = run_capture(bin() + " compact " + store.mnt() + " --threshold 0.9");
    EXPECT_EQ(code, 0) << text;
  }
  stop = true;
  writer.join();
  readers.finish();
  EXPECT_EQ(readers.errors(), 0);
  const auto round = static_cast<std::size_t>(last_round.load());
  kept["f1"] = content(kMiB + round * 4096, 5000 + static_cast<int>(round));
  for (const auto& [name, data] : kept) EXPECT_TRUE(read_file(store.path(name)) == data) << name;
  store.unmount();
  EXPECT_EQ(run_quiet(bin() + " fsck " + store.store()), 0);
  ASSERT_EQ(store.mount(), 0);
  for (const auto& [name, data] : kept) EXPECT_TRUE(read_file(store.path(name)) == data) << name;
}

TEST(OnlineMaintTest, given_dead_space_past_the_limit_then_compacted_in_the_background) {
  MountedStore store;
  ASSERT_EQ(store.mkfs("--block-size 64K --codec zstd:1"), 0);
  ASSERT_EQ(store.mount("-o compact_after=2M,compact_interval=1"), 0);
  std::map<std::string, std::string> live;
  for (int i = 0; i < 8; ++i)
    write_synced(store.path("f" + std::to_string(i)), content(2 * kMiB, i));
  for (int i = 1; i < 8; ++i) ASSERT_EQ(::unlink(store.path("f" + std::to_string(i)).c_str()), 0);
  live["f0"] = content(2 * kMiB, 0);
  Readers readers(store, live);
  const auto before = data_size(store.store());
  // No command: the daemon notices the dead space within a few intervals.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (data_size(store.store()) > before / 3 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  const auto after = data_size(store.store());
  readers.finish();
  EXPECT_LE(after, before / 3) << "before " << before;
  EXPECT_EQ(readers.errors(), 0);
  store.unmount();
  EXPECT_LE(data_size(store.store()), live_bytes(store.store()) * 11 / 10 + 2 * kMiB);
  EXPECT_EQ(run_quiet(bin() + " fsck " + store.store()), 0);
  ASSERT_EQ(store.mount(), 0);
  EXPECT_TRUE(read_file(store.path("f0")) == live["f0"]);
}

TEST(OnlineMaintTest, given_leftovers_of_an_interrupted_compaction_when_mounted_then_deleted) {
  MountedStore store;
  ASSERT_EQ(store.mkfs("--block-size 64K --codec zstd:1"), 0);
  ASSERT_EQ(store.mount(), 0);
  const auto data = content(512 * 1024, 3);
  write_synced(store.path("kept"), data);
  store.unmount();
  // What a kill during a compaction leaves: a copy whose row was committed but never used, and
  // an old file whose row went with the switch.
  const auto data_dir = std::filesystem::path(store.store()) / "data";
  std::filesystem::path copy;
  {
    auto idx = index::Index::open((std::filesystem::path(store.store()) / "index.db").string());
    char name[32];
    std::snprintf(name, sizeof name, "%06u.dat", idx.add_data_file());
    copy = data_dir / name;
  }
  write_file(copy.string(), "copied blocks of a switch that never came");
  const auto stray = data_dir / "000777.dat";
  write_file(stray.string(), "an old file whose row went with the switch");
  const auto [rc, out] = run_capture(bin() + " fsck " + store.store());
  EXPECT_EQ(rc, 0) << out;  // expected after a crash, not an error
  ASSERT_EQ(store.mount(), 0);
  EXPECT_FALSE(std::filesystem::exists(copy));
  EXPECT_FALSE(std::filesystem::exists(stray));
  EXPECT_TRUE(read_file(store.path("kept")) == data);
  write_synced(store.path("new"), content(256 * 1024, 4));
  store.unmount();
  const auto [rc2, out2] = run_capture(bin() + " fsck " + store.store());
  EXPECT_EQ(rc2, 0) << out2;
  EXPECT_EQ(out2.find("interrupted"), std::string::npos) << out2;
}

}  // namespace
}  // namespace squeezefs::testing
