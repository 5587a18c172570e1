#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace squeezefs::fs {

// Where a stored (encoded) block's bytes live.
struct StoredLocation {
  std::uint32_t data_file = 0;
  std::uint64_t offset = 0;
  std::uint32_t length = 0;

  bool operator==(const StoredLocation&) const = default;
};

// Append-only storage for encoded blocks, packed back to back. Blocks are never rewritten in
// place; space of dropped blocks is accounted in the index for later compaction.
//
// Thread-safety: implementations are safe to call from several threads.
class BlockStore {
 public:
  BlockStore() = default;
  BlockStore(const BlockStore&) = delete;
  BlockStore& operator=(const BlockStore&) = delete;
  virtual ~BlockStore() = default;

  // Appends `bytes` and returns their location. The bytes are not durable until sync() returns.
  // Throws std::system_error on I/O failure.
  virtual StoredLocation store(std::span<const std::byte> bytes) = 0;

  // Reads the bytes at `location` into `out` (which has location.length bytes). Returns false
  // when they cannot be read completely (missing file, short file); throws on other I/O errors.
  [[nodiscard]] virtual bool load(const StoredLocation& location, std::span<std::byte> out) = 0;

  // Makes every block stored so far durable (fdatasync). Call before committing metadata that
  // references those blocks.
  virtual void sync() = 0;
};

}  // namespace squeezefs::fs
