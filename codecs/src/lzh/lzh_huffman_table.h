#pragma once
// Decoding table for one canonical code of at most 16 bits.

#include <array>
#include <cstdint>
#include <span>

#include "lzh_bits.h"
#include "lzh_format.h"

namespace squeezefs::codecs::lzh {

class HuffmanTable {
 public:
  static constexpr unsigned kRootBits = 10;

  // A table whose every code is 0 bits long.
  void set_single(unsigned symbol) noexcept { single_ = static_cast<int>(symbol); }

  // Builds from code lengths; false unless the code is complete (Kraft sum exactly 1).
  [[nodiscard]] bool build(std::span<const std::uint8_t> len) noexcept {
    single_ = -1;
    count_.fill(0);
    for (const std::uint8_t l : len) ++count_[l];
    count_[0] = 0;
    std::uint32_t kraft = 0;
    for (std::size_t l = 1; l <= kMaxCodeLen; ++l) kraft += count_[l] << (kMaxCodeLen - l);
    if (kraft != (1U << kMaxCodeLen)) return false;
    std::array<std::uint16_t, kMaxCodeLen + 2> offs{};
    std::uint32_t code = 0;
    for (std::size_t l = 1; l <= kMaxCodeLen; ++l) {
      first_[l] = code;
      offs_[l] = offs[l];
      offs[l + 1] = static_cast<std::uint16_t>(offs[l] + count_[l]);
      code = (code + count_[l]) << 1;
    }
    std::array<std::uint16_t, kMaxCodeLen + 2> next = offs;
    for (std::size_t s = 0; s < len.size(); ++s) {
      if (len[s] != 0) sorted_[next[len[s]]++] = static_cast<std::uint16_t>(s);
    }
    root_.fill(0);
    for (std::size_t l = 1; l <= kRootBits; ++l) {
      for (std::uint32_t i = 0; i < count_[l]; ++i) {
        const std::uint32_t sym = sorted_[offs_[l] + i];
        const std::uint32_t c = first_[l] + i;
        const std::uint32_t span = 1U << (kRootBits - l);
        const std::uint32_t entry = static_cast<std::uint32_t>(l) << 16 | sym;
        for (std::uint32_t j = 0; j < span; ++j) root_[(c << (kRootBits - l)) + j] = entry;
      }
    }
    return true;
  }

  // Needs at least 16 buffered bits (or the end of input) in `br`.
  [[nodiscard]] unsigned decode(FastBits& br) const noexcept {
    if (single_ >= 0) return static_cast<unsigned>(single_);
    const std::uint32_t bits = br.peek(kMaxCodeLen);
    const std::uint32_t entry = root_[bits >> (kMaxCodeLen - kRootBits)];
    if (entry != 0) {
      br.consume(entry >> 16);
      return entry & 0xFFFFU;
    }
    for (std::size_t l = kRootBits + 1; l <= kMaxCodeLen; ++l) {
      const std::uint32_t c = bits >> (kMaxCodeLen - l);
      if (c - first_[l] < count_[l]) {
        br.consume(static_cast<unsigned>(l));
        return sorted_[offs_[l] + c - first_[l]];
      }
    }
    return 0;  // unreachable for a complete code
  }

 private:
  int single_ = -1;
  std::array<std::uint32_t, kMaxCodeLen + 1> count_{};
  std::array<std::uint32_t, kMaxCodeLen + 1> first_{};
  std::array<std::uint16_t, kMaxCodeLen + 1> offs_{};
  std::array<std::uint16_t, kNc> sorted_{};
  std::array<std::uint32_t, 1U << kRootBits> root_{};
};

}  // namespace squeezefs::codecs::lzh
