// Randomized operations on a few files of a real mount, checked against an in-memory model,
// before and after a remount.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <random>
#include <string>

#include "mounted_store.h"

namespace squeezefs::testing {
namespace {

constexpr std::size_t kFiles = 3;
constexpr std::size_t kMaxSize = 96 * 1024;  // 24 blocks of 4 KiB
constexpr int kOps = 400;

class ModelTest : public ::testing::TestWithParam<unsigned> {};

void check_file(const std::string& path, const std::string& model, int op) {
  const auto actual = read_file(path);
  ASSERT_EQ(actual.size(), model.size()) << path << " after op " << op;
  const auto mismatch = std::mismatch(actual.begin(), actual.end(), model.begin());
  ASSERT_TRUE(mismatch.first == actual.end())
      << path << " differs at " << (mismatch.first - actual.begin()) << " after op " << op;
}

TEST_P(ModelTest, given_random_operations_when_checking_against_model_then_contents_match) {
  MountedStore store;
  ASSERT_EQ(store.mkfs("--block-size 4K"), 0);
  ASSERT_EQ(store.mount(), 0);
  std::mt19937 rng(GetParam());
  auto below = [&](std::size_t n) {
    return std::uniform_int_distribution<std::size_t>(0, n - 1)(rng);
  };
  std::array<std::string, kFiles> model;
  std::array<int, kFiles> fds{};
  for (std::size_t i = 0; i < kFiles; ++i) {
    fds[i] = ::open(store.path("f" + std::to_string(i)).c_str(), O_CREAT | O_RDWR, 0644);
    ASSERT_GE(fds[i], 0);
  }
  for (int op = 0; op < kOps; ++op) {
    const std::size_t f = below(kFiles);
    auto& m = model[f];
    const int fd = fds[f];
    switch (below(7)) {
      case 0:
      case 1: {  // write at a random offset, compressible or not
        const std::size_t off = below(kMaxSize);
        const std::size_t len = 1 + below(std::min<std::size_t>(12000, kMaxSize - off));
        std::string chunk(len, '\0');
        const bool text = below(2) == 0;
        for (std::size_t i = 0; i < len; ++i)
          chunk[i] = text ? static_cast<char>('a' + i % 7) : static_cast<char>(below(256));
        ASSERT_EQ(::pwrite(fd, chunk.data(), len, static_cast<off_t>(off)),
                  static_cast<ssize_t>(len));
        if (m.size() < off + len) m.resize(off + len, '\0');
        m.replace(off, len, chunk);
        break;
      }
      case 2: {  // append
        const std::size_t len = 1 + below(6000);
        if (m.size() + len > kMaxSize) break;
        const std::string chunk(len, static_cast<char>('A' + below(26)));
        ASSERT_EQ(::pwrite(fd, chunk.data(), len, static_cast<off_t>(m.size())),
                  static_cast<ssize_t>(len));
        m += chunk;
        break;
      }
      case 3: {  // truncate up or down
        const std::size_t size = below(kMaxSize);
        ASSERT_EQ(::ftruncate(fd, static_cast<off_t>(size)), 0);
        m.resize(size, '\0');
        break;
      }
      case 4: {  // punch a hole
        if (m.empty()) break;
        const std::size_t off = below(m.size());
        const std::size_t len = 1 + below(10000);
        ASSERT_EQ(::fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
                              static_cast<off_t>(off), static_cast<off_t>(len)),
                  0);
        std::fill(m.begin() + static_cast<std::ptrdiff_t>(off),
                  m.begin() + static_cast<std::ptrdiff_t>(std::min(m.size(), off + len)), '\0');
        break;
      }
      case 5: {  // write through a shared mapping
        if (m.empty()) break;
        void* map = ::mmap(nullptr, m.size(), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        ASSERT_NE(map, MAP_FAILED);
        const std::size_t off = below(m.size());
        const std::size_t len = 1 + below(m.size() - off);
        const char c = static_cast<char>('0' + below(10));
        std::fill_n(static_cast<char*>(map) + off, len, c);
        std::fill_n(m.begin() + static_cast<std::ptrdiff_t>(off), len, c);
        ASSERT_EQ(::munmap(map, m.size()), 0);
        break;
      }
      default: {  // read a random range
        if (m.empty()) break;
        const std::size_t off = below(m.size());
        const std::size_t len = 1 + below(20000);
        std::string back(len, '\0');
        const auto n = ::pread(fd, back.data(), len, static_cast<off_t>(off));
        const std::size_t expect = std::min(len, m.size() - off);
        ASSERT_EQ(n, static_cast<ssize_t>(expect)) << "op " << op;
        back.resize(expect);
        ASSERT_EQ(back, m.substr(off, expect)) << "op " << op;
        break;
      }
    }
  }
  for (std::size_t i = 0; i < kFiles; ++i) {
    ASSERT_EQ(::close(fds[i]), 0);
    check_file(store.path("f" + std::to_string(i)), model[i], kOps);
  }
  store.unmount();
  ASSERT_EQ(store.mount(), 0);
  for (std::size_t i = 0; i < kFiles; ++i)
    check_file(store.path("f" + std::to_string(i)), model[i], kOps);
}

INSTANTIATE_TEST_SUITE_P(Seeds, ModelTest, ::testing::Values(1U, 2U, 3U, 4U));

}  // namespace
}  // namespace squeezefs::testing
