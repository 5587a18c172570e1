#pragma once
// Constants of the lzh stream (seed 003, archive_lib: LHA -lh7- layout with an EOF symbol).

#include <cstddef>

namespace squeezefs::codecs::lzh {

inline constexpr int kNc = 511;           // c alphabet: bytes, lengths 3..256, EOF
inline constexpr int kEofSymbol = 0x1FE;  // c symbol ending the stream
inline constexpr int kCbit = 9;
inline constexpr int kNt = 19;  // t alphabet: 0..2 zero runs, 3..18 lengths 1..16
inline constexpr int kTbit = 5;
inline constexpr int kNp = 17;  // p alphabet: bit length of (distance - 1)
inline constexpr int kPbit = 5;
inline constexpr int kMinMatch = 3;
inline constexpr int kMaxMatch = 256;
inline constexpr std::size_t kWindow = 65536;
inline constexpr int kMaxCodeLen = 16;
inline constexpr std::size_t kBufferSize = 8192;
inline constexpr std::size_t kFlushLimit = 8162;  // a group starting here or later flushes

}  // namespace squeezefs::codecs::lzh
