#pragma once

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <span>
#include <vector>

#include "squeezefs/codecs/codec.h"
#include "squeezefs/fs/block_io.h"
#include "squeezefs/fs/result.h"
#include "squeezefs/index/index.h"

namespace squeezefs::fs {

// File contents as fixed-size blocks: read, write (read-modify-write of partial blocks) and
// truncate. This version writes through: every write encodes the touched blocks, syncs the data
// files and commits the index in one transaction, so data is durable when write returns. A
// per-inode dirty-block buffer and the decoded-block cache are not part of it yet.
//
// Thread-safety: every operation holds `index_mutex`, the mutex that guards `index` for all its
// users (the Namespace's). Errors: ENOENT for a missing inode, EISDIR for a directory, EINVAL for
// other non-regular files, EFBIG past the maximum size, EIO for unreadable blocks.
class FileData {
 public:
  static constexpr std::uint64_t kMaxFileSize = std::uint64_t{1} << 62;

  FileData(index::Index& index, std::mutex& index_mutex, BlockIo& io, const codecs::Codec& codec,
           int level, std::uint32_t block_size)
      : index_(index),
        mutex_(index_mutex),
        io_(io),
        codec_(codec),
        level_(level),
        block_size_(block_size) {}

  // Up to `size` bytes from `offset`; shorter at end of file, empty past it. Holes read as zeros.
  Result<std::vector<std::byte>> read(std::uint64_t ino, std::uint64_t offset, std::size_t size);
  // Writes all of `data` at `offset`, extending the file; returns the byte count.
  Result<std::size_t> write(std::uint64_t ino, std::uint64_t offset,
                            std::span<const std::byte> data);
  // Sets the size; growing leaves a hole, shrinking frees the blocks past the end.
  Result<void> truncate(std::uint64_t ino, std::uint64_t size);
  // fallocate(PUNCH_HOLE|KEEP_SIZE): the range reads as zeros afterwards and whole blocks inside
  // it are freed; the size does not change.
  Result<void> punch_hole(std::uint64_t ino, std::uint64_t offset, std::uint64_t length);
  // fallocate mode 0: extends the size to offset + length if larger (blocks stay holes, since
  // compressed space cannot be reserved ahead).
  Result<void> allocate(std::uint64_t ino, std::uint64_t offset, std::uint64_t length);
  // lseek SEEK_DATA / SEEK_HOLE at block granularity: the first data (or hole) offset at or
  // after `offset`. ENXIO when `offset` is at or past the end (or no data follows). The end of
  // the file counts as a hole.
  Result<std::uint64_t> seek_data(std::uint64_t ino, std::uint64_t offset);
  Result<std::uint64_t> seek_hole(std::uint64_t ino, std::uint64_t offset);
  // Compressed bytes stored for the file, for st_blocks (rounded up to 512-byte units by callers).
  Result<std::uint64_t> stored_bytes(std::uint64_t ino);

 private:
  Result<index::InodeRecord> regular_locked(std::uint64_t ino);
  // Decodes block `block` into `out` (block_size_ bytes; zeros past its stored length or for
  // holes).
  Result<void> load_locked(std::uint64_t ino, std::uint64_t block, std::span<std::byte> out);
  // Encodes `raw` as block `block`, replacing (and accounting for) the previous version.
  void store_locked(std::uint64_t ino, std::uint64_t block, std::span<const std::byte> raw);
  void free_locked(const index::BlockRef& ref);

  index::Index& index_;
  std::mutex& mutex_;
  BlockIo& io_;
  const codecs::Codec& codec_;
  int level_;
  std::uint32_t block_size_;
};

}  // namespace squeezefs::fs
