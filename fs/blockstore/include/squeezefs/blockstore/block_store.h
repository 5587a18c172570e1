#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <stdexcept>
#include <string>

#include "squeezefs/common/block_address.h"
#include "squeezefs/common/function_ref.h"

namespace squeezefs::blockstore {

class Compaction;

// Why the space of a block may be reclaimed. The store decides what to do with it (its policy):
// the local store punches holes for kRemoved only and accounts the others.
enum class ReleaseReason {
  kRemoved,          // its inode was removed by a commit that is now durable
  kReplaced,         // overwritten or truncated away by a commit that is now durable
  kNeverReferenced,  // put, but superseded before any commit referenced it
};

struct ReleasedBlock {
  BlockAddress address;
  ReleaseReason reason = ReleaseReason::kRemoved;
};

struct Capacity {
  std::uint64_t total_bytes = 0;
  std::uint64_t available_bytes = 0;  // to unprivileged writers (statvfs f_bavail)
};

enum class GetStatus {
  kOk,       // `out` holds exactly the bytes put at that address
  kMissing,  // nothing readable at that address (unknown, released, lost in a crash, retired)
};

// True when every byte is zero. An all-zero block is a hole and is never stored: stores that
// reclaim space by punching holes read zeros back, and report them as kMissing.
[[nodiscard]] inline bool all_zero(std::span<const std::byte> bytes) {
  return std::all_of(bytes.begin(), bytes.end(), [](std::byte b) { return b == std::byte{0}; });
}

// What every put() checks first: throws std::invalid_argument unless `bytes` is a block a store
// takes (1 .. UINT32_MAX bytes, not all zero). The zero test stops at the first non-zero byte,
// which for an encoded block is almost always the first.
inline void require_storable(std::span<const std::byte> bytes) {
  if (bytes.empty() || bytes.size() > std::numeric_limits<std::uint32_t>::max())
    throw std::invalid_argument("a stored block holds 1 to 4 GiB - 1 bytes");
  if (all_zero(bytes)) throw std::invalid_argument("an all-zero block is a hole, never stored");
}

// Storage for encoded blocks. Blocks are immutable: put() returns a fresh address, and nothing is
// ever rewritten in place. The store never decodes or checks what it stores; the caller's
// checksum does.
//
// Thread-safety: every member may be called from any thread, concurrently. Implementations never
// call back into the core or the metadata store, and their locks are leaves (the local store's
// external id source during the transition is the one exception, see IdSource).
// Errors: put() and sync() throw StorageError (kNoSpace when the medium is full, kIo otherwise);
// std::invalid_argument for a broken caller contract. A block that cannot be found is kMissing,
// never an exception.
class BlockStore {
 public:
  BlockStore() = default;
  BlockStore(const BlockStore&) = delete;
  BlockStore& operator=(const BlockStore&) = delete;
  virtual ~BlockStore() = default;

  // Stores one encoded block: 1 .. UINT32_MAX bytes, not all zero (std::invalid_argument
  // otherwise). The address is one this store never handed out before (see BlockAddress). The
  // block is durable only once a later sync() returns.
  virtual BlockAddress put(std::span<const std::byte> bytes, const BlockTag& tag) = 0;

  // Reads the block at `address` into `out`, which must have address.length bytes. Returns kOk
  // only with exactly the bytes that were put there; kMissing for an address this store never
  // handed out, a released or retired one, or a block that a crash lost (never torn bytes as
  // kOk: see each store for what it can tell). Throws StorageError(kIo) only when the medium
  // fails.
  [[nodiscard]] virtual GetStatus get(const BlockAddress& address, std::span<std::byte> out) = 0;

  // Makes every block put so far durable (for local files: their data and directory entries).
  virtual void sync() = 0;

  // The blocks' space may be reclaimed, now (hole punch) or by compaction. Call only once nothing
  // durable references them. Idempotent for the data (a block released twice stays released);
  // accounting hints count each call, so release each block once. Best effort: a failure is
  // logged and the space stays dead until compaction or fsck. Never throws for a block the store
  // does not know.
  virtual void release(std::span<const ReleasedBlock> blocks) = 0;

  // Space of the medium under the store. available_bytes <= total_bytes.
  [[nodiscard]] virtual Capacity capacity() = 0;
  // For logs and messages: what the store is and where ("local data files in /srv/s/data").
  [[nodiscard]] virtual std::string describe() const = 0;

  // Whether for_each() can list the blocks: false for stores whose containers do not describe the
  // blocks in them (local data files are blocks back to back without framing: their extents live
  // only in the metadata until blocks carry a header of their own).
  [[nodiscard]] virtual bool lists_blocks() const = 0;
  // Calls `visit` once for every block the store holds, live or not yet reclaimed, with its bytes,
  // in the store's order. Blocks put while it runs may or may not be visited. `visit` may call
  // get(), but not put(), release() or sync(). Throws std::logic_error when !lists_blocks().
  virtual void for_each(
      FunctionRef<void(const BlockAddress&, std::span<const std::byte>)> visit) = 0;

  // Present for stores that pack blocks into containers and must rewrite them to reclaim space;
  // null for stores that reclaim each block on its own. Lives as long as the store.
  [[nodiscard]] virtual Compaction* compaction() { return nullptr; }
};

}  // namespace squeezefs::blockstore
