#pragma once

#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "squeezefs/common/storage_error.h"

namespace squeezefs::index {

// Thrown for environment failures (SQLite I/O, corruption, a full disk) and broken invariants.
// `code()` says which POSIX error the failure stands for: no_space_on_device when SQLite could
// not grow the index or its WAL (SQLITE_FULL, or an I/O error whose system errno was ENOSPC or
// EDQUOT), io_error otherwise. The filesystem adapter turns it into that errno, once.
class IndexError : public StorageError {
 public:
  explicit IndexError(const std::string& what, const char* file = __builtin_FILE(),
                      int line = __builtin_LINE())
      : IndexError(what, std::errc::io_error, file, line) {}
  IndexError(const std::string& what, std::errc code, const char* file = __builtin_FILE(),
             int line = __builtin_LINE())
      : StorageError(
            code == std::errc::no_space_on_device ? StorageErrc::kNoSpace : StorageErrc::kIo, what,
            {}, file, line),
        code_(std::make_error_code(code)) {}

  [[nodiscard]] std::error_code code() const noexcept { return code_; }
  // True when SQLite found the database damaged (SQLITE_CORRUPT) rather than failing otherwise.
  [[nodiscard]] bool damaged() const noexcept { return kind() == StorageErrc::kDamaged; }
  void set_damaged() noexcept { set_kind(StorageErrc::kDamaged); }

 private:
  std::error_code code_;
};

// Thrown when `path` is not a squeezefs index (kNotAStore), already holds one where one was to be
// created (kExists), or was written by a newer format than this build understands (kNewerFormat).
class FormatError : public StorageError {
 public:
  explicit FormatError(const std::string& what, StorageErrc kind = StorageErrc::kNotAStore)
      : StorageError(kind, what) {}
};

// Thrown when a squeezefs index is damaged: SQLite's check of it (Index::quick_check_problems())
// found pages or rows it cannot trust. `problems()` lists what the check reported, in SQLite's
// words (never empty).
class DamagedIndexError : public StorageError {
 public:
  DamagedIndexError(const std::string& path, std::vector<std::string> problems)
      : StorageError(
            StorageErrc::kDamaged, path + ": the index is damaged",
            problems.empty() ? std::vector<std::string>{"unknown damage"} : std::move(problems)) {}

  [[nodiscard]] const std::vector<std::string>& problems() const { return details(); }
};

using squeezefs::log_text;

}  // namespace squeezefs::index
