// `squeezefs compact` on a store filled through a real mount, then checked and read back.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <map>
#include <string>

#include "mounted_store.h"
#include "squeezefs/index/index.h"
#include "store_space.h"

namespace squeezefs::testing {
namespace {

constexpr std::uint64_t kMiB = 1024 * 1024;

std::string text(std::size_t size, int seed) {
  std::string out;
  for (std::size_t i = 0; out.size() < size; ++i)
    out += "seed " + std::to_string(seed) + " row " + std::to_string(i * 104729 % 999983) + "\n";
  out.resize(size);
  return out;
}

TEST(CompactTest,
     given_overwritten_and_deleted_files_when_compacted_then_space_back_and_data_kept) {
  MountedStore store;
  ASSERT_EQ(store.mkfs("--block-size 64K --codec zstd:1"), 0);
  ASSERT_EQ(store.mount(), 0);
  constexpr int kFiles = 8;
  for (int i = 0; i < kFiles; ++i)
    write_file(store.path("f" + std::to_string(i)), text(2 * kMiB, i));
  store.unmount();

  ASSERT_EQ(store.mount(), 0);
  std::map<std::string, std::string> expected;
  for (int i = 0; i < 3; ++i) {
    expected["f" + std::to_string(i)] = text(2 * kMiB, 100 + i);
    write_file(store.path("f" + std::to_string(i)), expected["f" + std::to_string(i)]);
  }
  for (int i = 3; i < 7; ++i) ASSERT_EQ(::unlink(store.path("f" + std::to_string(i)).c_str()), 0);
  expected["f7"] = text(2 * kMiB, 7);
  store.unmount();

  const auto before = data_size(store.store());
  const auto live = live_bytes(store.store());
  ASSERT_GT(before, 2 * live);
  ASSERT_EQ(run_quiet(squeezefs_binary() + " compact " + store.store()), 0);
  const auto after = data_size(store.store());
  EXPECT_LE(after, live + live / 10 + kMiB) << "before " << before << ", live " << live;
  EXPECT_EQ(live_bytes(store.store()), live);
  EXPECT_EQ(run_quiet(squeezefs_binary() + " fsck " + store.store()), 0);

  ASSERT_EQ(store.mount(), 0);
  for (const auto& [name, data] : expected)
    EXPECT_TRUE(read_file(store.path(name)) == data) << name;
  for (int i = 3; i < 7; ++i)
    EXPECT_FALSE(std::filesystem::exists(store.path("f" + std::to_string(i))));
}

}  // namespace
}  // namespace squeezefs::testing
