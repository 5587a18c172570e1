#pragma once

#include <cstdint>

#include "squeezefs/index/db.h"
#include "squeezefs/index/records.h"

namespace squeezefs::index {

// A statement left mid-result keeps its read transaction open; in WAL mode that pins an old
// snapshot and makes this connection's next write fail with SQLITE_BUSY_SNAPSHOT. Always reset.
struct ResetGuard {
  explicit ResetGuard(Stmt& stmt) : stmt_(stmt) {}
  ResetGuard(const ResetGuard&) = delete;
  ResetGuard& operator=(const ResetGuard&) = delete;
  ~ResetGuard() { stmt_.reset(); }
  Stmt& stmt_;
};

// SQLite stores 64-bit signed integers; the index's numbers are unsigned.
inline std::int64_t s64(std::uint64_t v) {
  return static_cast<std::int64_t>(v);
}
inline std::uint64_t u64(std::int64_t v) {
  return static_cast<std::uint64_t>(v);
}
inline std::uint32_t u32(std::int64_t v) {
  return static_cast<std::uint32_t>(v);
}

// The inode row as selected with kInodeColumns.
inline constexpr const char* kInodeColumns =
    "ino, mode, uid, gid, nlink, size, atime_ns, mtime_ns, ctime_ns, rdev, generation";

inline InodeRecord read_inode(const Stmt& st) {
  InodeRecord r;
  r.ino = u64(st.column_int64(0));
  r.mode = u32(st.column_int64(1));
  r.uid = u32(st.column_int64(2));
  r.gid = u32(st.column_int64(3));
  r.nlink = u32(st.column_int64(4));
  r.size = u64(st.column_int64(5));
  r.atime_ns = st.column_int64(6);
  r.mtime_ns = st.column_int64(7);
  r.ctime_ns = st.column_int64(8);
  r.rdev = u64(st.column_int64(9));
  r.generation = u64(st.column_int64(10));
  return r;
}

}  // namespace squeezefs::index
