#include "tokens.h"

#include <cstdint>
#include <cstring>

#include "series.h"

namespace squeezefs::codecs::compress1d {

std::optional<std::size_t> scan_tokens(std::span<const std::byte> tokens) noexcept {
  const auto* t = reinterpret_cast<const std::uint8_t*>(tokens.data());
  const std::size_t size = tokens.size();
  std::size_t expanded = 0;
  std::size_t i = 0;
  while (i < size) {
    const std::uint8_t b = t[i];
    if (b < kFlag) {
      ++expanded;
      ++i;
      continue;
    }
    if (i + 1 >= size || t[i + 1] < kFlag) return std::nullopt;  // LOGIC without VALUE
    const SeriesShape& shape = kSeriesTable[b & 0x7FU];
    if (!shape.valid) return std::nullopt;
    expanded += shape.count;
    i += 2;
  }
  return expanded;
}

bool expand_tokens(std::span<const std::byte> tokens, std::span<std::byte> e) noexcept {
  const auto* t = reinterpret_cast<const std::uint8_t*>(tokens.data());
  auto* out = reinterpret_cast<std::uint8_t*>(e.data());
  const std::size_t end = e.size();
  std::size_t pos = end;  // out[pos, end) is the expansion of the tokens after i
  std::size_t i = tokens.size();
  while (i > 0) {
    if (t[i - 1] < kFlag) {
      // A stretch of literals lands unchanged in front of what follows.
      std::size_t j = i - 1;
      while (j > 0 && t[j - 1] < kFlag) --j;
      const std::size_t len = i - j;
      if (len > pos) return false;
      pos -= len;
      std::memcpy(out + pos, t + j, len);
      i = j;
      continue;
    }
    // scan_tokens made every maximal run of flagged bytes an even sequence of pairs.
    if (i < 2) return false;
    const std::uint8_t value = t[i - 1] & 0x7FU;
    const SeriesShape& shape = kSeriesTable[t[i - 2] & 0x7FU];
    i -= 2;
    if (!shape.valid || shape.count > pos) return false;
    if (shape.total_gap == 0) {  // a plain run
      if (pos >= 8) {
        // One 8-byte store ending at pos: bytes before the run are not written yet.
        const std::uint64_t word = std::uint64_t{value} * 0x0101010101010101ULL;
        std::memcpy(out + pos - 8, &word, sizeof word);
      } else {
        std::memset(out + pos - shape.count, value, shape.count);
      }
      pos -= shape.count;
      continue;
    }
    if (shape.total_gap > end - pos) return false;  // the series runs past the end
    std::size_t dst = pos - shape.count;
    pos = dst;
    out[dst++] = value;
    std::size_t src = dst + shape.count - 1;
    for (unsigned k = 0; k + 1 < shape.count; ++k) {
      const std::size_t gap = shape.gaps[k];
      if (gap != 0) std::memmove(out + dst, out + src, gap);
      dst += gap;
      src += gap;
      out[dst++] = value;
    }
  }
  return pos == 0;
}

}  // namespace squeezefs::codecs::compress1d
