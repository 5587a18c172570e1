#pragma once

#include <cstddef>
#include <cstdint>
#include <unordered_map>

#include "squeezefs/index/records.h"

namespace squeezefs::index {

// Inode rows read or written through one connection, so that the attribute lookups of a mounted
// file system (nearly every request names an inode, often several) do not each run a query.
// Write-through: Index updates it after each of its statements that changes the inodes table
// succeeded. A change rolled back afterwards would leave a stale row, so the cache empties itself
// whenever its connection undid anything (see Db::undo_count). Bounded: past kMaxRows it forgets
// an arbitrary row. Not thread-safe, like the connection it serves.
class InodeCache {
 public:
  static constexpr std::size_t kMaxRows = std::size_t{1} << 15;

  // Forgets every row if `undo_count` moved since the last call.
  void follow(std::uint64_t undo_count);
  [[nodiscard]] const InodeRecord* find(std::uint64_t ino) const;
  void put(const InodeRecord& record);
  void erase(std::uint64_t ino);
  [[nodiscard]] std::size_t size() const { return rows_.size(); }

 private:
  std::unordered_map<std::uint64_t, InodeRecord> rows_;
  std::uint64_t undo_seen_ = 0;
};

}  // namespace squeezefs::index
