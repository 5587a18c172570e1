#pragma once

#include <cstdint>

namespace squeezefs::codecs {

// Stable numeric codec identifiers. They are written into stores and framed files, so a value,
// once published, is never renumbered or reused.
enum class CodecId : std::uint8_t {
  kNone = 0,
  kZstd = 1,
  kLz4 = 2,
  kZlib = 3,
  kLzh = 4,         // seed 003: LZSS + three static Huffman tables (archive_lib)
  kHuffman = 5,     // seed 002: static Huffman with a compact shape header
  kOpcode = 6,      // seed 000: 3-bit op-code bit stream, multi-pass
  kCompress1d = 7,  // seed 001: 7-bit bytes with logic bytes for runs and series
};

}  // namespace squeezefs::codecs
