#pragma once

#include <filesystem>

#include "squeezefs/common/result.h"
#include "squeezefs/fs/namespace.h"
#include "squeezefs/index/records.h"

namespace squeezefs::fs {

// The files of a store directory:
//   STORE/index.db        the SQLite index (with its -wal/-shm companions); the mounting daemon
//                         holds an flock on it (independent of SQLite's fcntl locks), so a
//                         store is never mounted twice and a failed mount creates no file
//   STORE/data/NNNNNN.dat  data files holding encoded blocks
//   STORE/squeezefs.log   the daemon's log when it runs in the background
struct StoreLayout {
  explicit StoreLayout(std::filesystem::path root) : root_(std::move(root)) {}

  [[nodiscard]] std::filesystem::path index() const { return root_ / "index.db"; }
  [[nodiscard]] std::filesystem::path index_wal() const { return root_ / "index.db-wal"; }
  [[nodiscard]] std::filesystem::path data() const { return root_ / "data"; }
  [[nodiscard]] std::filesystem::path log() const { return root_ / "squeezefs.log"; }
  [[nodiscard]] const std::filesystem::path& root() const { return root_; }

  // True when the directory holds a store index.
  [[nodiscard]] bool is_store() const { return std::filesystem::exists(index()); }
  // True when the index's WAL holds frames, i.e. commits that may not be in index.db yet: the
  // store was not cleanly unmounted (the last connection to close checkpoints the WAL and deletes
  // it). A WAL of no more than its 32-byte header holds nothing.
  [[nodiscard]] bool wal_has_frames() const;

 private:
  std::filesystem::path root_;
};

// Creates a new, empty store at `root` (created if missing) with a root directory owned by
// `owner`. EEXIST if `root` already holds a store, ENOTEMPTY if it is a non-empty directory,
// ENOTDIR if it is not a directory. Throws on I/O failures.
Result<void> make_store(const std::filesystem::path& root, const index::StoreConfig& config,
                        Caller owner);

}  // namespace squeezefs::fs
