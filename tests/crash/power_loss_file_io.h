#pragma once

#include <atomic>

#include "squeezefs/common/file_io.h"
#include "squeezefs/index/testing/fault_vfs.h"
#include "squeezefs/index/testing/unsynced_changes.h"

namespace squeezefs::testing {

// A FileIo for power-loss tests: it writes through to the real files (posix_file_io) and records
// every change in `changes`, so that UnsyncedChanges::revert() leaves the data files as a disk
// would after losing power. The hook (shared with the FaultVfs) can cut the power before any
// write, truncation or sync; from then on every mutating call throws EIO and changes nothing.
class PowerLossFileIo final : public FileIo {
 public:
  PowerLossFileIo(index::testing::UnsyncedChanges& changes, index::testing::PowerHook hook)
      : changes_(changes), hook_(std::move(hook)) {}

  std::unique_ptr<IoFile> open(const std::filesystem::path& path, OpenMode mode) override;
  void sync_dir(const std::filesystem::path& dir) override;
  void unlink(const std::filesystem::path& path) override;

  void cut_power() { powered_ = false; }
  void power_on() { powered_ = true; }
  [[nodiscard]] bool powered() const { return powered_; }

  // Throws EIO when the power is (or now goes) off before `op` on `path`.
  void check(index::testing::FaultOp op, const std::string& path);
  index::testing::UnsyncedChanges& changes() { return changes_; }

 private:
  index::testing::UnsyncedChanges& changes_;
  index::testing::PowerHook hook_;
  std::atomic<bool> powered_{true};
};

}  // namespace squeezefs::testing
