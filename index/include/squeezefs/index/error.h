#pragma once

#include <source_location>
#include <stdexcept>
#include <string>

namespace squeezefs::index {

// Thrown for environment failures (SQLite I/O, corruption) and broken invariants. Callers in the
// filesystem translate it into EIO once, at the adapter boundary.
class IndexError : public std::runtime_error {
 public:
  IndexError(const std::string& what, std::source_location where = std::source_location::current())
      : std::runtime_error(what + " (" + where.file_name() + ":" + std::to_string(where.line()) +
                           ")") {}
};

// Thrown when a store's index was written by a newer format than this build understands.
class FormatError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace squeezefs::index
