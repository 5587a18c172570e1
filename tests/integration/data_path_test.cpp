// The buffered data path through a real mount: small memory caps, concurrent writers of one
// file, fsync durability across a remount, and the cache_size/dirty_size options.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>
#include <thread>
#include <vector>

#include "mounted_store.h"

namespace squeezefs::testing {
namespace {

constexpr std::size_t kBlock = 4096;

// Distinct, compressible content for chunk `i`.
std::string chunk(std::size_t i, std::size_t size) {
  std::string out;
  while (out.size() < size)
    out += "chunk " + std::to_string(i) + " line " + std::to_string(out.size()) + "\n";
  out.resize(size);
  return out;
}

TEST(DataPathMountTest, given_tiny_caps_when_threads_write_one_file_then_contents_survive) {
  MountedStore store;
  ASSERT_EQ(store.mkfs(), 0);
  ASSERT_EQ(store.mount("-o cache_size=64K,dirty_size=64K"), 0);
  const auto path = store.path("shared");
  constexpr std::size_t kThreads = 4;
  constexpr std::size_t kChunks = 64;               // per thread
  constexpr std::size_t kChunk = 3 * kBlock + 123;  // crosses block boundaries
  std::vector<std::thread> writers;
  for (std::size_t t = 0; t < kThreads; ++t) {
    writers.emplace_back([&, t] {
      const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT, 0644);
      ASSERT_GE(fd, 0);
      for (std::size_t c = t; c < kThreads * kChunks; c += kThreads) {
        const auto data = chunk(c, kChunk);
        ASSERT_EQ(::pwrite(fd, data.data(), data.size(), static_cast<off_t>(c * kChunk)),
                  static_cast<ssize_t>(data.size()));
      }
      ASSERT_EQ(::fsync(fd), 0);
      ASSERT_EQ(::close(fd), 0);
    });
  }
  for (auto& w : writers) w.join();
  std::string expected;
  for (std::size_t c = 0; c < kThreads * kChunks; ++c) expected += chunk(c, kChunk);
  EXPECT_EQ(read_file(path), expected);
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(static_cast<std::size_t>(st.st_size), expected.size());
  store.unmount();
  ASSERT_EQ(store.mount("-o cache_size=64K"), 0);
  EXPECT_EQ(read_file(path), expected);
}

TEST(DataPathMountTest, given_bad_memory_sizes_when_mounting_then_exit_2) {
  MountedStore store;
  ASSERT_EQ(store.mkfs(), 0);
  // Each is refused for the size it names, not for some other fault of the command line.
  for (const std::string option : {"cache_size=lots", "dirty_size=0", "dirty_size="}) {
    const auto [rc, output] = run_capture(squeezefs_binary() + " mount " + store.store() + " " +
                                          store.mnt() + " -o " + option);
    if (rc == 0) run_quiet("fusermount3 -u " + store.mnt());
    EXPECT_EQ(rc, 2) << option << ": " << output;
    const std::string name = option.substr(0, option.find('='));
    EXPECT_NE(output.find("bad " + name + " '" + option + "'"), std::string::npos)
        << option << ": " << output;
  }
}

}  // namespace
}  // namespace squeezefs::testing
