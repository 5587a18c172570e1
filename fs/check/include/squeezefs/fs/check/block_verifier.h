#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "squeezefs/fs/block_store.h"
#include "squeezefs/index/records.h"

namespace squeezefs::fs::check {

// Reads a stored block, decodes it with its codec and compares the checksum, without logging
// (the check reports problems itself). Not thread-safe: it keeps scratch buffers.
class BlockVerifier {
 public:
  explicit BlockVerifier(BlockStore& store) : store_(store) {}

  // std::nullopt when the block is sound, else why it is not.
  [[nodiscard]] std::optional<std::string> verify(const index::BlockRef& ref);

 private:
  BlockStore& store_;
  std::vector<std::byte> stored_;
  std::vector<std::byte> raw_;
};

}  // namespace squeezefs::fs::check
