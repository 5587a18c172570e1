#include "huffman_decode_table.h"

#include <algorithm>
#include <cstring>

namespace squeezefs::codecs::huffman {

void Shape::finish() noexcept {
  levels = internal.size() - 1;
  leaf_base.assign(levels + 2, 0);
  for (std::size_t k = levels; k >= 1; --k) {
    const std::uint32_t below = k + 1 <= levels ? 2 * internal[k] - internal[k + 1] : 0;
    leaf_base[k] = leaf_base[k + 1] + below;
  }
}

DecodeTable::DecodeTable(const Shape& shape, unsigned bits) noexcept : bits_(bits) {
  // First pass: one symbol per entry (symbol | length << 8; 0 for a prefix of a longer code).
  const std::size_t size = std::size_t{1} << bits;
  std::array<std::uint16_t, std::size_t{1} << kMaxBits> single{};
  const std::size_t short_levels = std::min<std::size_t>(bits, shape.levels);
  for (std::size_t k = 1; k <= short_levels; ++k) {
    const unsigned spread = bits - static_cast<unsigned>(k);
    for (std::uint32_t i = shape.internal[k]; i < 2 * shape.internal[k - 1]; ++i) {
      const auto entry = static_cast<std::uint16_t>(shape.leaf(k, i) | (k << 8));
      std::fill_n(single.begin() + (std::ptrdiff_t{i} << spread), std::size_t{1} << spread, entry);
    }
  }
  // Second pass: append the following codes while they fit in the index.
  const auto mask = static_cast<std::uint32_t>(size - 1);
  for (std::uint32_t x = 0; x < size; ++x) {
    const std::uint16_t first = single[x];
    if (first == 0) {
      entries_[x] = 0;
      continue;
    }
    std::array<std::uint8_t, kMaxSymbols> syms{};
    syms[0] = static_cast<std::uint8_t>(first);
    unsigned count = 1;
    const unsigned first_length = first >> 8U;
    unsigned used = first_length;
    while (count < kMaxSymbols && used < bits) {
      const std::uint16_t next = single[(x << used) & mask];
      const unsigned length = next >> 8U;
      if (next == 0 || length > bits - used) break;
      syms[count++] = static_cast<std::uint8_t>(next);
      used += length;
    }
    std::uint32_t word = 0;
    std::memcpy(&word, syms.data(), sizeof word);
    entries_[x] = word | std::uint64_t{count} << 32 | std::uint64_t{used} << 40 |
                  std::uint64_t{first_length} << 48 | std::uint64_t{syms[0]} << 56;
  }
}

}  // namespace squeezefs::codecs::huffman
