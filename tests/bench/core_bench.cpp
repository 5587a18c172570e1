// The core's data path without FUSE, on a store on disk: the quick check that a change to the
// core, the index or the block store makes nothing slower. Four workloads, each repeated 5 times
// (compare the medians):
//   create_small_files   20,000 files of 4 KiB in 20 directories (create, write, release), then
//                        sync: as fs_bench's W3 copies a tree of small files
//   write_sequential     one file of 256 MiB in 128 KiB writes (the kernel's size), then fsync:
//                        as W1
//   read_small_files     the 20,000 files read back (open, read, release)    as W4
//   read_sequential      the 256 MiB file read back in 128 KiB reads         as W2
// Reads start from a newly opened store, so the decoded-block cache is cold; the kernel's page
// cache is not dropped (that would disturb everything else on the machine), so data files are
// read from memory when they fit. The store has 128 KiB blocks (as `squeezefs mkfs` makes it)
// and the codec of SQUEEZEFS_BENCH_CODEC (NAME[:LEVEL], default lz4), and lies in
// SQUEEZEFS_BENCH_DIR, or else in the system's temporary directory.
// Build with -DSQUEEZEFS_BUILD_BENCH=ON; run build/release/bin/core_bench.
#include <benchmark/benchmark.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "squeezefs/codecs/registry.h"
#include "squeezefs/fs/filesystem.h"
#include "squeezefs/fs/store_layout.h"

namespace squeezefs::fs {
namespace {

constexpr int kSmallFiles = 20000;
constexpr int kDirectories = 20;
constexpr std::size_t kSmallFileSize = 4096;
constexpr std::uint64_t kBigFileSize = std::uint64_t{256} << 20;
constexpr std::size_t kIoSize = 128 << 10;  // what the kernel hands a FUSE daemon at once
constexpr int kRepetitions = 5;

// Bytes that compress about as text does: words from a small vocabulary, numbered lines, and one
// byte in 16 from a generator, so no two blocks are alike.
std::vector<std::byte> sample_bytes(std::size_t size, std::uint64_t seed) {
  static const char* const kWords[] = {"store ", "block ", "index ",  "codec ",  "mount ",
                                       "inode ", "frame ", "sparse ", "commit ", "orphan "};
  std::vector<std::byte> out;
  out.reserve(size);
  std::uint64_t x = seed * 0x9e3779b97f4a7c15ULL + 1;
  while (out.size() < size) {
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    const std::string word =
        (x >> 60) == 0 ? std::to_string(x >> 40) + "\n" : kWords[(x >> 33) % 10];
    for (const char c : word) {
      if (out.size() == size) break;
      out.push_back(static_cast<std::byte>(c));
    }
    if ((x >> 20) % 16 == 0 && out.size() < size) out.push_back(static_cast<std::byte>(x >> 8));
  }
  return out;
}

template <typename T>
T expect(Result<T> result, const char* what) {
  if (!result) throw std::runtime_error(std::string(what) + ": " + result.error().message());
  if constexpr (!std::is_void_v<T>) return std::move(*result);
}

std::filesystem::path bench_root() {
  const char* dir = std::getenv("SQUEEZEFS_BENCH_DIR");
  return dir != nullptr ? std::filesystem::path(dir) : std::filesystem::temp_directory_path();
}

// SQUEEZEFS_BENCH_CODEC (NAME[:LEVEL]), else lz4: a fast codec leaves the core's own costs
// visible, where the default codec's compression time would hide them.
codecs::CodecChoice bench_codec() {
  const char* text = std::getenv("SQUEEZEFS_BENCH_CODEC");
  std::string error;
  const auto choice = codecs::parse_codec_choice(text != nullptr ? text : "lz4", error);
  if (!choice) throw std::runtime_error("SQUEEZEFS_BENCH_CODEC: " + error);
  return *choice;
}

// A new, empty store in a fresh directory, removed (with the store) by the destructor.
class BenchStore {
 public:
  BenchStore() {
    std::string pattern = (bench_root() / "squeezefs-core-bench-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp " + pattern);
    dir_ = pattern;
    const auto codec = bench_codec();
    const index::StoreConfig config{128 << 10, static_cast<std::uint16_t>(codec.codec->id()),
                                    codec.level};
    expect(make_store(root(), config, Caller{::getuid(), ::getgid()}), "make_store");
  }
  BenchStore(const BenchStore&) = delete;
  BenchStore& operator=(const BenchStore&) = delete;
  ~BenchStore() {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  [[nodiscard]] std::filesystem::path root() const { return dir_ / "store"; }
  // Opens the store as a mount does (default options), with an empty block cache.
  [[nodiscard]] std::unique_ptr<Filesystem> open() const {
    return std::make_unique<Filesystem>(root(), std::nullopt);
  }

 private:
  std::filesystem::path dir_;
};

// The inodes of create_small_files() and write_big_file().
struct Written {
  std::vector<std::uint64_t> small_files;
  std::uint64_t big_file = 0;
};

// Creates, writes and releases one regular file as the adapter's create/write/release do.
std::uint64_t create_file(Filesystem& fs, std::uint64_t parent, const std::string& name) {
  const auto rec = expect(fs.names().mknod(parent, name, S_IFREG | 0644, 0, Caller{}), "create");
  fs.names().retain(rec.ino, 2);  // the lookup reference and the open handle
  expect(fs.data().open(rec.ino), "open");
  return rec.ino;
}
void close_file(Filesystem& fs, std::uint64_t ino) {
  expect(fs.data().flush(ino), "flush");
  expect(fs.data().release(ino), "release");
  fs.names().release(ino, 2);  // the handle, and the kernel forgetting the entry
}

std::vector<std::uint64_t> create_small_files(Filesystem& fs,
                                              const std::vector<std::vector<std::byte>>& contents) {
  std::vector<std::uint64_t> inos;
  inos.reserve(kSmallFiles);
  for (int d = 0; d < kDirectories; ++d) {
    const auto dir = expect(
        fs.names().mkdir(Namespace::kRootIno, "d" + std::to_string(d), 0755, Caller{}), "mkdir");
    for (int i = 0; i < kSmallFiles / kDirectories; ++i) {
      const auto ino = create_file(fs, dir.ino, "f" + std::to_string(i));
      const auto& data = contents[inos.size() % contents.size()];
      expect(fs.data().write(ino, 0, data), "write");
      close_file(fs, ino);
      inos.push_back(ino);
    }
  }
  fs.sync();
  return inos;
}

std::uint64_t write_big_file(Filesystem& fs, const std::vector<std::byte>& chunks) {
  const auto ino = create_file(fs, Namespace::kRootIno, "big");
  const std::span<const std::byte> all(chunks);
  for (std::uint64_t offset = 0; offset < kBigFileSize; offset += kIoSize) {
    // The chunks repeat every few MiB, at shifting positions, so blocks differ.
    const auto from = (offset / kIoSize * 4099) % (chunks.size() - kIoSize);
    expect(fs.data().write(ino, offset, all.subspan(from, kIoSize)), "write");
  }
  expect(fs.fsync(ino), "fsync");
  close_file(fs, ino);
  return ino;
}

std::uint64_t read_back(Filesystem& fs, std::uint64_t ino, std::uint64_t size) {
  fs.names().retain(ino);
  expect(fs.data().open(ino), "open");
  std::uint64_t total = 0;
  for (std::uint64_t offset = 0; offset < size; offset += kIoSize) {
    const auto slices = expect(fs.data().read_slices(ino, offset, kIoSize), "read");
    for (const auto& s : slices) {
      benchmark::DoNotOptimize(s.bytes.data());
      total += s.bytes.size();
    }
  }
  expect(fs.data().release(ino), "release");
  fs.names().release(ino);
  return total;
}

const std::vector<std::vector<std::byte>>& small_contents() {
  static const auto contents = [] {
    std::vector<std::vector<std::byte>> out;
    for (std::uint64_t i = 0; i < 64; ++i) out.push_back(sample_bytes(kSmallFileSize, i));
    return out;
  }();
  return contents;
}

const std::vector<std::byte>& big_chunks() {
  static const auto chunks = sample_bytes(std::size_t{8} << 20, 1000);
  return chunks;
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

void report(benchmark::State& state, double seconds, double items, double bytes) {
  state.SetIterationTime(seconds);
  state.counters["items_per_s"] = benchmark::Counter(items / seconds);
  state.counters["MiB_per_s"] = benchmark::Counter(bytes / seconds / (1 << 20));
}

void create_small_files_bench(benchmark::State& state) {
  for (auto _ : state) {
    BenchStore store;
    auto fs = store.open();
    const auto start = std::chrono::steady_clock::now();
    create_small_files(*fs, small_contents());
    report(state, seconds_since(start), kSmallFiles, double{kSmallFiles} * kSmallFileSize);
  }
}

void write_sequential_bench(benchmark::State& state) {
  for (auto _ : state) {
    BenchStore store;
    auto fs = store.open();
    const auto start = std::chrono::steady_clock::now();
    write_big_file(*fs, big_chunks());
    report(state, seconds_since(start), 1, static_cast<double>(kBigFileSize));
  }
}

// One store holding both workloads' files, written once for all read repetitions.
struct ReadStore {
  BenchStore store;
  Written written;
};
const ReadStore& read_store() {
  static const auto made = [] {
    auto out = std::make_unique<ReadStore>();
    auto fs = out->store.open();
    out->written.small_files = create_small_files(*fs, small_contents());
    out->written.big_file = write_big_file(*fs, big_chunks());
    return out;
  }();
  return *made;
}

void read_small_files_bench(benchmark::State& state) {
  const auto& made = read_store();
  for (auto _ : state) {
    auto fs = made.store.open();
    const auto start = std::chrono::steady_clock::now();
    std::uint64_t bytes = 0;
    for (const auto ino : made.written.small_files) bytes += read_back(*fs, ino, kSmallFileSize);
    if (bytes != std::uint64_t{kSmallFiles} * kSmallFileSize) state.SkipWithError("short read");
    report(state, seconds_since(start), kSmallFiles, static_cast<double>(bytes));
  }
}

void read_sequential_bench(benchmark::State& state) {
  const auto& made = read_store();
  for (auto _ : state) {
    auto fs = made.store.open();
    const auto start = std::chrono::steady_clock::now();
    const auto bytes = read_back(*fs, made.written.big_file, kBigFileSize);
    if (bytes != kBigFileSize) state.SkipWithError("short read");
    report(state, seconds_since(start), 1, static_cast<double>(bytes));
  }
}

void configure(benchmark::internal::Benchmark* b) {
  b->Iterations(1)->Repetitions(kRepetitions)->UseManualTime()->Unit(benchmark::kMillisecond);
}

BENCHMARK(create_small_files_bench)->Apply(configure);
BENCHMARK(write_sequential_bench)->Apply(configure);
BENCHMARK(read_small_files_bench)->Apply(configure);
BENCHMARK(read_sequential_bench)->Apply(configure);

}  // namespace
}  // namespace squeezefs::fs

BENCHMARK_MAIN();
