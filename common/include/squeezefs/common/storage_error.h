#pragma once

#include <exception>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

namespace squeezefs {

// What went wrong below the filesystem core, in words every backend can use: a metadata store
// (SQLite today, a database server later) and a block store (local files, an object store).
enum class StorageErrc {
  kIo = 1,         // an I/O error or a broken invariant
  kNoSpace,        // the medium under the store is full (ENOSPC, EDQUOT, SQLITE_FULL)
  kDamaged,        // the backend found its own data damaged
  kNotAStore,      // nothing, or something else, at that name
  kExists,         // a store already exists where one was to be created
  kNewerFormat,    // written by a newer squeezefs
  kNeedsRecovery,  // unfinished commits that a read-only open cannot replay
  kLocked,         // another process serves the store
  kUnavailable,    // a server stayed unreachable
  kReadOnly,       // the store was opened read-only
};

// Thrown below the core for environment failures and broken invariants. what() is meant for
// users and never names a source file; where() ("db.cpp:121") is for the daemon's log.
// details() lists findings, for example what a damaged index's check reported.
class StorageError : public std::runtime_error {
 public:
  // The builtins record the throw site; std::source_location is not usable with clang-14 and
  // libstdc++ 12, and the project builds with both compilers.
  StorageError(StorageErrc kind, const std::string& what, std::vector<std::string> details = {},
               const char* file = __builtin_FILE(), int line = __builtin_LINE());

  [[nodiscard]] StorageErrc kind() const noexcept { return kind_; }
  // The POSIX error it stands for: ENOSPC, EROFS, or EIO for everything else.
  [[nodiscard]] std::errc posix() const noexcept;
  [[nodiscard]] const std::vector<std::string>& details() const noexcept { return details_; }
  // The throw site as "db.cpp:121": the file's name without its directories (the build tree's
  // path means nothing to whoever reads a log).
  [[nodiscard]] std::string where() const;

 protected:
  void set_kind(StorageErrc kind) noexcept { kind_ = kind; }

 private:
  StorageErrc kind_;
  std::vector<std::string> details_;
  const char* file_;  // a string literal from __builtin_FILE()
  int line_;
};

// `e`'s message for a log line: with the throw site when `e` is a StorageError. Messages for
// users (stderr, control replies, fsck reports) take what() instead.
std::string log_text(const std::exception& e);

// The POSIX error a storage failure stands for. A full file system under the store (a write
// failing with ENOSPC or EDQUOT, or the metadata store unable to grow) is no_space_on_device,
// which callers pass on so users see ENOSPC; a read-only store is read_only_file_system;
// anything else is io_error.
std::error_code posix_error_of(const std::exception& e) noexcept;

}  // namespace squeezefs
