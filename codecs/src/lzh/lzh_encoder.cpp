#include "lzh_encoder.h"

#include <algorithm>
#include <bit>
#include <cstdint>
#include <cstring>
#include <memory>
#include <vector>

#include "lzh_block.h"
#include "lzh_format.h"
#include "lzh_match.h"

namespace squeezefs::codecs::lzh {
namespace {

constexpr unsigned kHashBits = 16;
constexpr std::uint32_t kNoPos = 0xFFFFFFFFU;

// The 8 (4) bytes at `p` as a little-endian value, so that masking keeps the first bytes.
std::uint64_t load64(const std::uint8_t* p) {
  std::uint64_t v = 0;
  std::memcpy(&v, p, 8);
  if constexpr (std::endian::native == std::endian::big) v = __builtin_bswap64(v);
  return v;
}
std::uint32_t load32(const std::uint8_t* p) {
  std::uint32_t v = 0;
  std::memcpy(&v, p, 4);
  if constexpr (std::endian::native == std::endian::big) v = __builtin_bswap32(v);
  return v;
}
// The 3 bytes at `p`, read one by one: `p` may end the input.
std::uint32_t load24(const std::uint8_t* p) {
  return p[0] | std::uint32_t{p[1]} << 8 | std::uint32_t{p[2]} << 16;
}

std::uint32_t hash3(std::uint32_t v) {
  return (v * 2654435761U) >> (32 - kHashBits);
}
std::uint32_t hash5(std::uint64_t v) {
  return static_cast<std::uint32_t>(((v & 0xFFFFFFFFFFULL) * 0xC2B2AE3D27D4EB4FULL) >>
                                    (64 - kHashBits));
}
std::uint32_t hash8(std::uint64_t v) {
  return static_cast<std::uint32_t>((v * 0x9E3779B97F4A7C15ULL) >> (64 - kHashBits));
}

// Length of the common prefix of `a` and `b`, known to be at least `len`, capped at `limit`.
unsigned extend(const std::uint8_t* a, const std::uint8_t* b, unsigned len, unsigned limit) {
  while (len + 8 <= limit) {
    std::uint64_t x = 0;
    std::uint64_t y = 0;
    std::memcpy(&x, a + len, 8);
    std::memcpy(&y, b + len, 8);
    if (x != y) {
      const int bit = std::endian::native == std::endian::little ? std::countr_zero(x ^ y)
                                                                 : std::countl_zero(x ^ y);
      return len + static_cast<unsigned>(bit / 8);
    }
    len += 8;
  }
  while (len < limit && a[len] == b[len]) ++len;
  return len;
}

// Hash chains over 8-, 5- and 3-byte prefixes, each walked nearest first, so that taking only
// strictly longer matches yields the nearest of the longest ones. Every match of 8 or more
// bytes is on the 8-byte chain; only when there is none is the (longer) 5-byte chain walked,
// for lengths 5..7, and only when that finds nothing the 3-byte chain, for lengths 3..4 (it
// stops at the first 4-byte match). The walks are exhaustive within the window unless
// `max_chain` bounds them.
class MatchFinder {
 public:
  explicit MatchFinder(std::span<const std::uint8_t> data)
      : data_(data),
        head3_(std::size_t{1} << kHashBits, kNoPos),
        prev3_(std::make_unique_for_overwrite<std::uint32_t[]>(kWindow)),
        head5_(std::size_t{1} << kHashBits, kNoPos),
        prev5_(std::make_unique_for_overwrite<std::uint32_t[]>(kWindow)),
        head8_(std::size_t{1} << kHashBits, kNoPos),
        prev8_(std::make_unique_for_overwrite<std::uint32_t[]>(kWindow)) {}

  void insert(std::size_t pos) {
    const std::size_t avail = data_.size() - pos;
    if (avail < kMinMatch) return;
    const std::uint8_t* p = data_.data() + pos;
    const auto upos = static_cast<std::uint32_t>(pos);
    const std::size_t slot = pos & (kWindow - 1);
    if (avail >= 8) {
      const std::uint64_t v = load64(p);
      link(head3_[hash3(static_cast<std::uint32_t>(v & 0xFFFFFFU))], prev3_[slot], upos);
      link(head5_[hash5(v)], prev5_[slot], upos);
      link(head8_[hash8(v)], prev8_[slot], upos);
      return;
    }
    link(head3_[hash3(load24(p))], prev3_[slot], upos);
  }

  [[nodiscard]] Match find(std::size_t pos, std::size_t max_chain) const {
    const std::size_t avail = data_.size() - pos;
    if (avail < kMinMatch) return {};
    auto limit = static_cast<unsigned>(std::min<std::size_t>(avail, kMaxMatch));
    const std::uint8_t* cur = data_.data() + pos;
    if (avail >= 8) {
      const std::uint64_t v = load64(cur);
      Match m = walk<8>(head8_[hash8(v)], prev8_.get(), pos, limit, max_chain);
      if (m.length != 0) return m;
      m = walk<5>(head5_[hash5(v)], prev5_.get(), pos, 7, max_chain);
      if (m.length != 0) return m;
      limit = 4;  // no match of 5 or more bytes exists
    }
    // Lengths 3..4 (or up to 7 near the end, where positions join only the 3-byte chain).
    Match best;
    const std::uint32_t first3 = load24(cur);
    std::uint32_t cand = head3_[hash3(first3)];
    while (cand != kNoPos && cand < pos && pos - cand <= kWindow && max_chain-- > 0) {
      const std::uint8_t* p = data_.data() + cand;
      // 4 bytes are readable at `cand`: it is before `pos`, which has 3.
      if ((load32(p) & 0xFFFFFFU) == first3) {
        unsigned len = 3;
        while (len < limit && p[len] == cur[len]) ++len;
        if (len > best.length) {
          best.length = len;
          best.distance = static_cast<unsigned>(pos - cand);
          if (len == limit) break;
        }
      }
      const std::uint32_t next = prev3_[cand & (kWindow - 1)];
      if (next == kNoPos || next >= cand) break;
      cand = next;
    }
    return best;
  }

 private:
  // The longest (nearest on ties) match of at least W bytes on one chain, or length 0.
  template <unsigned W>
  [[nodiscard]] Match walk(std::uint32_t cand, const std::uint32_t* prev, std::size_t pos,
                           unsigned limit, std::size_t budget) const {
    Match best;
    const std::uint8_t* cur = data_.data() + pos;
    const std::uint64_t first = prefix<W>(cur);
    unsigned best_len = W - 1;
    std::uint32_t tail = load32(cur + best_len - 3);  // the 4 bytes ending at best_len
    // Takes `c` if it is longer than the best so far; true once the match reaches the limit.
    const auto consider = [&](std::size_t c) {
      const std::uint8_t* p = data_.data() + c;
      if (load32(p + best_len - 3) != tail || prefix<W>(p) != first) {
        return false;
      }
      const unsigned len = extend(p, cur, W, limit);
      if (len <= best_len) return false;
      best_len = len;
      best.length = len;
      best.distance = static_cast<unsigned>(pos - c);
      if (len == limit) return true;
      tail = load32(cur + len - 3);
      return false;
    };
    // The smallest period (1..4) of cur's first 8 bytes, if any, and the length of the
    // stretch with that period that `cur` starts with.
    unsigned period = 0;
    for (unsigned q = 1; W == 8 && q <= 4 && period == 0; ++q) {
      if (((first ^ (first >> (8 * q))) & (~std::uint64_t{0} >> (8 * q))) == 0) period = q;
    }
    const unsigned stretch =
        period == 0 ? 0 : period + extend(cur, cur + period, 8 - period, limit - period);
    const std::size_t low = pos > kWindow ? pos - kWindow : 0;
    while (cand != kNoPos && cand < pos && pos - cand <= kWindow && budget-- > 0) {
      if (consider(cand)) break;
      if (period != 0 && load64(data_.data() + cand) == first) {
        const std::size_t far = skip_stretch(cand, period, stretch, low, consider);
        if (far == kNoPos) break;
        cand = static_cast<std::uint32_t>(far);
      }
      const std::uint32_t next = prev[cand & (kWindow - 1)];
      if (next == kNoPos || next >= cand) break;
      cand = next;
    }
    return best;
  }

  // `cand` is the nearest candidate in a stretch of period `period` (the smallest period of
  // its first 8 bytes, at most 4, so by Fine and Wilf no other phase of the stretch repeats
  // them), the current string starting with `stretch` such bytes. The positions x of the
  // stretch in the same phase follow `cand` on the chain; x matches min(end - x, stretch)
  // bytes, where `end` ends the stretch, and more only when end - x == stretch. So among them
  // only the nearest with end - x >= stretch (or, if none, the farthest) can beat `cand`:
  // considers it and returns the farthest of the phase, where the walk goes on; kNoPos when
  // the match reached the limit.
  template <typename Consider>
  [[nodiscard]] std::size_t skip_stretch(std::size_t cand, unsigned period, unsigned stretch,
                                         std::size_t low, Consider& consider) const {
    const std::uint8_t* d = data_.data();
    // Past `stretch` bytes the exact end does not matter: `cand` itself is then the pick.
    const auto reach =
        static_cast<unsigned>(std::min<std::size_t>(stretch, data_.size() - cand - period));
    const std::size_t end = cand + period + extend(d + cand, d + cand + period, 8 - period, reach);
    std::size_t start = cand;
    while (start >= low + 8 && load64(d + start - 8) == load64(d + start - 8 + period)) start -= 8;
    while (start > low && d[start - 1] == d[start - 1 + period]) --start;
    const std::size_t farthest = cand - (cand - start) / period * period;
    std::size_t pick = farthest;
    if (end >= start + stretch) {
      const std::size_t target = end - stretch;
      if (target >= cand) return farthest;  // `cand` was the pick
      const std::size_t nearest = cand - (cand - target + period - 1) / period * period;
      if (nearest >= start) pick = nearest;
    }
    if (pick < cand && consider(pick)) return kNoPos;
    return farthest;
  }

  // The first W bytes at `p`, which has 8 readable bytes.
  template <unsigned W>
  [[nodiscard]] static std::uint64_t prefix(const std::uint8_t* p) {
    return load64(p) & (~std::uint64_t{0} >> (64 - 8 * W));
  }

  static void link(std::uint32_t& head, std::uint32_t& prev, std::uint32_t pos) {
    prev = head;
    head = pos;
  }

  std::span<const std::uint8_t> data_;
  std::vector<std::uint32_t> head3_;
  std::unique_ptr<std::uint32_t[]> prev3_;  // written at insertion, read only after
  std::vector<std::uint32_t> head5_;
  std::unique_ptr<std::uint32_t[]> prev5_;  // written at insertion, read only after
  std::vector<std::uint32_t> head8_;
  std::unique_ptr<std::uint32_t[]> prev8_;  // written at insertion, read only after
};

void parse_greedy(std::span<const std::uint8_t> data, MatchFinder& mf, BlockBuilder& bb) {
  constexpr std::size_t kExhaustive = ~std::size_t{0};
  std::size_t pos = 0;
  while (pos < data.size()) {
    const Match m = mf.find(pos, kExhaustive);
    if (m.length >= kMinMatch) {
      bb.run(m.length, m.distance);
      for (std::size_t end = pos + m.length; pos < end; ++pos) mf.insert(pos);
    } else {
      bb.literal(data[pos]);
      mf.insert(pos++);
    }
  }
}

// A rough value of a match in bits: what its bytes would cost as literals minus what its
// distance's extra bits cost; the thresholds below stand for the deferred literals.
int worth(const Match& m) {
  return static_cast<int>(m.length) * 5 - static_cast<int>(std::bit_width(m.distance - 1U));
}
constexpr int kDeferOne = 2;
constexpr int kDeferTwo = 7;

// Lazy parse: a match is deferred while the next position (or, at `lookahead` 2, the one after)
// offers a more valuable one.
void parse_lazy(std::span<const std::uint8_t> data, MatchFinder& mf, BlockBuilder& bb,
                std::size_t max_chain, int lookahead) {
  std::size_t pos = 0;
  Match cur = mf.find(pos, max_chain);
  while (pos < data.size()) {
    if (cur.length < kMinMatch) {
      bb.literal(data[pos]);
      mf.insert(pos++);
      if (pos < data.size()) cur = mf.find(pos, max_chain);
      continue;
    }
    mf.insert(pos);
    Match next = mf.find(pos + 1, max_chain);
    bool defer = next.length >= kMinMatch && worth(next) > worth(cur) + kDeferOne;
    if (!defer && lookahead > 1 && cur.length < 32 && pos + 2 < data.size()) {
      mf.insert(pos + 1);
      const Match after = mf.find(pos + 2, max_chain);
      if (after.length >= kMinMatch && worth(after) > worth(cur) + kDeferTwo) {
        bb.literal(data[pos]);
        bb.literal(data[pos + 1]);
        pos += 2;
        cur = after;
        continue;
      }
      bb.run(cur.length, cur.distance);
      for (std::size_t end = pos + cur.length, p = pos + 2; p < end; ++p) mf.insert(p);
      pos += cur.length;
      if (pos < data.size()) cur = mf.find(pos, max_chain);
      continue;
    }
    if (defer) {
      bb.literal(data[pos]);
      ++pos;
      cur = next;
      continue;
    }
    bb.run(cur.length, cur.distance);
    for (std::size_t end = pos + cur.length, p = pos + 1; p < end; ++p) mf.insert(p);
    pos += cur.length;
    if (pos < data.size()) cur = mf.find(pos, max_chain);
  }
}

}  // namespace

void encode(std::span<const std::byte> in, BitWriter& out, int level) {
  const std::span<const std::uint8_t> data(reinterpret_cast<const std::uint8_t*>(in.data()),
                                           in.size());
  auto builder = std::make_unique<BlockBuilder>(out);
  MatchFinder mf(data);
  if (level <= 1) {
    parse_greedy(data, mf, *builder);
  } else if (level == 2) {
    parse_lazy(data, mf, *builder, 256, 1);
  } else {
    parse_lazy(data, mf, *builder, 4096, 2);
  }
  builder->finish();
  out.finish();
}

}  // namespace squeezefs::codecs::lzh
