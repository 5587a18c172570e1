#pragma once

#include <stdexcept>
#include <string>
#include <system_error>

namespace squeezefs::index {

// Thrown for environment failures (SQLite I/O, corruption, a full disk) and broken invariants.
// `code()` says which POSIX error the failure stands for: no_space_on_device when SQLite could
// not grow the index or its WAL (SQLITE_FULL, or an I/O error whose system errno was ENOSPC or
// EDQUOT), io_error otherwise. The filesystem adapter turns it into that errno, once.
class IndexError : public std::runtime_error {
 public:
  // The builtins record the throw site; std::source_location is not usable with clang-14 and
  // libstdc++ 12, and the project builds with both compilers.
  explicit IndexError(const std::string& what, const char* file = __builtin_FILE(),
                      int line = __builtin_LINE())
      : IndexError(what, std::errc::io_error, file, line) {}
  IndexError(const std::string& what, std::errc code, const char* file = __builtin_FILE(),
             int line = __builtin_LINE())
      : std::runtime_error(what + " (" + file + ":" + std::to_string(line) + ")"),
        code_(std::make_error_code(code)) {}

  [[nodiscard]] std::error_code code() const noexcept { return code_; }

 private:
  std::error_code code_;
};

// Thrown when a store's index was written by a newer format than this build understands.
class FormatError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace squeezefs::index
