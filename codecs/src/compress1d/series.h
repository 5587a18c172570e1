#pragma once

// Logic-byte decoding shared by the compress1d encoder and decoder (specs/CODECS.md, 001).
// LOGIC = 1 ccc tt ss: count = ccc + 1, series type tt, skip ss. A pair emits `count` copies of
// its value with gap g_i (i = 1 .. count-1) bytes of the following output after copy i.

#include <array>
#include <cstddef>
#include <cstdint>

namespace squeezefs::codecs::compress1d {

inline constexpr std::uint8_t kFlag = 0x80;
inline constexpr std::size_t kMaxCount = 8;

enum class SeriesType : std::uint8_t { kAddition = 0, kPower = 1, kFibonacci = 2, kReserved = 3 };

struct SeriesShape {
  bool valid = false;           // false for the reserved type 11
  std::uint8_t count = 0;       // copies of the value, 1..8
  std::uint16_t total_gap = 0;  // sum of the gaps: bytes of the following output interleaved
  std::array<std::uint16_t, kMaxCount - 1> gaps{};  // gaps[i-1] = g_i
};

[[nodiscard]] constexpr std::uint16_t series_gap(SeriesType type, unsigned skip, unsigned i) {
  if (skip == 0) return 0;  // "00 means don't skip" for every type: a plain run
  switch (type) {
    case SeriesType::kAddition:
      return static_cast<std::uint16_t>(skip);
    case SeriesType::kPower: {
      unsigned g = 1;
      for (unsigned k = 0; k < skip; ++k) g *= i;
      return static_cast<std::uint16_t>(g);
    }
    case SeriesType::kFibonacci: {
      unsigned a = 1;  // F(1) = F(2) = 1
      unsigned b = 1;
      for (unsigned k = 2; k < i; ++k) {
        const unsigned c = a + b;
        a = b;
        b = c;
      }
      return static_cast<std::uint16_t>(skip * b);
    }
    case SeriesType::kReserved:
      break;
  }
  return 0;
}

[[nodiscard]] constexpr std::uint8_t logic_byte(unsigned count, SeriesType type, unsigned skip) {
  return static_cast<std::uint8_t>(kFlag | ((count - 1) << 4) | (static_cast<unsigned>(type) << 2) |
                                   skip);
}

// Indexed by the logic byte's low 7 bits.
[[nodiscard]] constexpr std::array<SeriesShape, 128> make_series_table() {
  std::array<SeriesShape, 128> table{};
  for (unsigned code = 0; code < 128; ++code) {
    SeriesShape& shape = table[code];
    const auto type = static_cast<SeriesType>((code >> 2) & 3U);
    const unsigned skip = code & 3U;
    shape.count = static_cast<std::uint8_t>((code >> 4) + 1);
    shape.valid = type != SeriesType::kReserved;
    if (!shape.valid) continue;
    unsigned total = 0;
    for (unsigned i = 1; i < shape.count; ++i) {
      shape.gaps[i - 1] = series_gap(type, skip, i);
      total += shape.gaps[i - 1];
    }
    shape.total_gap = static_cast<std::uint16_t>(total);
  }
  return table;
}

inline constexpr std::array<SeriesShape, 128> kSeriesTable = make_series_table();

// Largest span one pair can cover: power type, skip 3, count 8 (784 gap bytes + 8 copies).
inline constexpr std::size_t kMaxPairSpan = 792;
static_assert(kSeriesTable[0x7F & logic_byte(8, SeriesType::kPower, 3)].total_gap + 8 ==
              kMaxPairSpan);

}  // namespace squeezefs::codecs::compress1d
