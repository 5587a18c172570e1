#pragma once

#include <chrono>
#include <functional>
#include <optional>

#include "squeezefs/common/unique_fd.h"
#include "squeezefs/fs/store_layout.h"

namespace squeezefs::fs {

// The exclusive flock on STORE/index.db (independent of SQLite's own fcntl locks) that a mounted
// store holds for as long as it is served. Offline tools (fsck, compact) take the same lock so they
// never run against a mounted store, and a mount cannot start while they run. Released when the
// object is destroyed.
class StoreLock {
 public:
  // Takes the lock without waiting. std::nullopt when another process holds it (the store is
  // mounted or another tool works on it). Throws std::system_error when the index cannot be opened.
  static std::optional<StoreLock> try_acquire(const StoreLayout& layout);

  // Called while the lock is held by another process, first at once and then about every 50 ms
  // with the time waited so far; returns false to stop waiting (the holder will not let go, e.g.
  // the store is mounted), true to keep waiting. It may also throw, which ends the wait.
  using WaitFn = std::function<bool(std::chrono::milliseconds waited)>;
  // Takes the lock, waiting up to `timeout` for its holder (a daemon finishing after an unmount,
  // another tool) to let go. std::nullopt when the time ran out or `keep_waiting` said stop.
  // Throws std::system_error when the index cannot be opened.
  static std::optional<StoreLock> acquire_waiting(const StoreLayout& layout,
                                                  std::chrono::milliseconds timeout,
                                                  const WaitFn& keep_waiting);

 private:
  explicit StoreLock(UniqueFd fd) : fd_(std::move(fd)) {}

  UniqueFd fd_;
};

}  // namespace squeezefs::fs
