#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "squeezefs/fs/file_block_store.h"
#include "squeezefs/fs/memory_block_store.h"

namespace squeezefs::fs {
namespace {

namespace stdfs = std::filesystem;

class TempDir {
 public:
  TempDir() {
    std::string templ = (stdfs::temp_directory_path() / "squeezefs-blocks-XXXXXX").string();
    path_ = mkdtemp(templ.data());
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() {
    std::error_code ec;
    stdfs::remove_all(path_, ec);
  }
  [[nodiscard]] const stdfs::path& path() const { return path_; }

 private:
  stdfs::path path_;
};

std::vector<std::byte> pattern(std::size_t n, unsigned seed) {
  std::vector<std::byte> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<std::byte>((i * 31 + seed) & 0xff);
  return v;
}

// Both stores roll files at 1000 bytes so the contract covers rolling.
constexpr std::size_t kLimit = 1000;

struct MemoryFactory {
  std::unique_ptr<BlockStore> make() { return std::make_unique<MemoryBlockStore>(kLimit); }
};

struct FileFactory {
  TempDir dir;
  std::uint32_t next_id = 0;
  std::unique_ptr<BlockStore> make() {
    return std::make_unique<FileBlockStore>(
        dir.path() / "data", [this] { return ++next_id; }, kLimit);
  }
};

// The contract every BlockStore meets.
template <class Factory>
class BlockStoreContract : public ::testing::Test {
 protected:
  Factory factory_;
};

using Stores = ::testing::Types<MemoryFactory, FileFactory>;
TYPED_TEST_SUITE(BlockStoreContract, Stores);

TYPED_TEST(BlockStoreContract, given_blocks_when_stored_then_packed_back_to_back_and_loadable) {
  auto store = this->factory_.make();
  const auto a = pattern(100, 1);
  const auto b = pattern(7, 2);
  const auto la = store->store(a);
  const auto lb = store->store(b);
  EXPECT_EQ(la.length, 100U);
  EXPECT_EQ(lb.data_file, la.data_file);
  EXPECT_EQ(lb.offset, la.offset + 100);  // no padding between blocks
  std::vector<std::byte> out(7);
  ASSERT_TRUE(store->load(lb, out));
  EXPECT_EQ(out, b);
  out.resize(100);
  ASSERT_TRUE(store->load(la, out));
  EXPECT_EQ(out, a);
  store->sync();
}

TYPED_TEST(BlockStoreContract, given_full_file_when_storing_then_rolls_to_next_file) {
  auto store = this->factory_.make();
  const auto first = store->store(pattern(900, 1));
  const auto second = store->store(pattern(200, 2));
  EXPECT_NE(first.data_file, second.data_file);
  EXPECT_EQ(second.offset, 0U);
  std::vector<std::byte> out(900);
  ASSERT_TRUE(store->load(first, out));
  EXPECT_EQ(out, pattern(900, 1));
  store->sync();  // syncs the rolled-away file too
}

TYPED_TEST(BlockStoreContract, given_location_out_of_range_when_loaded_then_false) {
  auto store = this->factory_.make();
  const auto loc = store->store(pattern(10, 1));
  std::vector<std::byte> out(20);
  EXPECT_FALSE(store->load(StoredLocation{loc.data_file, loc.offset, 20}, out));
  out.resize(10);
  EXPECT_FALSE(store->load(StoredLocation{loc.data_file + 100, 0, 10}, out));
  // In range, but the buffer is not the location's length.
  EXPECT_FALSE(store->load(StoredLocation{loc.data_file, loc.offset, 5}, out));
  EXPECT_FALSE(store->load(StoredLocation{loc.data_file, loc.offset + 5, 5}, out));
}

TEST(FileBlockStoreTest, given_reopened_store_when_reading_old_blocks_then_data_survives) {
  TempDir dir;
  std::uint32_t next = 0;
  StoredLocation loc;
  {
    FileBlockStore store(dir.path() / "data", [&] { return ++next; });
    loc = store.store(pattern(5000, 9));
    store.sync();
  }
  EXPECT_TRUE(stdfs::exists(dir.path() / "data" / "000001.dat"));
  FileBlockStore again(dir.path() / "data", [&] { return ++next; });
  std::vector<std::byte> out(5000);
  ASSERT_TRUE(again.load(loc, out));
  EXPECT_EQ(out, pattern(5000, 9));
  // A new writer starts a new file instead of appending to a possibly torn tail.
  EXPECT_EQ(again.store(pattern(3, 1)).data_file, 2U);
}

TEST(FileBlockStoreTest, given_reused_file_id_when_storing_then_old_bytes_are_kept) {
  TempDir dir;
  StoredLocation first;
  {
    FileBlockStore store(dir.path(), [] { return 7U; });
    first = store.store(pattern(50, 3));
  }
  FileBlockStore store(dir.path(), [] { return 7U; });
  const auto second = store.store(pattern(20, 4));
  EXPECT_EQ(second.data_file, 7U);
  EXPECT_EQ(second.offset, 50U);
  std::vector<std::byte> out(50);
  ASSERT_TRUE(store.load(first, out));
  EXPECT_EQ(out, pattern(50, 3));
}

}  // namespace
}  // namespace squeezefs::fs
