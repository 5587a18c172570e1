#pragma once

// An lzh stream writer written from the text of CODECS.md §003 alone, to derive the expected bits
// of streams of several blocks. It shares no code with the codec (no BlockBuilder, make_tree or
// BitWriter): a stream it writes checks the codec's block splitting, tables and items.

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "test_inputs.h"

namespace squeezefs::testing::lzh_spec {

// One LZSS item: a literal byte (symbol < 0x100, offset 0) or a run (symbol 0x100 + length - 3,
// offset = distance - 1).
struct Item {
  unsigned symbol = 0;
  unsigned offset = 0;
};

// The reference parse of §003 (erratum 15): greedy longest match of 3..256 bytes, nearest on
// ties, distances up to 65536. EOF is not included.
[[nodiscard]] std::vector<Item> greedy_items(std::span<const std::byte> in);

// What a block of the stream holds.
struct BlockInfo {
  std::size_t items = 0;                 // SIZE, EOF included
  unsigned c_table_count = 0;            // n of CTABLE, 0 for a single-symbol c table
  unsigned trailing_zero_c_lengths = 0;  // c lengths past the last non-zero one (511 - n)
};

struct Stream {
  Bytes bytes;
  std::vector<BlockInfo> blocks;
};

// The code lengths §003's make_tree gives `freq` (0 for absent symbols; all 0 for a single
// symbol), limited to 16 bits.
[[nodiscard]] std::vector<unsigned> code_lengths(std::span<const std::uint64_t> freq);

// Which c lengths count_t_freq walks. kUpToLastNonZero is §003; kAllNc counts the unsent trailing
// zeros as well, as the encoder did before (for checking that a vector tells the two apart).
enum class TFreqSpan { kUpToLastNonZero, kAllNc };

// Splits `items` into blocks by the 8162 rule, appends EOF and writes every block (§003 "Block
// format"), then pads with zero bits.
[[nodiscard]] Stream write_stream(std::span<const Item> items,
                                  TFreqSpan span = TFreqSpan::kUpToLastNonZero);

}  // namespace squeezefs::testing::lzh_spec
