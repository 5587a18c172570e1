#pragma once

#include <optional>

#include "squeezefs/fs/store_layout.h"
#include "squeezefs/fs/unique_fd.h"

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

 private:
  explicit StoreLock(UniqueFd fd) : fd_(std::move(fd)) {}

  UniqueFd fd_;
};

}  // namespace squeezefs::fs
