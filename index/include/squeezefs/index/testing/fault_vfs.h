#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>

#include "squeezefs/index/testing/unsynced_changes.h"

namespace squeezefs::index::testing {

// What a file is about to do; the power can fail just before it.
enum class FaultOp { kWrite, kTruncate, kSync };

// Decides, before each write, truncation or sync of a file, whether the power fails right there
// (return false). Called with the file's path.
using PowerHook = std::function<bool(FaultOp op, const std::string& path)>;

// A SQLite VFS for power-loss tests, registered under its own name (open an Index with it). It
// delegates to the default VFS and writes through, recording every xWrite/xTruncate/xSync in
// `changes` so that UnsyncedChanges::revert() can drop what no xSync made durable (or
// keep some of it: a disk may have written any unsynced write before the power failed).
//
// Once the power is off (the hook said so, or cut_power()), every write, truncation, sync and
// delete fails with an I/O error and changes nothing, so closing the connections afterwards
// cannot tidy up the files either. power_on() (after revert()) restores normal service.
//
// New files: the default VFS syncs the directory of a new WAL or journal at its first xSync, so
// their creation is treated as durable. Temporary files (no name) are not recorded.
//
// Thread-safe. The VFS must outlive every connection that uses it; the destructor unregisters it.
class FaultVfs {
 public:
  FaultVfs(std::string name, UnsyncedChanges& changes);
  FaultVfs(const FaultVfs&) = delete;
  FaultVfs& operator=(const FaultVfs&) = delete;
  ~FaultVfs();

  [[nodiscard]] const char* name() const { return name_.c_str(); }
  // Set before opening connections.
  void set_hook(PowerHook hook) { hook_ = std::move(hook); }
  void cut_power() { powered_ = false; }
  void power_on() { powered_ = true; }
  [[nodiscard]] bool powered() const { return powered_; }

  // Used by the VFS callbacks. Returns false when the operation must fail (power off).
  bool allow(FaultOp op, const std::string& path);
  UnsyncedChanges& changes() { return changes_; }

 private:
  struct Registration;

  std::string name_;
  UnsyncedChanges& changes_;
  PowerHook hook_;
  std::atomic<bool> powered_{true};
  std::unique_ptr<Registration> registration_;
};

}  // namespace squeezefs::index::testing
