#include "squeezefs/fs/memory_block_store.h"

#include <algorithm>
#include <cerrno>
#include <system_error>

namespace squeezefs::fs {

StoredLocation MemoryBlockStore::store(std::span<const std::byte> bytes) {
  const MutexLock lock(mutex_);
  if (!files_[current_].empty() && files_[current_].size() + bytes.size() > file_limit_) ++current_;
  auto& data = files_[current_];
  const StoredLocation loc{current_, data.size(), static_cast<std::uint32_t>(bytes.size())};
  data.insert(data.end(), bytes.begin(), bytes.end());
  return loc;
}

bool MemoryBlockStore::load(const StoredLocation& location, std::span<std::byte> out) {
  const MutexLock lock(mutex_);
  const auto it = files_.find(location.data_file);
  if (it == files_.end() || out.size() != location.length) return false;
  const auto& data = it->second;
  if (location.offset > data.size() || data.size() - location.offset < location.length)
    return false;
  std::copy_n(data.begin() + static_cast<std::ptrdiff_t>(location.offset), location.length,
              out.begin());
  return true;
}

void MemoryBlockStore::sync() {
  ++syncs_;
  if (fail_syncs_) throw std::system_error(EIO, std::generic_category(), "sync of memory store");
}

}  // namespace squeezefs::fs
