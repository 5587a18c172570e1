// A bounded load on a real mount: several processes, each with several threads, create, write,
// rename, truncate, remove and read their own files for a while (SQUEEZEFS_STRESS_SECONDS, 60 by
// default), checking every read against what they wrote. Then the store is unmounted, compacted
// and checked: no error, no deadlock (a watchdog aborts the mount), no leaked space, clean fsck,
// and every file as its writer left it.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "mounted_store.h"
#include "squeezefs/index/index.h"
#include "store_space.h"

namespace squeezefs::testing {
namespace {

constexpr int kProcesses = 3;
constexpr int kThreads = 3;
constexpr int kDirs = 4;
constexpr std::size_t kMaxFiles = 10;            // per thread
constexpr std::size_t kMaxSize = 384 * 1024;     // largest file a thread makes
constexpr std::uint64_t kBlockSize = 16 * 1024;  // the store's block size (mkfs below)
constexpr std::uint64_t kMiB = 1024 * 1024;
constexpr int kGraceSeconds = 180;  // beyond the run time, before the watchdog calls it a hang

int stress_seconds() {
  const char* env = std::getenv("SQUEEZEFS_STRESS_SECONDS");
  const int value = env != nullptr ? std::atoi(env) : 0;
  return value > 0 ? value : 60;
}

std::string digest(const std::string& data) {
  return std::to_string(std::hash<std::string>{}(data));
}

// One thread's share of the load: the files it owns and what each must contain.
class Worker {
 public:
  Worker(std::string mnt, std::string owner, std::uint64_t seed)
      : mnt_(std::move(mnt)), owner_(std::move(owner)), rng_(seed) {}

  // Runs random operations until `until`; false (with the reason on stderr) at the first
  // mismatch or failed call.
  bool run(std::chrono::steady_clock::time_point until) {
    while (std::chrono::steady_clock::now() < until) {
      if (!step()) return false;
      ++ops_;
    }
    for (const auto& [name, data] : files_) {
      if (!check_whole(name)) return false;
    }
    return true;
  }

  [[nodiscard]] const std::map<std::string, std::string>& files() const { return files_; }
  [[nodiscard]] std::uint64_t ops() const { return ops_; }

 private:
  bool step() {
    const auto pick = uniform(0, 99);
    if (files_.empty() || (files_.size() < kMaxFiles && pick < 12)) return create();
    const std::string name = any_file();
    if (pick < 30) return overwrite(name);
    if (pick < 40) return append(name);
    if (pick < 50) return truncate(name);
    if (pick < 58) return rename(name);
    if (pick < 63) return unlink(name);
    if (pick < 68) return rewrite(name);
    if (pick < 85) return check_range(name);
    return check_whole(name);
  }

  // Mixed content: runs of text (compressible), random bytes and zeros (holes).
  std::string content(std::size_t size) {
    std::string out;
    out.reserve(size);
    while (out.size() < size) {
      const auto run = std::min<std::size_t>(size - out.size(), uniform(1, 40000));
      const auto kind = uniform(0, 2);
      for (std::size_t i = 0; i < run; ++i) {
        if (kind == 0) out += static_cast<char>('a' + (i * 7 + run) % 23);
        if (kind == 1) out += static_cast<char>(rng_());
        if (kind == 2) out += '\0';
      }
    }
    return out;
  }

  bool create() {
    const std::string name = new_name();
    const int fd = ::open(path(name).c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0) return fail("create", name);
    std::string data = content(uniform(0, kMaxSize));
    const bool ok = pwrite_all(fd, data, 0) && maybe_fsync(fd);
    if (::close(fd) != 0 || !ok) return fail("write new", name);
    files_[name] = std::move(data);
    return true;
  }

  bool overwrite(const std::string& name) {
    std::string& model = files_[name];
    const auto offset = uniform(0, model.size() + kBlockSize);
    const std::string data = content(uniform(1, 3 * kBlockSize));
    const int fd = ::open(path(name).c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0) return fail("open for overwrite", name);
    const bool ok = pwrite_all(fd, data, offset) && maybe_fsync(fd);
    if (::close(fd) != 0 || !ok) return fail("overwrite", name);
    if (model.size() < offset + data.size()) model.resize(offset + data.size(), '\0');
    model.replace(offset, data.size(), data);
    return true;
  }

  bool append(const std::string& name) {
    std::string& model = files_[name];
    if (model.size() >= kMaxSize) return truncate(name);
    const std::string data = content(uniform(1, 2 * kBlockSize));
    const int fd = ::open(path(name).c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
    if (fd < 0) return fail("open for append", name);
    const bool ok = write_all(fd, data);
    if (::close(fd) != 0 || !ok) return fail("append", name);
    model += data;
    return true;
  }

  bool truncate(const std::string& name) {
    std::string& model = files_[name];
    const auto size = uniform(0, std::min<std::size_t>(kMaxSize, model.size() + kBlockSize));
    if (uniform(0, 1) == 0) {
      if (::truncate(path(name).c_str(), static_cast<off_t>(size)) != 0)
        return fail("truncate", name);
    } else {
      const int fd = ::open(path(name).c_str(), O_RDWR | O_CLOEXEC);
      if (fd < 0) return fail("open for ftruncate", name);
      const bool ok = ::ftruncate(fd, static_cast<off_t>(size)) == 0;
      if (::close(fd) != 0 || !ok) return fail("ftruncate", name);
    }
    model.resize(size, '\0');
    return true;
  }

  bool rename(const std::string& name) {
    // Half the time onto another of our files, which it replaces.
    std::string target = uniform(0, 1) == 0 && files_.size() > 1 ? any_file() : new_name();
    if (target == name) target = new_name();
    if (::rename(path(name).c_str(), path(target).c_str()) != 0) return fail("rename", name);
    files_[target] = std::move(files_[name]);
    files_.erase(name);
    return true;
  }

  bool unlink(const std::string& name) {
    if (::unlink(path(name).c_str()) != 0) return fail("unlink", name);
    files_.erase(name);
    return true;
  }

  // O_TRUNC and new content in one go.
  bool rewrite(const std::string& name) {
    const int fd = ::open(path(name).c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC);
    if (fd < 0) return fail("open O_TRUNC", name);
    std::string data = content(uniform(0, kMaxSize));
    const bool ok = write_all(fd, data) && maybe_fsync(fd);
    if (::close(fd) != 0 || !ok) return fail("rewrite", name);
    files_[name] = std::move(data);
    return true;
  }

  bool check_range(const std::string& name) {
    const std::string& model = files_[name];
    const auto offset = uniform(0, model.size());
    const auto length = uniform(0, 2 * kBlockSize);
    const int fd = ::open(path(name).c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return fail("open for read", name);
    std::string got(length, '\0');
    const auto n = ::pread(fd, got.data(), got.size(), static_cast<off_t>(offset));
    ::close(fd);
    if (n < 0) return fail("pread", name);
    got.resize(static_cast<std::size_t>(n));
    if (got != model.substr(offset, length)) return mismatch("range read", name);
    return true;
  }

  bool check_whole(const std::string& name) {
    struct stat st {};
    if (::stat(path(name).c_str(), &st) != 0) return fail("stat", name);
    const std::string& model = files_.at(name);
    if (static_cast<std::size_t>(st.st_size) != model.size()) return mismatch("size", name);
    const int fd = ::open(path(name).c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return fail("open for read", name);
    std::string got(model.size() + 1, '\0');
    std::size_t done = 0;
    while (done < got.size()) {
      const auto n = ::read(fd, got.data() + done, got.size() - done);
      if (n <= 0) break;
      done += static_cast<std::size_t>(n);
    }
    ::close(fd);
    got.resize(done);
    if (got != model) return mismatch("whole read", name);
    return true;
  }

  bool pwrite_all(int fd, const std::string& data, std::size_t offset) {
    for (std::size_t done = 0; done < data.size();) {
      const auto chunk = std::min<std::size_t>(data.size() - done, uniform(1, 100000));
      const auto n = ::pwrite(fd, data.data() + done, chunk, static_cast<off_t>(offset + done));
      if (n <= 0) return false;
      done += static_cast<std::size_t>(n);
    }
    return true;
  }

  static bool write_all(int fd, const std::string& data) {
    for (std::size_t done = 0; done < data.size();) {
      const auto n = ::write(fd, data.data() + done, data.size() - done);
      if (n <= 0) return false;
      done += static_cast<std::size_t>(n);
    }
    return true;
  }

  bool maybe_fsync(int fd) { return uniform(0, 9) != 0 || ::fsync(fd) == 0; }

  std::string new_name() {
    return "d" + std::to_string(uniform(0, kDirs - 1)) + "/" + owner_ + "_" +
           std::to_string(next_++);
  }
  std::string any_file() {
    auto it = files_.begin();
    std::advance(it, static_cast<std::ptrdiff_t>(uniform(0, files_.size() - 1)));
    return it->first;
  }
  [[nodiscard]] std::string path(const std::string& name) const { return mnt_ + "/" + name; }
  std::size_t uniform(std::size_t lo, std::size_t hi) {
    return std::uniform_int_distribution<std::size_t>(lo, hi)(rng_);
  }

  bool fail(const char* what, const std::string& name) {
    std::fprintf(stderr, "%s: %s %s failed: %s\n", owner_.c_str(), what, name.c_str(),
                 std::strerror(errno));
    return false;
  }
  bool mismatch(const char* what, const std::string& name) {
    std::fprintf(stderr, "%s: %s of %s does not match what was written\n", owner_.c_str(), what,
                 name.c_str());
    return false;
  }

  std::string mnt_;
  std::string owner_;
  std::mt19937_64 rng_;
  std::map<std::string, std::string> files_;
  std::uint64_t next_ = 0;
  std::uint64_t ops_ = 0;
};

// One child process: its threads run until `until`, then it writes a manifest of their files
// ("name size digest" lines) outside the mount. Exit code 0 when every check passed.
int run_process(const std::string& mnt, const std::string& manifest, int process,
                std::chrono::steady_clock::time_point until) {
  std::vector<Worker> workers;
  for (int t = 0; t < kThreads; ++t) {
    workers.emplace_back(mnt, "p" + std::to_string(process) + "t" + std::to_string(t),
                         static_cast<std::uint64_t>(process * 1000 + t + 1));
  }
  std::atomic<bool> ok{true};
  std::vector<std::thread> threads;
  for (auto& w : workers)
    threads.emplace_back([&, wp = &w] {
      if (!wp->run(until)) ok = false;
    });
  for (auto& t : threads) t.join();
  std::ofstream out(manifest);
  std::uint64_t ops = 0;
  for (const auto& w : workers) {
    ops += w.ops();
    for (const auto& [name, data] : w.files())
      out << name << " " << data.size() << " " << digest(data) << "\n";
  }
  out.close();
  std::fprintf(stderr, "process %d: %llu operations\n", process,
               static_cast<unsigned long long>(ops));
  return ok && out.good() ? 0 : 1;
}

// Fails every request of the mount's FUSE connection, so processes stuck on a hung daemon
// return and the mount can go. `connection` is the mount's device minor number.
void abort_connection(unsigned connection) {
  std::ofstream abort("/sys/fs/fuse/connections/" + std::to_string(connection) + "/abort");
  abort << "1";
}

TEST(StressTest, given_processes_and_threads_when_loading_then_no_error_no_leak_clean_fsck) {
  MountedStore store;
  ASSERT_EQ(store.mkfs("--block-size 16K --codec zstd:1"), 0);
  // Small buffers, so memory pressure, write-back and eviction happen all the time.
  ASSERT_EQ(store.mount("-o dirty_size=4M,cache_size=8M"), 0);
  for (int d = 0; d < kDirs; ++d)
    ASSERT_EQ(::mkdir(store.path("d" + std::to_string(d)).c_str(), 0755), 0);
  struct stat mnt_st {};
  ASSERT_EQ(::stat(store.mnt().c_str(), &mnt_st), 0);
  const unsigned connection = minor(mnt_st.st_dev);

  const int seconds = stress_seconds();
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  std::vector<pid_t> children;
  for (int p = 0; p < kProcesses; ++p) {
    const std::string manifest = store.dir() + "/manifest-" + std::to_string(p);
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) ::_exit(run_process(store.mnt(), manifest, p, until));
    children.push_back(pid);
  }

  // The watchdog: children that are still running long after the deadline are hung.
  const auto hung_after = until + std::chrono::seconds(kGraceSeconds);
  std::map<pid_t, int> status;
  while (status.size() < children.size() && std::chrono::steady_clock::now() < hung_after) {
    for (const pid_t pid : children) {
      int st = 0;
      if (!status.contains(pid) && ::waitpid(pid, &st, WNOHANG) == pid) status[pid] = st;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  if (status.size() < children.size()) {
    ADD_FAILURE() << "processes still running " << kGraceSeconds
                  << " s after the end of the load: deadlock; aborting the mount";
    abort_connection(connection);
    for (const pid_t pid : children) {
      if (status.contains(pid)) continue;
      ::kill(pid, SIGKILL);
      int st = 0;
      ::waitpid(pid, &st, 0);
    }
    return;  // the store's destructor unmounts
  }
  for (const auto& [pid, st] : status)
    ASSERT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0) << "process " << pid << " failed";

  store.unmount();
  const auto [fsck_before_rc, fsck_before] =
      run_capture(squeezefs_binary() + " fsck " + store.store());
  EXPECT_EQ(fsck_before_rc, 0) << fsck_before;
  const auto [compact_rc, compact_out] =
      run_capture(squeezefs_binary() + " compact " + store.store());
  ASSERT_EQ(compact_rc, 0) << compact_out;
  const auto [fsck_rc, fsck_out] = run_capture(squeezefs_binary() + " fsck " + store.store());
  EXPECT_EQ(fsck_rc, 0) << fsck_out;

  // What the processes say should exist.
  std::map<std::string, std::pair<std::uint64_t, std::string>> expected;
  std::uint64_t raw_blocks = 0;  // the live files' bytes, in whole blocks
  for (int p = 0; p < kProcesses; ++p) {
    std::ifstream in(store.dir() + "/manifest-" + std::to_string(p));
    std::string name;
    std::uint64_t size = 0;
    std::string sum;
    while (in >> name >> size >> sum) {
      expected[name] = {size, sum};
      raw_blocks += (size + kBlockSize - 1) / kBlockSize * kBlockSize;
    }
  }
  ASSERT_FALSE(expected.empty());

  // No leak: after compaction the data files hold about the live blocks, and the live blocks are
  // no more than the live files (blocks are stored compressed or raw, never larger).
  const auto live = live_bytes(store.store());
  const auto stored = data_size(store.store());
  std::fprintf(stderr, "%zu files: %llu bytes in whole blocks, %llu stored, %llu in data files\n",
               expected.size(), static_cast<unsigned long long>(raw_blocks),
               static_cast<unsigned long long>(live), static_cast<unsigned long long>(stored));
  EXPECT_LE(live, raw_blocks) << "block maps reference more than the live files hold";
  EXPECT_LE(stored, live + live / 10 + kMiB) << "data files " << stored << ", live " << live;

  ASSERT_EQ(store.mount(), 0);
  std::size_t found = 0;
  for (int d = 0; d < kDirs; ++d) {
    for (const auto& e : std::filesystem::directory_iterator(store.path("d" + std::to_string(d)))) {
      ++found;
      const std::string name = "d" + std::to_string(d) + "/" + e.path().filename().string();
      const auto it = expected.find(name);
      if (it == expected.end()) {
        ADD_FAILURE() << name << " exists but its writer removed or renamed it";
        continue;
      }
      const std::string data = read_file(e.path().string());
      EXPECT_EQ(data.size(), it->second.first) << name;
      EXPECT_EQ(digest(data), it->second.second) << name;
    }
  }
  EXPECT_EQ(found, expected.size());
}

}  // namespace
}  // namespace squeezefs::testing
