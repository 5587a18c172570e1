#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "byte_stream.h"
#include "frame_format.h"
#include "squeezefs/codecs/codec.h"

namespace squeezefs::tools {

// Reads a framed file (format in frame_format.h) from a source, one block at a time. Every
// structural problem - bad magic, unknown version or codec, impossible lengths, a truncated
// file, a trailer that does not match, bytes after the trailer - and every checksum or
// decompression failure throws FrameError naming the block number (from 0) and the file offset
// of its header. Not thread-safe.
class FrameReader {
 public:
  // Reads and checks the file header; throws FrameError on a bad one.
  explicit FrameReader(ByteSource& source);

  [[nodiscard]] const FileHeader& header() const noexcept { return header_; }
  [[nodiscard]] const codecs::Codec& codec() const noexcept { return *codec_; }

  // Reads the next block's header and stored bytes into `stored` without decompressing.
  // Returns nullopt after a valid trailer (checked against the blocks seen, then end of file).
  [[nodiscard]] std::optional<BlockHeader> next_stored(std::vector<std::byte>& stored);

  // Reads the next block, decompresses it into `raw` (resized) and verifies its checksum.
  // Returns false after a valid trailer.
  [[nodiscard]] bool next_block(std::vector<std::byte>& raw);

  [[nodiscard]] std::uint64_t block_count() const noexcept { return block_count_; }
  [[nodiscard]] std::uint64_t total_raw() const noexcept { return total_raw_; }
  [[nodiscard]] std::uint64_t total_stored() const noexcept { return total_stored_; }
  [[nodiscard]] std::uint64_t raw_blocks() const noexcept { return raw_blocks_; }
  [[nodiscard]] std::uint64_t offset() const noexcept { return offset_; }

 private:
  // Reads exactly out.size() bytes or throws FrameError with `what` as the truncation reason.
  void read_exact(std::span<std::byte> out, const std::string& what);
  [[noreturn]] void fail_block(const std::string& reason) const;

  ByteSource& source_;
  FileHeader header_;
  const codecs::Codec* codec_ = nullptr;
  std::vector<std::byte> stored_;   // scratch for next_block
  std::uint64_t offset_ = 0;        // bytes consumed so far
  std::uint64_t block_offset_ = 0;  // offset of the current block's header
  std::uint64_t block_count_ = 0;
  std::uint64_t total_raw_ = 0;
  std::uint64_t total_stored_ = 0;
  std::uint64_t raw_blocks_ = 0;
  bool ended_ = false;
};

}  // namespace squeezefs::tools
