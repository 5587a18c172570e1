#include "stage1.h"

#include <cstdint>

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

bool unpack(std::span<const std::byte> e, std::span<std::byte> out) noexcept {
  const std::size_t n = out.size();
  const auto* low = reinterpret_cast<const std::uint8_t*>(e.data());
  const std::uint8_t* msb = low + n;
  auto* dst = reinterpret_cast<std::uint8_t*>(out.data());
  std::size_t i = 0;
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
