#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "byte_stream.h"
#include "frame_format.h"
#include "squeezefs/codecs/codec.h"

namespace squeezefs::tools {

// Writes a framed file (format in frame_format.h) to a sink, one block at a time: memory use is
// bounded by the block size whatever the input size. Usage: write() any number of times, then
// finish() once; a writer destroyed without finish() leaves a truncated frame, which readers
// reject. Not thread-safe. Errors from the sink propagate as exceptions.
class FrameWriter {
 public:
  // `level` must lie in codec.levels(); `block_size` must pass valid_block_size().
  FrameWriter(ByteSink& sink, const codecs::Codec& codec, int level, std::uint32_t block_size);

  void write(std::span<const std::byte> data);
  void finish();

  [[nodiscard]] std::uint64_t block_count() const noexcept { return block_count_; }
  [[nodiscard]] std::uint64_t raw_blocks() const noexcept { return raw_blocks_; }

 private:
  void emit_block();

  ByteSink& sink_;
  const codecs::Codec& codec_;
  int level_;
  std::uint32_t block_size_;
  std::vector<std::byte> pending_;     // raw bytes of the block being filled
  std::vector<std::byte> compressed_;  // scratch for the compressed form
  std::uint64_t total_raw_ = 0;
  std::uint64_t block_count_ = 0;
  std::uint64_t raw_blocks_ = 0;
  bool finished_ = false;
};

}  // namespace squeezefs::tools
