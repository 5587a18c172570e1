#pragma once

#include <cstdint>

#include "squeezefs/index/db.h"

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

}  // namespace squeezefs::index
