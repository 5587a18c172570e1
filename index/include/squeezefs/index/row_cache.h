#pragma once

#include <cstddef>
#include <cstdint>
#include <unordered_map>

namespace squeezefs::index {

// Facts about inodes (their rows, the bytes their blocks take) read or written through one
// connection, kept so that the attribute lookups of a mounted file system (nearly every request
// names an inode, often several) do not each run a query. Write-through: Index updates or drops
// an entry after each of its statements that changed what the entry says. A change rolled back
// afterwards would leave a stale entry, so the cache empties itself whenever its connection
// undid anything (see Db::undo_count). Bounded: past kMaxRows it forgets an arbitrary entry.
// Not thread-safe, like the connection it serves.
template <class Value>
class RowCache {
 public:
  static constexpr std::size_t kMaxRows = std::size_t{1} << 15;

  // Forgets every entry if `undo_count` moved since the last call.
  void follow(std::uint64_t undo_count) {
    if (undo_count == undo_seen_) return;
    rows_.clear();
    undo_seen_ = undo_count;
  }
  [[nodiscard]] const Value* find(std::uint64_t ino) const {
    const auto it = rows_.find(ino);
    return it == rows_.end() ? nullptr : &it->second;
  }
  void put(std::uint64_t ino, const Value& value) {
    if (rows_.size() >= kMaxRows && !rows_.contains(ino)) rows_.erase(rows_.begin());
    rows_.insert_or_assign(ino, value);
  }
  void erase(std::uint64_t ino) { rows_.erase(ino); }
  [[nodiscard]] std::size_t size() const { return rows_.size(); }

 private:
  std::unordered_map<std::uint64_t, Value> rows_;
  std::uint64_t undo_seen_ = 0;
};

}  // namespace squeezefs::index
