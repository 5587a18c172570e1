#pragma once
// The lzh decoder: table-driven Huffman decoding with a 10-bit root table and a canonical
// fallback for longer codes.

#include <cstddef>
#include <span>

#include "squeezefs/codecs/codec.h"

namespace squeezefs::codecs::lzh {

[[nodiscard]] CodecResult decode(std::span<const std::byte> in, std::span<std::byte> out);

}  // namespace squeezefs::codecs::lzh
