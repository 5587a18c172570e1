#pragma once
// The lzh encoder: a hash-chain match finder feeding the LZSS block builder.

#include <cstddef>
#include <span>

#include "squeezefs/codecs/bit_writer.h"

namespace squeezefs::codecs::lzh {

inline constexpr int kMinLevel = 1;
inline constexpr int kMaxLevel = 3;
inline constexpr int kDefaultLevel = 1;

// Level 1 is the format's reference parse (greedy longest match, nearest on ties) and its output
// is bit-exact; levels 2 and 3 parse lazily. Writes the padded stream to `out`.
void encode(std::span<const std::byte> in, BitWriter& out, int level);

}  // namespace squeezefs::codecs::lzh
