#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>

#include "squeezefs/common/file_io.h"
#include "squeezefs/common/result.h"
#include "squeezefs/fs/caller.h"
#include "squeezefs/fs/store/opened_store.h"
#include "squeezefs/fs/store/store_spec.h"
#include "squeezefs/index/records.h"

namespace squeezefs::fs::store {

enum class Access { kReadWrite, kReadOnly };

// Seams for tests: fault-injecting layers under the metadata and the blocks, and small data files.
struct BackendHooks {
  const char* sqlite_vfs = nullptr;   // a registered SQLite VFS; null: SQLite's default
  FileIo* data_io = nullptr;          // null: posix_file_io(); must outlive the opened store
  std::uint64_t data_file_limit = 0;  // 0: the local block store's default (1 GiB)
};

struct OpenOptions {
  // kReadOnly writes nothing to a cleanly closed store (its index is opened immutable); a store
  // whose index holds unreplayed commits needs its directory writable (kNeedsRecovery if not).
  Access access = Access::kReadWrite;
  // How long to wait for another process holding the store's lock (a daemon finishing after an
  // unmount, another command) before refusing with kLocked.
  std::chrono::milliseconds lock_wait{0};
  // Called while another process holds the lock, first at once and then about every 50 ms with
  // the time waited: returns false to stop waiting (kLocked), true to keep waiting. It may throw
  // (mount names the mount point of a live mount that way), which ends the wait. Null: waits
  // quietly for up to lock_wait.
  std::function<bool(std::chrono::milliseconds waited)> on_lock_wait;
  // Checks the metadata (SQLite's quick_check, which reads the whole index once) before anything
  // relies on it or writes to it: a damaged index is refused at once with kDamaged.
  bool check = true;
  // Commits metadata changes in groups, as a mounted file system wants (see
  // index::SqliteOpenOptions::group_commit); ignored when read-only.
  bool group_commit = false;
  BackendHooks hooks;
};

// Opens and locks the store named by `spec`. Nothing is written to it before the lock is held and
// the check passed. Throws StorageError:
//   kNotAStore     nothing, or something other than a store, at that name; an unknown scheme
//   kNewerFormat   written by a newer squeezefs
//   kDamaged       the check found damage (details() lists what it found)
//   kLocked        another process holds the store (mounted, or a command works on it)
//   kNeedsRecovery read-only, and the metadata holds commits it cannot replay without writing
//   kIo            anything else (the lock file cannot be opened, I/O errors)
std::unique_ptr<OpenedStore> open_store(const StoreSpec& spec, const OpenOptions& options = {});

// Creates an empty store (mkfs) holding a root directory owned by `owner`, as the local store's
// directory tells: EEXIST when it holds a store already, ENOTEMPTY when it is a directory that is
// not empty, ENOTDIR when it is not a directory. These are Results, not StorageError kExists,
// because mkfs reports them as it always has. Throws StorageError kNotAStore for an unknown
// scheme, and StorageError or std::system_error when the store cannot be written.
Result<void> create_store(const StoreSpec& spec, const index::StoreConfig& config, Caller owner,
                          const BackendHooks& hooks = {});

// Where the store keeps its control socket and daemon log on this host, without opening or
// locking it (for umount, sync and scrub clients). Throws StorageError kNotAStore for an unknown
// scheme.
std::filesystem::path runtime_dir_of(const StoreSpec& spec);

}  // namespace squeezefs::fs::store
