#include "frame_writer.h"

#include <algorithm>
#include <array>
#include <stdexcept>

namespace squeezefs::tools {

FrameWriter::FrameWriter(ByteSink& sink, const codecs::Codec& codec, int level,
                         std::uint32_t block_size)
    : sink_(sink), codec_(codec), level_(level), block_size_(block_size) {
  if (!valid_block_size(block_size)) throw std::invalid_argument("invalid frame block size");
  pending_.reserve(block_size);
  compressed_.resize(codec.max_compressed_size(block_size));
  std::array<std::byte, kFileHeaderSize> header{};
  encode_file_header(FileHeader{codec.id(), level, block_size}, header);
  sink_.write(header);
}

void FrameWriter::write(std::span<const std::byte> data) {
  while (!data.empty()) {
    const std::size_t take = std::min(data.size(), block_size_ - pending_.size());
    pending_.insert(pending_.end(), data.begin(), data.begin() + static_cast<std::ptrdiff_t>(take));
    data = data.subspan(take);
    if (pending_.size() == block_size_) emit_block();
  }
}

void FrameWriter::finish() {
  if (finished_) return;
  if (!pending_.empty()) emit_block();
  std::array<std::byte, kTrailerSize> trailer{};
  encode_trailer(Trailer{total_raw_, block_count_}, trailer);
  sink_.write(trailer);
  finished_ = true;
}

void FrameWriter::emit_block() {
  BlockHeader header;
  header.raw_length = static_cast<std::uint32_t>(pending_.size());
  header.checksum = block_checksum(pending_);
  const codecs::CodecResult result = codec_.compress(pending_, compressed_, level_);
  // Any failure to shrink (incompressible, output too small, no gain) stores the block raw, so
  // a block never costs more than its raw size plus the header.
  std::span<const std::byte> stored;
  if (result.ok() && result.bytes > 0 && result.bytes < pending_.size()) {
    stored = std::span<const std::byte>(compressed_).first(result.bytes);
  } else {
    header.flags = kBlockStoredRaw;
    stored = pending_;
    ++raw_blocks_;
  }
  header.stored_length = static_cast<std::uint32_t>(stored.size());
  std::array<std::byte, kBlockHeaderSize> encoded{};
  encode_block_header(header, encoded);
  sink_.write(encoded);
  sink_.write(stored);
  total_raw_ += pending_.size();
  ++block_count_;
  pending_.clear();
}

}  // namespace squeezefs::tools
