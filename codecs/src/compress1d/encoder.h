#pragma once

// The compress1d token encoder (stage 2). Only the decoder is normative for this format, so the
// search is ours: runs, strides and series are chosen greedily by how many copies one pair
// covers, and a pair is emitted only when it covers 3 or more bytes (it saves count - 2).

#include <cstddef>
#include <span>

namespace squeezefs::codecs::compress1d {

enum class Search {
  kRuns,     // plain runs only (the document's baseline encoder)
  kStrides,  // runs plus addition series with skip 1..3
  kSeries,   // also power and Fibonacci series
};

struct TokenizeResult {
  std::size_t size = 0;      // token bytes written; never more than the expanded length
  bool used_series = false;  // true when a pair with a nonzero skip was emitted
};

// Tokenizes the expanded bytes `e` into `tokens` (at least e.size() bytes). `e` is used as the
// working stream and is overwritten. The result decodes back to the original `e`.
[[nodiscard]] TokenizeResult tokenize(std::span<std::byte> e, std::span<std::byte> tokens,
                                      Search search) noexcept;

}  // namespace squeezefs::codecs::compress1d
