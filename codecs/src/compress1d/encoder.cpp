#include "encoder.h"

#include <algorithm>
#include <cstdint>
#include <cstring>

#include "series.h"

namespace squeezefs::codecs::compress1d {
namespace {

constexpr std::size_t kMinPairCount = 3;  // a pair costs 2 bytes

struct Candidate {
  std::size_t count = 0;
  std::uint8_t logic = 0;
};

// How many copies of s[p] the series `shape` (a count-8 shape) finds from p, up to 8.
std::size_t series_count(const std::uint8_t* s, std::size_t p, std::size_t m,
                         const SeriesShape& shape, bool guard_runs) noexcept {
  const std::uint8_t v = s[p];
  std::size_t idx = p;
  std::size_t count = 1;
  while (count < kMaxCount) {
    idx += std::size_t{shape.gaps[count - 1]} + 1;
    if (idx >= m || s[idx] != v) break;
    // Taking a copy out of a run of v tends to cost that run more than a sparse series gains.
    if (guard_runs && idx + 1 < m && s[idx + 1] == v) break;
    ++count;
  }
  return count;
}

void consider(Candidate& best, std::size_t count, SeriesType type, unsigned skip) noexcept {
  if (count > best.count) {
    best.count = count;
    best.logic = logic_byte(static_cast<unsigned>(count), type, skip);
  }
}

Candidate best_pair(const std::uint8_t* s, std::size_t p, std::size_t m, Search search) noexcept {
  const std::uint8_t v = s[p];
  const std::size_t limit = std::min(kMaxCount, m - p);
  std::size_t run = 1;
  while (run < limit && s[p + run] == v) ++run;
  Candidate best;
  consider(best, run, SeriesType::kAddition, 0);
  if (search == Search::kRuns || best.count == kMaxCount) return best;
  // The second copy of every gapped series sits at p + 2 .. p + 4; most positions stop here.
  if (p + 4 < m && s[p + 2] != v && s[p + 3] != v && s[p + 4] != v) return best;
  for (unsigned skip = 1; skip <= 3; ++skip) {
    const auto& shape = kSeriesTable[logic_byte(8, SeriesType::kAddition, skip) & 0x7FU];
    consider(best, series_count(s, p, m, shape, false), SeriesType::kAddition, skip);
  }
  if (search != Search::kSeries) return best;
  for (const SeriesType type : {SeriesType::kPower, SeriesType::kFibonacci}) {
    for (unsigned skip = 1; skip <= 3; ++skip) {
      const auto& shape = kSeriesTable[logic_byte(8, type, skip) & 0x7FU];
      consider(best, series_count(s, p, m, shape, true), type, skip);
    }
  }
  return best;
}

// Removes the copies of a gapped pair from the working stream: the bytes between them move
// right so that s[p + count ..] is exactly what the decoder will have after the pair.
void remove_copies(std::uint8_t* s, std::size_t p, const SeriesShape& shape) noexcept {
  std::array<std::size_t, kMaxCount> at{};
  at[0] = p;
  for (std::size_t k = 1; k < shape.count; ++k) at[k] = at[k - 1] + 1 + shape.gaps[k - 1];
  for (std::size_t k = shape.count - 1; k >= 1; --k) {
    const std::size_t gap = shape.gaps[k - 1];
    if (gap != 0) std::memmove(s + at[k - 1] + 1 + (shape.count - k), s + at[k - 1] + 1, gap);
  }
}

}  // namespace

TokenizeResult tokenize(std::span<std::byte> e, std::span<std::byte> tokens,
                        Search search) noexcept {
  auto* s = reinterpret_cast<std::uint8_t*>(e.data());
  auto* t = reinterpret_cast<std::uint8_t*>(tokens.data());
  const std::size_t m = e.size();
  TokenizeResult result;
  std::size_t o = 0;
  std::size_t p = 0;
  while (p < m) {
    const std::uint8_t v = s[p];
    // Fast reject: no run and no series can start here.
    if (p + 4 < m && s[p + 1] != v && s[p + 2] != v && s[p + 3] != v && s[p + 4] != v) {
      t[o++] = v;
      ++p;
      continue;
    }
    const Candidate best = best_pair(s, p, m, search);
    if (best.count < kMinPairCount) {
      t[o++] = v;
      ++p;
      continue;
    }
    t[o++] = best.logic;
    t[o++] = static_cast<std::uint8_t>(kFlag | v);
    const SeriesShape& shape = kSeriesTable[best.logic & 0x7FU];
    if (shape.total_gap != 0) {
      remove_copies(s, p, shape);
      result.used_series = true;
    }
    p += best.count;
  }
  result.size = o;
  return result;
}

}  // namespace squeezefs::codecs::compress1d
