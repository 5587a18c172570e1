#include "frame_reader.h"

#include <algorithm>
#include <array>

#include "squeezefs/codecs/registry.h"

namespace squeezefs::tools {

FrameReader::FrameReader(ByteSource& source) : source_(source) {
  std::array<std::byte, kFileHeaderSize> bytes{};
  if (source_.read(bytes) != bytes.size()) {
    throw FrameError("corrupt frame: truncated file header (" + std::to_string(kFileHeaderSize) +
                     " bytes expected)");
  }
  offset_ = bytes.size();
  header_ = decode_file_header(bytes);
  codec_ = codecs::find_codec(header_.codec);
  if (codec_ == nullptr) {
    throw FrameError("corrupt frame: unknown codec id " +
                     std::to_string(static_cast<unsigned>(header_.codec)));
  }
  if (!valid_block_size(header_.block_size)) {
    throw FrameError("corrupt frame: invalid block size " + std::to_string(header_.block_size));
  }
}

void FrameReader::read_exact(std::span<std::byte> out, const std::string& what) {
  const std::size_t got = source_.read(out);
  offset_ += got;
  if (got != out.size())
    fail_block("truncated (" + what + " ends at offset " + std::to_string(offset_) + ")");
}

void FrameReader::fail_block(const std::string& reason) const {
  throw FrameError("corrupt frame: block " + std::to_string(block_count_) + " at offset " +
                   std::to_string(block_offset_) + ": " + reason);
}

std::optional<BlockHeader> FrameReader::next_stored(std::vector<std::byte>& stored) {
  if (ended_) return std::nullopt;
  block_offset_ = offset_;
  std::array<std::byte, kBlockHeaderSize> bytes{};
  // The end marker shares its first four bytes (a zero raw length) with a block header.
  read_exact(std::span(bytes).first(4), "block header");
  BlockHeader probe = decode_block_header(bytes);
  if (probe.raw_length == 0) {
    std::array<std::byte, kTrailerSize> trailer_bytes{};
    std::copy_n(bytes.begin(), 4, trailer_bytes.begin());
    read_exact(std::span(trailer_bytes).subspan(4), "trailer");
    const Trailer trailer = decode_trailer(trailer_bytes);
    if (trailer.total_raw != total_raw_ || trailer.block_count != block_count_) {
      fail_block("trailer does not match the blocks (" + std::to_string(trailer.block_count) +
                 " blocks, " + std::to_string(trailer.total_raw) + " bytes recorded)");
    }
    std::array<std::byte, 1> extra{};
    if (source_.read(extra) != 0) fail_block("unexpected data after the trailer");
    ended_ = true;
    return std::nullopt;
  }
  read_exact(std::span(bytes).subspan(4), "block header");
  const BlockHeader header = decode_block_header(bytes);
  if (header.raw_length > header_.block_size) {
    fail_block("raw length " + std::to_string(header.raw_length) + " exceeds the block size");
  }
  if ((header.flags & ~kBlockStoredRaw) != 0) fail_block("unknown flags");
  if (header.stored_raw()
          ? header.stored_length != header.raw_length
          : header.stored_length == 0 || header.stored_length >= header.raw_length) {
    fail_block("invalid stored length " + std::to_string(header.stored_length));
  }
  stored.resize(header.stored_length);
  read_exact(stored, "block data");
  total_raw_ += header.raw_length;
  total_stored_ += header.stored_length;
  if (header.stored_raw()) ++raw_blocks_;
  ++block_count_;
  return header;
}

bool FrameReader::next_block(std::vector<std::byte>& raw) {
  const std::optional<BlockHeader> header = next_stored(stored_);
  if (!header) return false;
  // Failures below belong to the block just read; name it, not its successor.
  --block_count_;
  if (header->stored_raw()) {
    raw.assign(stored_.begin(), stored_.end());
  } else {
    raw.resize(header->raw_length);
    const codecs::CodecResult result = codec_->decompress(stored_, raw);
    if (!result.ok())
      fail_block(std::string("cannot decompress: ") +
                 std::string(codecs::to_string(result.status)));
    if (result.bytes != header->raw_length) {
      fail_block("decompressed to " + std::to_string(result.bytes) + " bytes, expected " +
                 std::to_string(header->raw_length));
    }
  }
  if (block_checksum(raw) != header->checksum) fail_block("checksum mismatch");
  ++block_count_;
  return true;
}

}  // namespace squeezefs::tools
