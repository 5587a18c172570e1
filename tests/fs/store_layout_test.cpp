#include "squeezefs/fs/store_layout.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <fstream>
#include <string>

#include "squeezefs/index/index.h"

namespace squeezefs::fs {
namespace {

namespace stdfs = std::filesystem;

class StoreLayoutTest : public ::testing::Test {
 protected:
  StoreLayoutTest() {
    std::string templ = (stdfs::temp_directory_path() / "squeezefs-store-XXXXXX").string();
    dir_ = mkdtemp(templ.data());
  }
  ~StoreLayoutTest() override {
    std::error_code ec;
    stdfs::remove_all(dir_, ec);
  }
  stdfs::path dir_;
};

TEST_F(StoreLayoutTest, given_new_path_when_made_then_store_opens_with_config_and_root) {
  const auto root = dir_ / "store";
  ASSERT_TRUE(make_store(root, index::StoreConfig{65536, 1, 5}, Caller{1000, 100}));
  const StoreLayout layout(root);
  EXPECT_TRUE(layout.is_store());
  EXPECT_TRUE(stdfs::is_directory(layout.data()));
  auto idx = index::Index::open(layout.index().string());
  EXPECT_EQ(idx.config(), (index::StoreConfig{65536, 1, 5}));
  EXPECT_EQ(idx.inode(Namespace::kRootIno)->uid, 1000U);
  EXPECT_EQ(make_store(root, index::StoreConfig{}, Caller{}).error(), std::errc::file_exists);
}

TEST_F(StoreLayoutTest, given_existing_paths_when_made_then_empty_dir_accepted_others_refused) {
  EXPECT_TRUE(make_store(dir_, index::StoreConfig{}, Caller{}));  // the empty temp dir
  const auto full = dir_ / "full";
  stdfs::create_directories(full);
  std::ofstream(full / "keep.txt") << "data";
  EXPECT_EQ(make_store(full, index::StoreConfig{}, Caller{}).error(),
            std::errc::directory_not_empty);
  EXPECT_EQ(make_store(full / "keep.txt", index::StoreConfig{}, Caller{}).error(),
            std::errc::not_a_directory);
  EXPECT_FALSE(StoreLayout(full).is_store());
}

}  // namespace
}  // namespace squeezefs::fs
