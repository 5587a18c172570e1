#include "frame_format.h"

#include <xxhash.h>

#include <algorithm>
#include <bit>

namespace squeezefs::tools {
namespace {

template <typename T>
void put_le(std::byte* out, T value) {
  for (std::size_t i = 0; i < sizeof(T); ++i) {
    out[i] = static_cast<std::byte>((static_cast<std::uint64_t>(value) >> (8 * i)) & 0xFFU);
  }
}

template <typename T>
T get_le(const std::byte* in) {
  std::uint64_t value = 0;
  for (std::size_t i = 0; i < sizeof(T); ++i) {
    value |= static_cast<std::uint64_t>(std::to_integer<std::uint8_t>(in[i])) << (8 * i);
  }
  return static_cast<T>(value);
}

}  // namespace

bool valid_block_size(std::uint64_t size) noexcept {
  return size >= kMinBlockSize && size <= kMaxBlockSize && std::has_single_bit(size);
}

void encode_file_header(const FileHeader& header, std::span<std::byte, kFileHeaderSize> out) {
  std::transform(kFrameMagic.begin(), kFrameMagic.end(), out.begin(),
                 [](char c) { return static_cast<std::byte>(c); });
  put_le<std::uint16_t>(&out[8], kFrameVersion);
  out[10] = static_cast<std::byte>(header.codec);
  put_le<std::uint8_t>(&out[11], static_cast<std::uint8_t>(static_cast<std::int8_t>(header.level)));
  put_le<std::uint32_t>(&out[12], header.block_size);
}

void encode_block_header(const BlockHeader& header, std::span<std::byte, kBlockHeaderSize> out) {
  put_le<std::uint32_t>(&out[0], header.raw_length);
  put_le<std::uint32_t>(&out[4], header.stored_length);
  out[8] = static_cast<std::byte>(header.flags);
  put_le<std::uint64_t>(&out[9], header.checksum);
}

void encode_trailer(const Trailer& trailer, std::span<std::byte, kTrailerSize> out) {
  put_le<std::uint32_t>(&out[0], 0);
  put_le<std::uint64_t>(&out[4], trailer.total_raw);
  put_le<std::uint64_t>(&out[12], trailer.block_count);
}

FileHeader decode_file_header(std::span<const std::byte, kFileHeaderSize> in) {
  if (!std::equal(kFrameMagic.begin(), kFrameMagic.end(), in.begin(),
                  [](char c, std::byte b) { return static_cast<std::byte>(c) == b; })) {
    throw FrameError("corrupt frame: bad magic (not a squeezefs framed file)");
  }
  const auto version = get_le<std::uint16_t>(&in[8]);
  if (version != kFrameVersion) {
    throw FrameError("corrupt frame: unsupported format version " + std::to_string(version));
  }
  FileHeader header;
  header.codec = static_cast<codecs::CodecId>(std::to_integer<std::uint8_t>(in[10]));
  header.level = static_cast<std::int8_t>(get_le<std::uint8_t>(&in[11]));
  header.block_size = get_le<std::uint32_t>(&in[12]);
  return header;
}

BlockHeader decode_block_header(std::span<const std::byte, kBlockHeaderSize> in) {
  BlockHeader header;
  header.raw_length = get_le<std::uint32_t>(&in[0]);
  header.stored_length = get_le<std::uint32_t>(&in[4]);
  header.flags = std::to_integer<std::uint8_t>(in[8]);
  header.checksum = get_le<std::uint64_t>(&in[9]);
  return header;
}

Trailer decode_trailer(std::span<const std::byte, kTrailerSize> in) {
  return Trailer{get_le<std::uint64_t>(&in[4]), get_le<std::uint64_t>(&in[12])};
}

std::uint64_t block_checksum(std::span<const std::byte> raw) noexcept {
  return XXH3_64bits(raw.data(), raw.size());
}

}  // namespace squeezefs::tools
