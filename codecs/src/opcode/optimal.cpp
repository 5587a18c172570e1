#include "optimal.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>
#include <cstring>
#include <vector>

#include "emitter.h"
#include "patterns.h"

namespace squeezefs::codecs::opcode {
namespace {

// The parse tables cost about 24 bytes per bit; segments bound them to ~24 MiB.
constexpr std::size_t kSegmentBits = std::size_t{1} << 20;
constexpr unsigned kHashBits = 18;
constexpr unsigned kWays = 8;
constexpr std::size_t kPrefetchAhead = 16;
// Hashed window length. Uniform windows are not hashed: fills code runs, and the distances of
// recent long copies are retried everywhere anyway (a scan line above a blank stretch).
constexpr unsigned kKeyBits = 48;
constexpr int kMinTransitions = 1;
constexpr int kDenseTransitions = 16;
constexpr std::size_t kMinCopy = 40;
// After a copy this long, positions inside it are not searched: long repeats would make the
// search quadratic, and a copy that long is rarely beaten from inside.
constexpr std::size_t kNiceCopy = 4096;
// Copies at least this long put their distance among the recent ones.
constexpr std::size_t kRecentCopy = 128;
constexpr std::uint32_t kNone = ~std::uint32_t{0};
constexpr std::uint32_t kInf = ~std::uint32_t{0};
constexpr unsigned kRepeatSlot = 0;
constexpr unsigned kFirstPatternSlot = 2;
constexpr std::size_t kPatternSlots = 2;
constexpr std::uint64_t kMaxLen = 0xFFFFFFFFULL;

std::uint32_t len_cost(std::size_t value) noexcept {
  return len_field_bits(value);
}

// The input with 64-bit MSB-first loads at any bit position (zero padded past the end).
class BitView {
 public:
  explicit BitView(const Bits& bits) : n_(bits.size()), data_(bits.bytes()) {
    data_.resize(data_.size() + 24, 0);
  }
  [[nodiscard]] std::size_t size() const noexcept { return n_; }
  [[nodiscard]] std::uint64_t load(std::size_t p) const noexcept {
    const std::uint8_t* at = data_.data() + (p >> 3);
    std::uint64_t w = 0;
    std::memcpy(&w, at, 8);
    if constexpr (std::endian::native == std::endian::little) w = __builtin_bswap64(w);
    const unsigned s = p & 7;
    if (s != 0) w = (w << s) | (static_cast<std::uint64_t>(at[8]) >> (8 - s));
    return w;
  }
  [[nodiscard]] unsigned bit(std::size_t p) const noexcept {
    return (static_cast<unsigned>(data_[p >> 3]) >> (7 - (p & 7))) & 1U;
  }
  // Number of equal bits at a and b, at most limit.
  [[nodiscard]] std::size_t common(std::size_t a, std::size_t b, std::size_t limit) const noexcept {
    std::size_t m = 0;
    while (m < limit) {
      const std::uint64_t x = load(a + m) ^ load(b + m);
      if (x != 0) return std::min(limit, m + static_cast<std::size_t>(std::countl_zero(x)));
      m += 64;
    }
    return limit;
  }
  // End of the run of equal bits starting at p, at most limit.
  [[nodiscard]] std::size_t run_end(std::size_t p, std::size_t limit) const noexcept {
    const std::uint64_t flip = bit(p) != 0 ? ~std::uint64_t{0} : 0;
    for (std::size_t q = p; q < limit; q += 64) {
      const std::uint64_t x = load(q) ^ flip;
      if (x != 0) return std::min(limit, q + static_cast<std::size_t>(std::countl_zero(x)));
    }
    return limit;
  }

 private:
  std::size_t n_;
  std::vector<std::uint8_t> data_;
};

// Most recent positions of each hashed 48-bit window, at any bit offset.
class MatchFinder {
 public:
  MatchFinder() : table_((std::size_t{1} << kHashBits) * kWays, kNone) {}
  // Calls f(candidate) for earlier positions whose window hashes like p's, then records p.
  template <class F>
  void visit(const BitView& view, std::size_t p, F&& f) {
    std::uint32_t* bucket = bucket_of(view, p);
    if (bucket == nullptr) return;
    for (unsigned w = 0; w < kWays && bucket[w] != kNone; ++w) f(bucket[w]);
    for (unsigned w = kWays - 1; w > 0; --w) bucket[w] = bucket[w - 1];
    bucket[0] = static_cast<std::uint32_t>(p);
  }
  // The table is far bigger than the caches: fetch the bucket of a later position early.
  void prefetch(const BitView& view, std::size_t p) {
    if (const std::uint32_t* bucket = bucket_of(view, p); bucket != nullptr) {
      __builtin_prefetch(bucket);
    }
  }

 private:
  std::uint32_t* bucket_of(const BitView& view, std::size_t p) {
    if (p + 64 > view.size()) return nullptr;
    const std::uint64_t key = view.load(p) >> (64 - kKeyBits);
    const std::uint64_t edges = (key ^ (key >> 1)) & ((std::uint64_t{1} << (kKeyBits - 1)) - 1);
    const int transitions = std::popcount(edges);
    if (transitions < kMinTransitions) return nullptr;
    // Dense windows (text, code, tables) repeat at byte distances; searching them at every bit
    // would cost eight times as much for little gain.
    if (transitions >= kDenseTransitions && (p & 7) != 0) return nullptr;
    return &table_[((key * 0x9E3779B97F4A7C15ULL) >> (64 - kHashBits)) * kWays];
  }

  std::vector<std::uint32_t> table_;
};

enum class Edge : std::uint8_t { kLiteral, kFill, kCopy, kRepeat, kPattern };

// How the cheapest path reaches a position at an op boundary: the last op's kind, its length
// in bits and its argument (fill bit, copy distance, or pattern index).
struct Step {
  std::uint32_t length = 0;
  std::uint32_t arg = 0;
  Edge edge = Edge::kLiteral;
};

struct Token {
  Edge edge;
  std::size_t pos;
  std::size_t length;
  std::size_t arg;
};

struct SavedPattern {
  Pattern pattern;
  std::size_t ready = 0;  // bit position where its first occurrence ends and it is saved
};

class OptimalPass {
 public:
  OptimalPass(const Bits& in, Bits& out, EncodeStats& stats, PassBits& bits)
      : in_(in), view_(in), stats_(stats), emit_(out, bits) {
    const auto& bytes = in.bytes();
    const std::size_t nbytes = in.size() / 8;
    for (const Pattern& p : choose_patterns(bytes.data(), nbytes, kPatternSlots)) {
      for (std::size_t q = p.length; q <= nbytes; ++q) {
        if (load_key(bytes.data() + q - p.length, p.length) == p.key) {
          patterns_.push_back({p, 8 * q});
          break;
        }
      }
    }
  }

  void run() {
    const std::size_t n = view_.size();
    for (std::size_t s0 = 0; s0 < n; s0 += kSegmentBits) {
      parse(s0, std::min(n, s0 + kSegmentBits));
    }
    emit_saves_at(n);
    emit_.finish(n);
  }

 private:
  [[nodiscard]] std::size_t next_barrier(std::size_t p) const noexcept {
    std::size_t b = ~std::size_t{0};
    for (const SavedPattern& s : patterns_) {
      if (s.ready > p) b = std::min(b, s.ready);
    }
    return b;
  }

  [[nodiscard]] std::uint32_t barrier_cost(std::size_t p) const noexcept {
    std::uint32_t cost = 0;
    for (const SavedPattern& s : patterns_) {
      if (s.ready == p) cost += 5 + len_cost(8 * s.pattern.length);
    }
    return cost;
  }

  void relax_op(std::size_t i, std::uint32_t cost, Step step) {
    if (cost < cost_op_[i]) {
      cost_op_[i] = cost;
      step_[i] = step;
    }
  }

  // Shortest path over [s0, s1): cost_op_[i] is the cheapest coding of bits before s0+i that
  // ends at an op boundary, cost_lit_[i] the cheapest that ends inside a literal.
  void parse(std::size_t s0, std::size_t s1) {
    const std::size_t m = s1 - s0;
    const std::size_t n = view_.size();
    cost_op_.assign(m + 1, kInf);
    cost_lit_.assign(m + 1, kInf);
    lit_start_.assign(m + 1, 0);
    step_.assign(m + 1, Step{});
    cost_op_[0] = 0;
    std::size_t run_end = s0;
    std::size_t search_from = s0;
    std::size_t barrier = next_barrier(s0);
    for (std::size_t i = 0; i <= m; ++i) {
      const std::size_t p = s0 + i;
      if (cost_lit_[i] < cost_op_[i]) {
        cost_op_[i] = cost_lit_[i];
        step_[i] = Step{};
      }
      if (p == barrier) {
        // A pattern is saved here: ops end at p and the literal restarts after the save.
        cost_op_[i] += barrier_cost(p);
        cost_lit_[i] = kInf;
        barrier = next_barrier(p);
      }
      if (i == m) break;
      const std::uint32_t base = cost_op_[i];
      // Literals: 13 header bits (8 more from 256 and 65536 bits on) plus one bit per bit.
      if (base + 14 < cost_lit_[i + 1]) {
        cost_lit_[i + 1] = base + 14;
        lit_start_[i + 1] = static_cast<std::uint32_t>(i);
      }
      if (cost_lit_[i] != kInf) {
        const std::size_t len = i + 1 - lit_start_[i];
        const std::uint32_t c = cost_lit_[i] + 1 + (len == 256 || len == 65536 ? 8 : 0);
        if (c < cost_lit_[i + 1]) {
          cost_lit_[i + 1] = c;
          lit_start_[i + 1] = lit_start_[i];
        }
      }
      const std::size_t limit = std::min(s1, barrier);
      if (p >= run_end) run_end = view_.run_end(p, n);
      const std::size_t fill = std::min(run_end, limit) - p;
      relax_op(i + fill, base + 3 + len_cost(fill),
               {static_cast<std::uint32_t>(fill), view_.bit(p), Edge::kFill});
      if (p < search_from) continue;
      const auto consider = [&](std::size_t d) {
        const std::size_t len = view_.common(p - d, p, limit - p);
        if (len < kMinCopy) return;
        if (len >= kNiceCopy) search_from = std::max(search_from, p + len);
        if (len >= kRecentCopy && d != recent_[0]) {
          std::copy_backward(recent_.begin(), recent_.end() - 1, recent_.end());
          recent_[0] = d;
        }
        const std::uint32_t save = 5 + len_cost(d);
        relax_op(i + len, base + save + 8 + len_cost(len),
                 {static_cast<std::uint32_t>(len), static_cast<std::uint32_t>(d), Edge::kCopy});
        if (len >= d) {
          const std::size_t k = std::min<std::size_t>(3, len / d);
          relax_op(
              i + k * d, base + save + static_cast<std::uint32_t>(5 * k),
              {static_cast<std::uint32_t>(k * d), static_cast<std::uint32_t>(d), Edge::kRepeat});
        }
      };
      // Distances that recently gave long copies (the scan line above, a repeated glyph) are
      // tried even where the window is not hashed.
      for (std::size_t r = 0; r < recent_.size(); ++r) {
        const std::size_t d = recent_[r];
        if (d != 0 && d <= p) consider(d);
      }
      finder_.prefetch(view_, p + kPrefetchAhead);
      finder_.visit(view_, p, [&](std::uint32_t from) { consider(p - from); });
      if ((p & 7) == 0) relax_patterns(i, p, limit, base);
    }
    collect(s0, m);
  }

  void relax_patterns(std::size_t i, std::size_t p, std::size_t limit, std::uint32_t base) {
    const auto& bytes = in_.bytes();
    for (std::size_t k = 0; k < patterns_.size(); ++k) {
      const Pattern& pattern = patterns_[k].pattern;
      const std::size_t len = 8 * pattern.length;
      if (patterns_[k].ready <= p && p + len <= limit &&
          load_key(bytes.data() + p / 8, pattern.length) == pattern.key) {
        relax_op(i + len, base + 5,
                 {static_cast<std::uint32_t>(len), static_cast<std::uint32_t>(k), Edge::kPattern});
      }
    }
  }

  // Walks the cheapest path back from the segment's end and emits it forwards.
  void collect(std::size_t s0, std::size_t m) {
    tokens_.clear();
    for (std::size_t i = m; i > 0;) {
      const Step step = step_[i];
      if (step.edge == Edge::kLiteral) {
        const std::size_t start = lit_start_[i];
        tokens_.push_back({Edge::kLiteral, s0 + start, i - start, 0});
        i = start;
      } else {
        tokens_.push_back({step.edge, s0 + i - step.length, step.length, step.arg});
        i -= step.length;
      }
    }
    std::reverse(tokens_.begin(), tokens_.end());
    for (const Token& t : tokens_) {
      emit_saves_at(t.pos);
      emit(t);
    }
  }

  void emit_saves_at(std::size_t p) {
    for (std::size_t k = 0; k < patterns_.size(); ++k) {
      if (patterns_[k].ready != p) continue;
      emit_.op(OpKind::kSave, 2);
      emit_.slot(kFirstPatternSlot + static_cast<unsigned>(k));
      emit_.len(8 * patterns_[k].pattern.length);
      ++stats_.saves;
      ++stats_.patterns;
    }
  }

  void emit(const Token& t) {
    switch (t.edge) {
      case Edge::kLiteral:
        for (std::size_t at = t.pos; at < t.pos + t.length;) {
          const std::size_t chunk = std::min<std::size_t>(t.pos + t.length - at, kMaxLen);
          emit_.op(OpKind::kLiteral, 4);
          emit_.len(chunk);
          emit_.payload(in_, at, chunk);
          ++stats_.literals;
          at += chunk;
        }
        break;
      case Edge::kFill:
        emit_.op(OpKind::kFill, static_cast<unsigned>(t.arg));
        emit_.len(t.length);
        ++stats_.fills;
        break;
      case Edge::kCopy:
        save_repeat(t.arg);
        emit_.op(OpKind::kCopy, 5);
        emit_.slot(kRepeatSlot);
        emit_.inner_op(0);
        emit_.len(t.length);
        ++stats_.xors;
        ++stats_.copies;
        break;
      case Edge::kRepeat:
        save_repeat(t.arg);
        for (std::size_t k = 0; k < t.length / t.arg; ++k) {
          emit_.op(OpKind::kUse, 3);
          emit_.slot(kRepeatSlot);
          ++stats_.uses;
        }
        break;
      case Edge::kPattern:
        emit_.op(OpKind::kUse, 3);
        emit_.slot(kFirstPatternSlot + static_cast<unsigned>(t.arg));
        ++stats_.uses;
        break;
    }
  }

  void save_repeat(std::size_t distance) {
    emit_.op(OpKind::kSave, 2);
    emit_.slot(kRepeatSlot);
    emit_.len(distance);
    ++stats_.saves;
  }

  const Bits& in_;
  BitView view_;
  EncodeStats& stats_;
  Emitter emit_;
  MatchFinder finder_;
  std::vector<SavedPattern> patterns_;
  std::array<std::size_t, 4> recent_{};
  std::vector<std::uint32_t> cost_op_;
  std::vector<std::uint32_t> cost_lit_;
  std::vector<std::uint32_t> lit_start_;
  std::vector<Step> step_;
  std::vector<Token> tokens_;
};

}  // namespace

void encode_pass_optimal(const Bits& in, Bits& out, EncodeStats& stats, PassBits& bits) {
  OptimalPass(in, out, stats, bits).run();
}

}  // namespace squeezefs::codecs::opcode
