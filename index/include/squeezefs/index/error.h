#pragma once

#include <cstring>
#include <exception>
#include <stdexcept>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

namespace squeezefs::index {

// Thrown for environment failures (SQLite I/O, corruption, a full disk) and broken invariants.
// `code()` says which POSIX error the failure stands for: no_space_on_device when SQLite could
// not grow the index or its WAL (SQLITE_FULL, or an I/O error whose system errno was ENOSPC or
// EDQUOT), io_error otherwise. The filesystem adapter turns it into that errno, once.
//
// `what()` is the message alone, fit for users; the throw site (`where()`) is kept apart for the
// daemon's log (see log_text()), so no source path reaches a terminal or a control socket reply.
class IndexError : public std::runtime_error {
 public:
  // The builtins record the throw site; std::source_location is not usable with clang-14 and
  // libstdc++ 12, and the project builds with both compilers.
  explicit IndexError(const std::string& what, const char* file = __builtin_FILE(),
                      int line = __builtin_LINE())
      : IndexError(what, std::errc::io_error, file, line) {}
  IndexError(const std::string& what, std::errc code, const char* file = __builtin_FILE(),
             int line = __builtin_LINE())
      : std::runtime_error(what), code_(std::make_error_code(code)), file_(file), line_(line) {}

  [[nodiscard]] std::error_code code() const noexcept { return code_; }
  // True when SQLite found the database damaged (SQLITE_CORRUPT) rather than failing otherwise.
  [[nodiscard]] bool damaged() const noexcept { return damaged_; }
  void set_damaged() noexcept { damaged_ = true; }
  // The throw site as "db.cpp:121": the file's name without its directories (the build tree's
  // path means nothing to whoever reads a log).
  [[nodiscard]] std::string where() const {
    const char* slash = std::strrchr(file_, '/');
    return std::string(slash != nullptr ? slash + 1 : file_) + ":" + std::to_string(line_);
  }

 private:
  std::error_code code_;
  const char* file_;  // a string literal from __builtin_FILE()
  int line_;
  bool damaged_ = false;
};

// Thrown when `path` is not a squeezefs index or was written by a newer format than this build
// understands.
class FormatError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Thrown when a squeezefs index is damaged: SQLite's check of it (Index::quick_check_problems())
// found pages or rows it cannot trust. `problems()` lists what the check reported, in SQLite's
// words (never empty).
class DamagedIndexError : public std::runtime_error {
 public:
  DamagedIndexError(const std::string& path, std::vector<std::string> problems)
      : std::runtime_error(path + ": the index is damaged"), problems_(std::move(problems)) {
    if (problems_.empty()) problems_.emplace_back("unknown damage");
  }

  [[nodiscard]] const std::vector<std::string>& problems() const { return problems_; }

 private:
  std::vector<std::string> problems_;
};

// `e`'s message for a log line: with the throw site when `e` is an IndexError. Messages for
// users (stderr, control replies, fsck reports) take what() instead.
inline std::string log_text(const std::exception& e) {
  if (const auto* index_error = dynamic_cast<const IndexError*>(&e))
    return std::string(e.what()) + " (" + index_error->where() + ")";
  return e.what();
}

}  // namespace squeezefs::index
