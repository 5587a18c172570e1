// Power loss under the mount options sync and dirsync (Filesystem::set_synchronous): every
// namespace change must be on disk when its call returns, with no sync or fsync after it.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>
#include <string>

#include "power_loss_file_io.h"
#include "squeezefs/fs/filesystem.h"
#include "squeezefs/fs/store_layout.h"
#include "squeezefs/index/testing/fault_vfs.h"

namespace squeezefs::testing {
namespace {

constexpr int kDirs = 20;

// Makes kDirs directories and a file in a new store over the fault layers, loses everything not
// synced, and returns how many of the directories the reopened store has (the file counts as
// one more).
int survivors_of_power_loss(bool synchronous) {
  std::string pattern = (std::filesystem::temp_directory_path() / "squeezefs-sync-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  const std::filesystem::path dir = pattern;
  const auto root = dir / "store";
  index::StoreConfig config;
  config.block_size = 4096;
  if (!fs::make_store(root, config, fs::Caller{}).has_value())
    throw std::runtime_error("mkfs failed");
  index::testing::UnsyncedChanges changes;
  index::testing::FaultVfs vfs(std::string("squeezefs-sync-") + (synchronous ? "on" : "off"),
                               changes);
  const index::testing::PowerHook hook = [](index::testing::FaultOp, const std::string&) {
    return true;
  };
  vfs.set_hook(hook);
  PowerLossFileIo io(changes, hook);
  {
    fs::StorageOptions storage;
    storage.index_vfs = vfs.name();
    storage.data_io = &io;
    fs::DataPathOptions options;
    options.commit_interval = std::chrono::seconds(3600);  // no background sync meanwhile
    fs::Filesystem filesystem(root, std::nullopt, options, storage);
    filesystem.set_synchronous(synchronous);
    for (int i = 0; i < kDirs; ++i) {
      if (!filesystem.names().mkdir(fs::Namespace::kRootIno, "d" + std::to_string(i), 0755, {}))
        throw std::runtime_error("mkdir failed");
    }
    if (!filesystem.names().mknod(fs::Namespace::kRootIno, "f", S_IFREG | 0644, 0, {}))
      throw std::runtime_error("mknod failed");
    vfs.cut_power();
    io.cut_power();
  }  // closing with the power off changes nothing on disk
  changes.revert(index::testing::PowerLoss{});  // every unsynced write is lost
  vfs.power_on();
  io.power_on();
  int found = 0;
  {
    fs::Filesystem reopened(root, std::nullopt);
    for (int i = 0; i < kDirs; ++i) {
      if (reopened.names().lookup(fs::Namespace::kRootIno, "d" + std::to_string(i))) ++found;
    }
    if (reopened.names().lookup(fs::Namespace::kRootIno, "f")) ++found;
  }
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  return found;
}

TEST(SynchronousTest, given_synchronous_index_when_power_fails_after_changes_then_all_survive) {
  EXPECT_EQ(survivors_of_power_loss(true), kDirs + 1);
}

TEST(SynchronousTest, given_default_index_when_power_fails_after_changes_then_they_may_be_lost) {
  // The contrast that shows the test above can fail: without sync nothing here is durable yet.
  EXPECT_LT(survivors_of_power_loss(false), kDirs + 1);
}

}  // namespace
}  // namespace squeezefs::testing
