#pragma once

// The framed file format written by `squeezefs codec compress` (see README.md, "Framed files").
// All integers are little-endian and fixed-width.
//
//   file header (16 bytes)
//     magic          8 bytes  "SQZFRAME"
//     version        u16      kFrameVersion
//     codec id       u8       squeezefs::codecs::CodecId
//     level          i8       the level the blocks were compressed at (informational)
//     block size     u32      power of two, 4 KiB..16 MiB; every block but the last holds this
//                             many raw bytes
//   block, repeated (17-byte header + stored bytes)
//     raw length     u32      1..block size
//     stored length  u32      equals raw length when stored raw, else 1..raw length - 1
//     flags          u8       bit 0: stored raw (the codec did not shrink the block);
//                             other bits must be zero
//     checksum       u64      XXH3-64 (seed 0) of the raw block data
//     stored bytes
//   trailer (20 bytes)
//     end marker     u32      0 (a raw length of zero)
//     total raw size u64      sum of the raw lengths
//     block count    u64      number of blocks
//   nothing may follow the trailer.
//
// The trailer makes truncation at any offset detectable; the checksums catch corrupt payloads.

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>

#include "squeezefs/codecs/codec_id.h"

namespace squeezefs::tools {

inline constexpr std::array<char, 8> kFrameMagic = {'S', 'Q', 'Z', 'F', 'R', 'A', 'M', 'E'};
inline constexpr std::uint16_t kFrameVersion = 1;
inline constexpr std::size_t kFileHeaderSize = 16;
inline constexpr std::size_t kBlockHeaderSize = 17;
inline constexpr std::size_t kTrailerSize = 20;
inline constexpr std::uint8_t kBlockStoredRaw = 0x01;

inline constexpr std::uint32_t kDefaultBlockSize = 128U * 1024U;
inline constexpr std::uint32_t kMinBlockSize = 4U * 1024U;
inline constexpr std::uint32_t kMaxBlockSize = 16U * 1024U * 1024U;

// True for a power of two in kMinBlockSize..kMaxBlockSize.
[[nodiscard]] bool valid_block_size(std::uint64_t size) noexcept;

struct FileHeader {
  codecs::CodecId codec = codecs::CodecId::kNone;
  int level = 0;
  std::uint32_t block_size = kDefaultBlockSize;
};

struct BlockHeader {
  std::uint32_t raw_length = 0;
  std::uint32_t stored_length = 0;
  std::uint8_t flags = 0;
  std::uint64_t checksum = 0;

  [[nodiscard]] bool stored_raw() const noexcept { return (flags & kBlockStoredRaw) != 0; }
};

struct Trailer {
  std::uint64_t total_raw = 0;
  std::uint64_t block_count = 0;
};

// Raised on a malformed or truncated frame. The message is one line, e.g.
// "corrupt frame: block 3 at offset 393241: checksum mismatch".
class FrameError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Encoders write exactly the sizes above into `out`; decoders read them from `in`.
void encode_file_header(const FileHeader& header, std::span<std::byte, kFileHeaderSize> out);
void encode_block_header(const BlockHeader& header, std::span<std::byte, kBlockHeaderSize> out);
void encode_trailer(const Trailer& trailer, std::span<std::byte, kTrailerSize> out);

// Checks magic and version only; the caller checks the codec id and the block size.
// Throws FrameError naming what is wrong.
[[nodiscard]] FileHeader decode_file_header(std::span<const std::byte, kFileHeaderSize> in);
[[nodiscard]] BlockHeader decode_block_header(std::span<const std::byte, kBlockHeaderSize> in);
[[nodiscard]] Trailer decode_trailer(std::span<const std::byte, kTrailerSize> in);

[[nodiscard]] std::uint64_t block_checksum(std::span<const std::byte> raw) noexcept;

}  // namespace squeezefs::tools
