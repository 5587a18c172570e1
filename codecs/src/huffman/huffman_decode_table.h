#pragma once

// Code shape of a 002 stream and its multi-symbol lookup table.

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace squeezefs::codecs::huffman {

struct Shape {
  std::array<std::uint8_t, 256> symbols{};  // header order
  // internal[k] = I_k, the internal nodes at depth k; internal[0] = 1 and a trailing 0 sits
  // below the deepest level. At depth k nodes 0..I_k-1 are internal, I_k..2*I_(k-1)-1 leaves.
  std::vector<std::uint32_t> internal;
  // leaf_base[k]: header position of depth k's first leaf (the deeper leaves come first).
  std::vector<std::uint32_t> leaf_base;
  std::size_t levels = 0;    // deepest code length
  std::size_t shortest = 0;  // shallowest code length

  // Fills leaf_base and levels once `internal` is complete.
  void finish() noexcept;
  // Symbol of the depth-k leaf at node index idx (idx >= internal[k]).
  [[nodiscard]] std::uint8_t leaf(std::size_t k, std::uint32_t idx) const noexcept {
    return symbols[leaf_base[k] + idx - internal[k]];
  }
};

// Lookup table indexed by the next `bits()` stream bits. An entry resolves every whole code
// (up to four) that fits in the index:
//   bits 0-5   their total code length (low bits, so a shift can use the entry as it is),
//   8-15       their count; 0 when the first code is longer than the index,
//   16-23      the first code's length,
//   24-31      the first symbol,
//   32-63      the symbols in output byte order (store all four bytes, advance by the count).
class DecodeTable {
 public:
  static constexpr unsigned kMaxBits = 12;
  static constexpr unsigned kMaxSymbols = 4;

  DecodeTable(const Shape& shape, unsigned bits) noexcept;

  [[nodiscard]] unsigned bits() const noexcept { return bits_; }
  [[nodiscard]] std::uint64_t operator[](std::uint32_t index) const noexcept {
    return entries_[index];
  }

  static std::uint32_t symbols_of(std::uint64_t e) noexcept {
    return static_cast<std::uint32_t>(e >> 32);
  }
  static unsigned total_length_of(std::uint64_t e) noexcept {
    return static_cast<unsigned>(e) & 0x3FU;
  }
  static unsigned count_of(std::uint64_t e) noexcept {
    return static_cast<unsigned>(e >> 8) & 0xFFU;
  }
  static unsigned first_length_of(std::uint64_t e) noexcept {
    return static_cast<unsigned>(e >> 16) & 0xFFU;
  }
  static std::uint8_t first_symbol_of(std::uint64_t e) noexcept {
    return static_cast<std::uint8_t>(e >> 24);
  }

 private:
  unsigned bits_;
  std::array<std::uint64_t, std::size_t{1} << kMaxBits> entries_;
};

}  // namespace squeezefs::codecs::huffman
