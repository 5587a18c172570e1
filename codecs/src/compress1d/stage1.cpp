#include "stage1.h"

#include <array>
#include <bit>
#include <cstdint>
#include <cstring>

namespace squeezefs::codecs::compress1d {

void pack(std::span<const std::byte> in, std::span<std::byte> e) noexcept {
  const std::size_t n = in.size();
  const auto* src = reinterpret_cast<const std::uint8_t*>(in.data());
  auto* low = reinterpret_cast<std::uint8_t*>(e.data());
  std::uint8_t* msb = low + n;
  std::size_t i = 0;
  for (; i + 7 <= n; i += 7) {
    unsigned m = 0;
    for (unsigned j = 0; j < 7; ++j) {
      const unsigned b = src[i + j];
      low[i + j] = static_cast<std::uint8_t>(b & 0x7FU);
      m |= (b >> 7) << (6 - j);
    }
    *msb++ = static_cast<std::uint8_t>(m);
  }
  if (i < n) {
    unsigned m = 0;
    for (unsigned j = 0; i + j < n; ++j) {
      const unsigned b = src[i + j];
      low[i + j] = static_cast<std::uint8_t>(b & 0x7FU);
      m |= (b >> 7) << (6 - j);
    }
    *msb = static_cast<std::uint8_t>(m);
  }
}

namespace {

// For each M byte, the 0x80 bits it puts back into its group's 7 bytes, as a little-endian word.
constexpr std::array<std::uint64_t, 128> make_msb_spread() {
  std::array<std::uint64_t, 128> table{};
  for (unsigned m = 0; m < 128; ++m) {
    for (unsigned j = 0; j < 7; ++j) {
      if (((m >> (6 - j)) & 1U) != 0) table[m] |= std::uint64_t{0x80} << (8 * j);
    }
  }
  return table;
}

constexpr std::array<std::uint64_t, 128> kMsbSpread = make_msb_spread();

}  // namespace

bool unpack(std::span<const std::byte> e, std::span<std::byte> out) noexcept {
  const std::size_t n = out.size();
  const auto* low = reinterpret_cast<const std::uint8_t*>(e.data());
  const std::uint8_t* msb = low + n;
  auto* dst = reinterpret_cast<std::uint8_t*>(out.data());
  std::size_t i = 0;
  if constexpr (std::endian::native == std::endian::little) {
    // Whole groups 8 bytes at a time: low[i + 7] is still inside `e` (the MSB chunk follows).
    for (; i + 7 <= n; i += 7) {
      std::uint64_t word;
      std::memcpy(&word, low + i, sizeof word);
      word |= kMsbSpread[*msb++ & 0x7FU];
      std::memcpy(dst + i, &word, 7);
    }
  }
  for (; i + 7 <= n; i += 7) {
    const unsigned m = *msb++;
    for (unsigned j = 0; j < 7; ++j) {
      dst[i + j] = static_cast<std::uint8_t>(low[i + j] | (((m >> (6 - j)) & 1U) << 7));
    }
  }
  if (i < n) {
    const unsigned k = static_cast<unsigned>(n - i);
    const unsigned m = *msb;
    if ((m & ((1U << (7 - k)) - 1U)) != 0) return false;  // unused bits must be 0
    for (unsigned j = 0; j < k; ++j) {
      dst[i + j] = static_cast<std::uint8_t>(low[i + j] | (((m >> (6 - j)) & 1U) << 7));
    }
  }
  return true;
}

}  // namespace squeezefs::codecs::compress1d
