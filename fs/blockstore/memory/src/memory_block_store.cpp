#include "squeezefs/blockstore/memory/memory_block_store.h"

#include <algorithm>
#include <map>
#include <vector>

#include "squeezefs/common/mutex.h"

namespace squeezefs::blockstore {

class MemoryBlockStore::Media {
 public:
  Mutex mutex;
  std::map<std::uint64_t, std::vector<std::byte>> blocks GUARDED_BY(mutex);  // by offset
  std::vector<std::uint64_t> unsynced GUARDED_BY(mutex);  // offsets put since the last sync
  std::uint64_t next_offset GUARDED_BY(mutex) = 1;        // never goes back, not even on crash
  std::uint64_t used_bytes GUARDED_BY(mutex) = 0;
  std::uint64_t total_bytes GUARDED_BY(mutex) = std::uint64_t{1} << 40;
};

namespace {

void fail_if(const std::atomic<int>& kind, const char* what) {
  if (const int k = kind.load(); k != 0)
    throw StorageError(static_cast<StorageErrc>(k),
                       std::string(what) + " failed (as set by a test)");
}

int encode(std::optional<StorageErrc> kind) {
  return kind ? static_cast<int>(*kind) : 0;
}

}  // namespace

MemoryBlockStore::MemoryBlockStore() : MemoryBlockStore(std::make_shared<Media>()) {}

MemoryBlockStore::MemoryBlockStore(std::shared_ptr<Media> media) : media_(std::move(media)) {}

MemoryBlockStore::~MemoryBlockStore() = default;

BlockAddress MemoryBlockStore::put(std::span<const std::byte> bytes, const BlockTag& /*tag*/) {
  require_storable(bytes);
  fail_if(fail_puts_, "put of a block in memory");
  const MutexLock lock(media_->mutex);
  const BlockAddress address{0, media_->next_offset++, static_cast<std::uint32_t>(bytes.size())};
  media_->blocks.emplace(address.offset, std::vector<std::byte>(bytes.begin(), bytes.end()));
  media_->unsynced.push_back(address.offset);
  media_->used_bytes += bytes.size();
  return address;
}

GetStatus MemoryBlockStore::get(const BlockAddress& address, std::span<std::byte> out) {
  if (address.group != 0 || out.size() != address.length) return GetStatus::kMissing;
  const MutexLock lock(media_->mutex);
  const auto it = media_->blocks.find(address.offset);
  if (it == media_->blocks.end() || it->second.size() != address.length) return GetStatus::kMissing;
  std::copy(it->second.begin(), it->second.end(), out.begin());
  return GetStatus::kOk;
}

void MemoryBlockStore::sync() {
  ++syncs_;
  fail_if(fail_syncs_, "sync of blocks in memory");
  const MutexLock lock(media_->mutex);
  media_->unsynced.clear();
}

void MemoryBlockStore::release(std::span<const ReleasedBlock> blocks) {
  const MutexLock lock(media_->mutex);
  for (const auto& released : blocks) {
    const auto& address = released.address;
    if (address.group != 0) continue;
    const auto it = media_->blocks.find(address.offset);
    if (it == media_->blocks.end() || it->second.size() != address.length) continue;
    media_->used_bytes -= it->second.size();
    media_->blocks.erase(it);
  }
}

Capacity MemoryBlockStore::capacity() {
  const MutexLock lock(media_->mutex);
  return Capacity{media_->total_bytes,
                  media_->total_bytes - std::min(media_->used_bytes, media_->total_bytes)};
}

void MemoryBlockStore::for_each(
    FunctionRef<void(const BlockAddress&, std::span<const std::byte>)> visit) {
  // One block at a time, visited outside the lock, so that `visit` may call get().
  std::uint64_t next = 0;
  while (true) {
    BlockAddress address;
    std::vector<std::byte> bytes;
    {
      const MutexLock lock(media_->mutex);
      const auto it = media_->blocks.lower_bound(next);
      if (it == media_->blocks.end()) return;
      address = BlockAddress{0, it->first, static_cast<std::uint32_t>(it->second.size())};
      bytes = it->second;
    }
    visit(address, bytes);
    next = address.offset + 1;
  }
}

void MemoryBlockStore::fail_puts(std::optional<StorageErrc> kind) {
  fail_puts_ = encode(kind);
}

void MemoryBlockStore::fail_syncs(std::optional<StorageErrc> kind) {
  fail_syncs_ = encode(kind);
}

bool MemoryBlockStore::corrupt(const BlockAddress& address) {
  const MutexLock lock(media_->mutex);
  const auto it = media_->blocks.find(address.offset);
  if (address.group != 0 || it == media_->blocks.end()) return false;
  it->second.front() ^= std::byte{0xff};
  return true;
}

void MemoryBlockStore::crash() {
  const MutexLock lock(media_->mutex);
  for (const auto offset : media_->unsynced) {
    const auto it = media_->blocks.find(offset);
    if (it == media_->blocks.end()) continue;  // released meanwhile
    media_->used_bytes -= it->second.size();
    media_->blocks.erase(it);
  }
  media_->unsynced.clear();
}

void MemoryBlockStore::set_total_bytes(std::uint64_t total) {
  const MutexLock lock(media_->mutex);
  media_->total_bytes = total;
}

}  // namespace squeezefs::blockstore
