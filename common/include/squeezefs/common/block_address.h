#pragma once

#include <compare>
#include <cstddef>
#include <cstdint>

namespace squeezefs {

// Where a block store put one encoded block. Only a block store mints addresses; everyone else
// compares them, hashes them, records them in metadata and hands them back to the store that
// minted them. A block store never hands out the same address twice in the life of a store (not
// after release, compaction or a restart), so an address names one block's bytes for good: it is
// a valid cache key, and a block's identity never changes.
struct BlockAddress {
  // The unit in which the store reclaims space (a local data file); 0 for stores that reclaim
  // each block on its own.
  std::uint64_t group = 0;
  std::uint64_t offset = 0;  // meaning private to the store
  std::uint32_t length = 0;  // stored (encoded) bytes

  auto operator<=>(const BlockAddress&) const = default;
};

struct BlockAddressHash {
  std::size_t operator()(const BlockAddress& a) const noexcept {
    // Groups are few and offsets within a group distinct, so mixing the two is enough.
    return static_cast<std::size_t>((a.group * 0x9E3779B97F4A7C15ULL) ^ a.offset);
  }
};

// Who a block was written for. Every store is given it; a store may record it beside the block
// (to describe blocks without the metadata) or ignore it.
struct BlockTag {
  std::uint64_t ino = 0;
  std::uint64_t block = 0;      // the block's index in its file
  std::uint64_t write_seq = 0;  // store-wide and increasing; 0 where not yet tracked
};

}  // namespace squeezefs
