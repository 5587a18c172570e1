// FileData: fallocate's preallocation and zeroing. Compressed blocks cannot be reserved ahead (a
// block's stored size is known only once it is encoded), so a preallocated range stays a hole;
// what can be promised is that a request the store's disk could never hold fails at once.
#include <algorithm>

#include "squeezefs/fs/file_data.h"

namespace squeezefs::fs {

std::uint64_t FileData::unbacked_bytes(std::uint64_t ino, std::uint64_t offset,
                                       std::uint64_t length) {
  const std::uint64_t end = offset + length;
  const std::uint64_t first = offset / block_size_;
  const std::uint64_t last = (end - 1) / block_size_;
  std::vector<std::uint64_t> backed;
  if (const StatePtr st = find_state(ino)) {
    const std::lock_guard lock(st->mutex);
    for (auto it = st->dirty.lower_bound(first); it != st->dirty.end() && it->first <= last; ++it)
      backed.push_back(it->first);
    for (auto it = st->pending.lower_bound(first); it != st->pending.end() && it->first <= last;
         ++it)
      backed.push_back(it->first);
  }
  {
    const std::lock_guard lock(mutex_);
    for (const auto& entry : index_.blocks(ino, first, last)) backed.push_back(entry.first);
  }
  std::sort(backed.begin(), backed.end());
  backed.erase(std::unique(backed.begin(), backed.end()), backed.end());
  std::uint64_t covered = 0;
  for (const auto block : backed) {
    const std::uint64_t from = std::max(offset, block * block_size_);
    const std::uint64_t to = std::min(end, (block + 1) * block_size_);
    covered += to - from;
  }
  return length - covered;
}

Result<void> FileData::admit_range(std::uint64_t ino, std::uint64_t offset, std::uint64_t length) {
  // The whole range is measured first; the blocks already holding data are looked up only when
  // that does not fit (a large file has many).
  if (space_.fits(dirty_bytes(), length)) return {};
  return admit(unbacked_bytes(ino, offset, length));
}

Result<void> FileData::extend(std::uint64_t ino, std::uint64_t size) {
  auto st = state(ino);
  if (!st) return Unexpected{st.error()};
  {
    StatePtr sp = *st;
    auto lock = lock_live(ino, sp);
    if (!lock) return Unexpected{lock.error()};
    if (size > sp->size) {
      sp->size = size;
      stamp_inode_locked(ino, *sp, settable_size_locked(*sp, size), false);
    }
  }
  forget_if_idle(ino);
  return {};
}

Result<void> FileData::allocate(std::uint64_t ino, std::uint64_t offset, std::uint64_t length,
                                SizeMode size_mode) {
  if (offset > kMaxFileSize || length > kMaxFileSize - offset)
    return fail(std::errc::file_too_large);
  if (auto st = state(ino); !st) return Unexpected{st.error()};
  if (auto ok = admit_range(ino, offset, length); !ok) return ok;
  if (size_mode == SizeMode::kKeep) return {};
  return extend(ino, offset + length);
}

Result<void> FileData::zero_range(std::uint64_t ino, std::uint64_t offset, std::uint64_t length,
                                  SizeMode size_mode) {
  // The same checks and space as an allocation of the range. Bytes past the end are zeros
  // already (truncate leaves none behind): zeroing is punching the part inside the file,
  // buffered blocks and partial blocks at both ends included.
  if (auto ok = allocate(ino, offset, length, SizeMode::kKeep); !ok) return ok;
  if (auto ok = punch_hole(ino, offset, length); !ok) return ok;
  if (size_mode == SizeMode::kKeep) return {};
  return extend(ino, offset + length);
}

}  // namespace squeezefs::fs
