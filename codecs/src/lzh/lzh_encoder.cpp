#include "lzh_encoder.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <memory>
#include <vector>

#include "lzh_block.h"
#include "lzh_format.h"

namespace squeezefs::codecs::lzh {
namespace {

constexpr unsigned kHashBits = 15;
constexpr std::uint32_t kNoPos = 0xFFFFFFFFU;

struct Match {
  unsigned length = 0;
  unsigned distance = 0;
};

// Hash chains over 3-byte prefixes. Chains are walked nearest first, so taking only strictly
// longer matches yields the nearest of the longest ones; the walk is exhaustive within the
// window unless `max_chain` bounds it.
class MatchFinder {
 public:
  explicit MatchFinder(std::span<const std::uint8_t> data)
      : data_(data), head_(std::size_t{1} << kHashBits, kNoPos), prev_(kWindow, kNoPos) {}

  void insert(std::size_t pos) {
    if (pos + kMinMatch > data_.size()) return;
    const std::uint32_t h = hash(pos);
    prev_[pos & (kWindow - 1)] = head_[h];
    head_[h] = static_cast<std::uint32_t>(pos);
  }

  [[nodiscard]] Match find(std::size_t pos, std::size_t max_chain) const {
    Match best;
    const std::size_t avail = data_.size() - pos;
    if (avail < kMinMatch) return best;
    const unsigned limit = static_cast<unsigned>(std::min<std::size_t>(avail, kMaxMatch));
    const std::uint8_t* cur = data_.data() + pos;
    unsigned best_len = kMinMatch - 1;
    std::uint32_t cand = head_[hash(pos)];
    while (cand != kNoPos && cand < pos && pos - cand <= kWindow && max_chain-- > 0) {
      const std::uint8_t* p = data_.data() + cand;
      if (p[best_len] == cur[best_len] && p[0] == cur[0] && p[1] == cur[1]) {
        unsigned len = 2;
        while (len < limit && p[len] == cur[len]) ++len;
        if (len > best_len) {
          best_len = len;
          best.length = len;
          best.distance = static_cast<unsigned>(pos - cand);
          if (len == limit) break;
        }
      }
      const std::uint32_t next = prev_[cand & (kWindow - 1)];
      if (next == kNoPos || next >= cand) break;
      cand = next;
    }
    return best;
  }

 private:
  [[nodiscard]] std::uint32_t hash(std::size_t pos) const {
    const std::uint32_t v = static_cast<std::uint32_t>(data_[pos]) << 16 |
                            static_cast<std::uint32_t>(data_[pos + 1]) << 8 | data_[pos + 2];
    return (v * 2654435761U) >> (32 - kHashBits);
  }

  std::span<const std::uint8_t> data_;
  std::vector<std::uint32_t> head_;
  std::vector<std::uint32_t> prev_;
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

// Lazy parse: a match is deferred while the next position (or, at `lookahead` 2, the one after)
// offers a longer one.
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
    bool defer = next.length > cur.length;
    if (!defer && lookahead > 1 && cur.length < 32 && pos + 2 < data.size()) {
      mf.insert(pos + 1);
      const Match after = mf.find(pos + 2, max_chain);
      if (after.length > cur.length + 1) {
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
