#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace squeezefs::index::testing {

// What tests of the SQLite metadata store (and of fsck on it) need beyond the MetadataStore
// interface: writing rows the interface refuses (an entry naming a missing inode), changing the
// schema (dropping an index) and damaging pages of the file. Never linked into a shipped binary.
//
// Each call opens a connection of its own to the index file at `path` and closes it before it
// returns; no store may have the file open meanwhile. Failures throw (IndexError from SQLite,
// std::system_error from file I/O).
class SqliteTestAccess {
 public:
  // Runs `sql`, one or more statements that return no rows, read-write with the connection's
  // usual settings (foreign keys on: start with "PRAGMA foreign_keys=OFF;" to write rows that
  // name missing rows).
  static void exec(const std::string& path, std::string_view sql);

  // The file's page size in bytes. Opened immutable: creates no -wal or -shm file, so the WAL
  // must hold no commits (the store was closed cleanly).
  [[nodiscard]] static std::int64_t page_size(const std::string& path);

  // The number (1-based, as SQLite counts) of the leaf page of `table` nearest page `near`, or
  // std::nullopt when the table has no leaf page. Opened immutable, as page_size().
  [[nodiscard]] static std::optional<std::int64_t> leaf_page_nearest(const std::string& path,
                                                                     std::string_view table,
                                                                     std::int64_t near);

  // Writes page_size() bytes from std::mt19937(seed) over page `page` (1-based): damage SQLite
  // finds when it reads that page. The same seed gives the same bytes.
  static void corrupt_page(const std::string& path, std::int64_t page, std::uint32_t seed);
};

}  // namespace squeezefs::index::testing
