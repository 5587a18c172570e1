#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace squeezefs::index {

// Store-wide settings, fixed at mkfs time except the default codec.
struct StoreConfig {
  std::uint32_t block_size = 128 * 1024;
  std::uint16_t default_codec = 0;
  int codec_level = 0;

  bool operator==(const StoreConfig&) const = default;
};

struct InodeRecord {
  std::uint64_t ino = 0;
  std::uint32_t mode = 0;
  std::uint32_t uid = 0;
  std::uint32_t gid = 0;
  std::uint32_t nlink = 0;
  std::uint64_t size = 0;
  std::int64_t atime_ns = 0;
  std::int64_t mtime_ns = 0;
  std::int64_t ctime_ns = 0;
  std::uint64_t rdev = 0;
  std::uint64_t generation = 0;

  bool operator==(const InodeRecord&) const = default;
};

// One directory entry. `entry_id` grows monotonically, so listing by it gives a stable readdir
// order (and resumable offsets) while the directory changes.
struct DirEntry {
  std::int64_t entry_id = 0;
  std::uint64_t parent = 0;
  std::string name;  // raw bytes, at most kMaxNameLength
  std::uint64_t child = 0;

  bool operator==(const DirEntry&) const = default;
};

inline constexpr std::size_t kMaxNameLength = 255;

// Where one block of a file lives and how to decode it.
struct BlockRef {
  std::uint16_t codec = 0;
  std::uint32_t raw_length = 0;
  std::uint32_t stored_length = 0;
  std::uint64_t checksum = 0;  // XXH3-64 of the raw (decoded) data
  std::uint32_t data_file = 0;
  std::uint64_t offset = 0;

  bool operator==(const BlockRef&) const = default;
};

// Accounting for one data file, for later compaction.
struct DataFileRecord {
  std::uint32_t id = 0;
  std::uint64_t live_bytes = 0;
  std::uint64_t total_bytes = 0;

  bool operator==(const DataFileRecord&) const = default;
};

// A block map entry with its owner, for whole-store scans.
struct StoredBlock {
  std::uint64_t ino = 0;
  std::uint64_t block = 0;
  BlockRef ref;

  bool operator==(const StoredBlock&) const = default;
};

// A row whose foreign key names a missing row, as PRAGMA foreign_key_check reports it.
struct ForeignKeyViolation {
  std::string table;                  // the referencing table
  std::optional<std::int64_t> rowid;  // absent for WITHOUT ROWID tables
  std::string parent;                 // the referenced table
};

}  // namespace squeezefs::index
