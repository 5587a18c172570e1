#include "huffman_decode_table.h"

#include <algorithm>
#include <cstring>

namespace squeezefs::codecs::huffman {

void Shape::finish() noexcept {
  levels = internal.size() - 1;
  leaf_base.assign(levels + 2, 0);
  shortest = levels;
  for (std::size_t k = levels; k >= 1; --k) {
    const std::uint32_t below = k + 1 <= levels ? 2 * internal[k] - internal[k + 1] : 0;
    leaf_base[k] = leaf_base[k + 1] + below;
    if (2 * internal[k - 1] > internal[k]) shortest = k;
  }
}

namespace {

// Entry being built: the codes resolved so far.
struct Partial {
  std::array<std::uint8_t, DecodeTable::kMaxSymbols> syms{};
  unsigned count = 0;
  unsigned used = 0;
  unsigned first_length = 0;

  [[nodiscard]] std::uint64_t pack() const noexcept {
    if (count == 0) return 0;
    std::uint32_t word = 0;
    std::memcpy(&word, syms.data(), sizeof word);
    return std::uint64_t{word} << 32 | std::uint64_t{syms[0]} << 24 |
           std::uint64_t{first_length} << 16 | std::uint64_t{count} << 8 | used;
  }
};

class Filler {
 public:
  Filler(const Shape& shape, std::uint64_t* entries) noexcept : shape_(shape), entries_(entries) {}

  // Fills the 2^r entries from `base`, whose first bits decode to `partial`, with every code
  // sequence that fits in the remaining r bits. Each entry is written once.
  void fill(std::size_t base, unsigned r, const Partial& partial) noexcept {
    const std::size_t deepest = std::min<std::size_t>(r, shape_.levels);
    // Indexes below this one start with a code longer than r bits.
    const std::size_t open = std::size_t{shape_.internal[deepest]} << (r - deepest);
    std::fill_n(entries_ + base, open, partial.pack());
    for (std::size_t k = shape_.shortest; k <= deepest; ++k) {
      const unsigned rest = r - static_cast<unsigned>(k);
      Partial next = partial;
      next.syms[next.count] = 0;
      ++next.count;
      next.used += static_cast<unsigned>(k);
      if (partial.count == 0) next.first_length = static_cast<unsigned>(k);
      const bool last = next.count == DecodeTable::kMaxSymbols || rest < shape_.shortest;
      for (std::uint32_t i = shape_.internal[k]; i < 2 * shape_.internal[k - 1]; ++i) {
        next.syms[partial.count] = shape_.leaf(k, i);
        const std::size_t start = base + (std::size_t{i} << rest);
        if (last) {
          std::fill_n(entries_ + start, std::size_t{1} << rest, next.pack());
        } else {
          fill(start, rest, next);
        }
      }
    }
  }

 private:
  const Shape& shape_;
  std::uint64_t* entries_;
};

}  // namespace

DecodeTable::DecodeTable(const Shape& shape, unsigned bits) noexcept : bits_(bits) {
  Filler(shape, entries_.data()).fill(0, bits, Partial{});
}

}  // namespace squeezefs::codecs::huffman
