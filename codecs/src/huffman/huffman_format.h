#pragma once

// Pieces of the 002 format shared by the encoder, the decoder and the tests.

#include <bit>
#include <cstddef>
#include <cstdint>
#include <span>

#include "squeezefs/codecs/codec.h"

namespace squeezefs::codecs::huffman {

struct FlatCode {
  std::uint32_t bits = 0;
  unsigned length = 0;
};

// Code of leaf v (1-based) in the flat, left-biased tree with n >= 2 leaves: the deeper leaves
// sit on the left.
inline FlatCode flat_code(std::uint32_t n, std::uint32_t v) noexcept {
  const auto depth = static_cast<unsigned>(std::bit_width(n - 1));
  const std::uint32_t deep = 2 * (n - (std::uint32_t{1} << (depth - 1)));
  const std::uint32_t idx = v - 1;
  if (idx < deep) return {idx, depth};
  return {idx - deep + deep / 2, depth - 1};
}

CodecResult encode(std::span<const std::byte> in, std::span<std::byte> out);
CodecResult decode(std::span<const std::byte> in, std::span<std::byte> out);

}  // namespace squeezefs::codecs::huffman
