#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "squeezefs/codecs/codec.h"
#include "squeezefs/common/result.h"
#include "squeezefs/fs/block_store.h"
#include "squeezefs/index/records.h"

namespace squeezefs::fs {

// Turns raw file blocks into stored blocks and back: compression, the "must shrink by 1/8" rule,
// holes for all-zero blocks and XXH3-64 checksums verified on every read.
//
// Thread-safe if the BlockStore is. Durability: write() only appends; the caller must call
// store().sync() before committing index metadata that references the returned BlockRef.
class BlockIo {
 public:
  explicit BlockIo(BlockStore& store) : store_(store) {}

  // Encodes `raw` with `codec` at `level` and appends it. Returns std::nullopt for an all-zero
  // block, which is a hole (nothing stored). A block whose encoding does not save at least 1/8 is
  // stored raw with the `none` codec. I/O failures throw std::system_error.
  [[nodiscard]] std::optional<index::BlockRef> write(std::span<const std::byte> raw,
                                                     const codecs::Codec& codec, int level);

  // Reads block `block` of inode `ino` described by `ref` into `out` (ref.raw_length bytes).
  // A missing or short data file, an unknown codec, a decode failure or a checksum mismatch
  // returns std::errc::io_error and logs one error line naming the inode and block.
  [[nodiscard]] Result<void> read(std::uint64_t ino, std::uint64_t block,
                                  const index::BlockRef& ref, std::span<std::byte> out);

  BlockStore& store() { return store_; }

 private:
  BlockStore& store_;
};

// XXH3-64 of `data`.
[[nodiscard]] std::uint64_t block_checksum(std::span<const std::byte> data);

}  // namespace squeezefs::fs
