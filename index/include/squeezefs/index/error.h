#pragma once

#include <stdexcept>
#include <string>

namespace squeezefs::index {

// Thrown for environment failures (SQLite I/O, corruption) and broken invariants. Callers in the
// filesystem translate it into EIO once, at the adapter boundary.
class IndexError : public std::runtime_error {
 public:
  // The builtins record the throw site; std::source_location is not usable with clang-14 and
  // libstdc++ 12, and the project builds with both compilers.
  IndexError(const std::string& what, const char* file = __builtin_FILE(),
             int line = __builtin_LINE())
      : std::runtime_error(what + " (" + file + ":" + std::to_string(line) + ")") {}
};

// Thrown when a store's index was written by a newer format than this build understands.
class FormatError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace squeezefs::index
