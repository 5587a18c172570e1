#include "encoder.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <vector>

#include "bits.h"
#include "optimal.h"
#include "patterns.h"

namespace squeezefs::codecs::opcode {
namespace {

constexpr std::uint64_t kMaxLen = 0xFFFFFFFFULL;
constexpr unsigned kRepeatSlot = 0;
constexpr unsigned kInverseSlot = 1;
constexpr unsigned kFirstPatternSlot = 2;
constexpr std::size_t kPatternSlots = 2;
constexpr std::size_t kMaxDistance = std::size_t{1} << 20;
// Positions are stored 32-bit to keep the table cache-resident; kNone marks an empty entry.
constexpr std::uint32_t kNone = ~std::uint32_t{0};
constexpr std::size_t kMinRun = 16;
constexpr std::size_t kSplitCost = 13;
constexpr std::size_t kMinCopy = 4;
// The optimal parse records bit positions in 32 bits.
constexpr std::size_t kMaxOptimalBits = std::size_t{1} << 31;

class PassEncoder {
 public:
  // Higher levels keep more candidate positions per hash bucket.
  PassEncoder(const Bits& in, Bits& out, int level, EncodeStats& stats)
      : in_(in),
        out_(out),
        stats_(stats),
        ways_(level <= 1   ? 1U
              : level == 2 ? 4U
                           : 8U),
        hash_bits_(level <= 1 ? 14U : 16U),
        last_seen_((std::size_t{1} << hash_bits_) * ways_, kNone) {
    // Pattern slots pay off only with a pre-scan, which the fast level skips.
    if (level >= 2) patterns_ = choose_patterns(in_.bytes().data(), in_.size() / 8, kPatternSlots);
  }

  void run() {
    const std::size_t n = in_.size();
    const auto& bytes = in_.bytes();
    const std::size_t nbytes = (n + 7) / 8;
    std::size_t p = 0;  // bits before p are covered
    // A run of kMinRun >= 16 bits contains a whole 0x00/0xFF byte, so only those bytes start
    // a run search; every byte is also a candidate start for a repeat.
    for (std::size_t q = 0; q < nbytes; ++q) {
      if (8 * q < p) continue;
      const Pattern* pattern = patterns_.empty() ? nullptr : pattern_at(q);

      Match match;
      if (q > 0 && 8 * q + 8 <= n) match = find_match(q);
      // Inside a literal a copy also pays the header of the literal that follows.
      const std::size_t split = 8 * q > literal_start_ ? kSplitCost : 0;
      const std::size_t pattern_profit = pattern != nullptr && 8 * pattern->length > 5 + split
                                             ? 8 * pattern->length - 5 - split
                                             : 0;
      std::size_t match_profit = match.length > 0 && 8 * match.length > match_cost(match) + split
                                     ? 8 * match.length - match_cost(match) - split
                                     : 0;
      // Lazy evaluation: leave byte q to the literal if a copy from q+1 gains more than the
      // byte costs.
      if (match_profit > 0 && 8 * q + 16 <= n) {
        const Match later = find_match(q + 1);
        if (later.length > 0 && 8 * later.length - match_cost(later) > match_profit + 8) {
          match = Match{};
          match_profit = 0;
        }
      }
      // Profitability: a fill pays its op and LEN and, inside a literal, the header of the
      // literal that follows; a run shorter than kMinRun is left to the literal.
      std::size_t fill_profit = 0;
      std::size_t s = 8 * q;
      std::size_t r = 0;
      const unsigned bit = bytes[q] == 0xFF ? 1U : 0U;
      if (bytes[q] == 0x00 || bytes[q] == 0xFF) {
        // Not past the output: a pattern save may have flushed the literal up to q.
        while (s > literal_start_ && in_.get(s - 1) == bit) --s;
        r = run_length(s);
        const std::size_t cost = len_op_cost(r) + (s > literal_start_ ? kSplitCost : 0);
        if (r >= std::max(cost, kMinRun)) fill_profit = r - cost;
      }
      if (pattern_profit > 0 && pattern_profit >= match_profit && pattern_profit >= fill_profit) {
        flush_literal(8 * q);
        put_op(OpKind::kUse, 3);
        out_.put(pattern_slot(*pattern), 2);
        ++stats_.uses;
        p = 8 * (q + pattern->length);
        literal_start_ = p;
      } else if (match_profit > 0 && match_profit >= fill_profit) {
        flush_literal(8 * q);
        emit_match(match);
        p = 8 * (q + match.length);
        literal_start_ = p;
      } else if (fill_profit > 0) {
        flush_literal(s);
        emit_fill(bit, r);
        p = s + r;
        literal_start_ = p;
      } else if (q > 0 && 8 * q + 8 <= n) {
        if (const std::size_t covered = try_inverse(8 * q); covered > 0) p = 8 * q + covered;
      }
    }
    flush_literal(n);
    put_op(OpKind::kTerminate, 7);
    close_op();
    bits_.input_bits = n;
    bits_.output_bits = out_.size();
  }

  [[nodiscard]] const PassBits& bits() const noexcept { return bits_; }

  [[nodiscard]] unsigned pattern_slot(const Pattern& pattern) const noexcept {
    return kFirstPatternSlot + static_cast<unsigned>(&pattern - patterns_.data());
  }

  // Saves each chosen pattern as soon as the output ends with it (flushing the pending literal
  // first), and returns the longest saved pattern starting at byte q, if any.
  const Pattern* pattern_at(std::size_t q) {
    const auto& bytes = in_.bytes();
    const std::size_t nbytes = in_.size() / 8;
    const Pattern* best = nullptr;
    for (Pattern& pattern : patterns_) {
      if (!pattern.saved && q >= pattern.length && q <= nbytes &&
          load_key(bytes.data() + q - pattern.length, pattern.length) == pattern.key) {
        flush_literal(8 * q);
        put_op(OpKind::kSave, 2);
        out_.put(pattern_slot(pattern), 2);
        put_len(8 * pattern.length);
        ++stats_.saves;
        ++stats_.patterns;
        pattern.saved = true;
      }
      if (pattern.saved && q + pattern.length <= nbytes &&
          load_key(bytes.data() + q, pattern.length) == pattern.key &&
          (best == nullptr || pattern.length > best->length)) {
        best = &pattern;
      }
    }
    return best;
  }

  std::size_t run_length(std::size_t p) const {
    const std::size_t n = in_.size();
    const unsigned bit = in_.get(p);
    std::size_t q = p + 1;
    while (q < n && (q & 7) != 0 && in_.get(q) == bit) ++q;
    const std::uint8_t whole = bit != 0 ? 0xFF : 0x00;
    const auto& bytes = in_.bytes();
    while (q + 8 <= n && (q & 7) == 0 && bytes[q / 8] == whole) q += 8;
    while (q < n && in_.get(q) == bit) ++q;
    return q - p;
  }

  // Cost in bits of op + LEN.
  static std::size_t len_op_cost(std::size_t value) noexcept { return 3 + len_field_bits(value); }

  // Back-reference: the bytes at q repeat those d bytes back. `save S 8d` puts the last 8d
  // bits in a slot; whole periods then cost one 5-bit `use` each, and any other length is
  // `101 S` + zero fill, whose output is cycle(slot) cut to the fill's length.
  struct Match {
    std::size_t distance = 0;
    std::size_t length = 0;  // bytes
  };

  [[nodiscard]] std::size_t match_length(std::size_t q, std::size_t d, std::size_t limit) const {
    const auto& bytes = in_.bytes();
    std::size_t m = 0;
    while (m < limit && bytes[q + m] == bytes[q + m - d]) ++m;
    return m;
  }

  static std::size_t match_cost(const Match& m) noexcept {
    const std::size_t save = 5 + len_field_bits(8 * m.distance);
    if (m.length % m.distance == 0 && m.length / m.distance <= 3) {
      return save + 5 * (m.length / m.distance);
    }
    return save + 5 + len_op_cost(8 * m.length);
  }

  Match find_match(std::size_t q) {
    const auto& bytes = in_.bytes();
    const std::size_t nbytes = in_.size() / 8;
    const std::size_t limit = std::min(nbytes - q, kMaxLen / 8);
    Match best;
    std::size_t best_profit = 0;
    const auto consider = [&](std::size_t d) {
      if (d == 0 || d > q || d > kMaxDistance) return;
      // No copy shorter than kMinCopy bytes pays for its save and fill; reject those early.
      if (limit < kMinCopy || std::memcmp(bytes.data() + q, bytes.data() + q - d, kMinCopy) != 0) {
        return;
      }
      const Match m{d, match_length(q, d, limit)};
      const std::size_t cost = match_cost(m);
      if (8 * m.length > cost + best_profit) {
        best_profit = 8 * m.length - cost;
        best = m;
      }
    };
    for (const std::size_t d : recent_) consider(d);
    if (q + 4 <= nbytes) {
      std::uint32_t key = 0;
      std::memcpy(&key, bytes.data() + q, 4);
      const std::size_t h = (key * 2654435761U) >> (32 - hash_bits_);
      std::uint32_t* bucket = &last_seen_[h * ways_];
      for (unsigned w = 0; w < ways_; ++w) {
        if (bucket[w] != kNone) consider(q - bucket[w]);
      }
      for (unsigned w = ways_ - 1; w > 0; --w) bucket[w] = bucket[w - 1];
      bucket[0] = static_cast<std::uint32_t>(q);
    }
    for (const std::size_t d : {std::size_t{1}, std::size_t{2}, std::size_t{4}}) consider(d);
    return best;
  }

  void emit_match(const Match& m) {
    put_op(OpKind::kSave, 2);
    out_.put(kRepeatSlot, 2);
    put_len(8 * m.distance);
    ++stats_.saves;
    if (m.length % m.distance == 0 && m.length / m.distance <= 3) {
      for (std::size_t i = 0; i < m.length / m.distance; ++i) {
        put_op(OpKind::kUse, 3);
        out_.put(kRepeatSlot, 2);
        ++stats_.uses;
      }
    } else {
      put_op(OpKind::kCopy, 5);
      out_.put(kRepeatSlot, 2);
      out_.put(0, 3);
      put_len(8 * m.length);
      ++stats_.xors;
      ++stats_.copies;
    }
    if (recent_[0] != m.distance) {
      for (std::size_t i = recent_.size() - 1; i > 0; --i) recent_[i] = recent_[i - 1];
      recent_[0] = m.distance;
    }
  }

  // The document's "inverse or mate": the bits at p are the complement of the previous d
  // bits, cycled. Save those d bits and emit XOR-modify + ones-fill.
  std::size_t try_inverse(std::size_t p) {
    const auto& bytes = in_.bytes();
    const std::size_t q = p / 8;
    const std::size_t nbytes = in_.size() / 8;
    for (const std::size_t d : {std::size_t{1}, std::size_t{2}, std::size_t{4}}) {
      if (d > q) break;
      // A complemented 0x00/0xFF byte is a plain run; fills code it cheaper.
      if (d == 1 && (bytes[q - 1] == 0x00 || bytes[q - 1] == 0xFF)) continue;
      std::size_t m = 0;
      for (std::size_t j = 0; q + m < nbytes && m < kMaxLen / 8 &&
                              bytes[q + m] == static_cast<std::uint8_t>(~bytes[q - d + j]);) {
        ++m;
        if (++j == d) j = 0;
      }
      if (m * 8 < 64) continue;
      flush_literal(p);
      put_op(OpKind::kSave, 2);
      out_.put(kInverseSlot, 2);
      put_len(d * 8);
      put_op(OpKind::kInverse, 5);
      out_.put(kInverseSlot, 2);
      out_.put(1, 3);
      put_len(m * 8);
      ++stats_.saves;
      ++stats_.xors;
      ++stats_.fills;
      literal_start_ = p + m * 8;
      return m * 8;
    }
    return 0;
  }

  // Starts an op of the given kind; its bits (up to the next op) are charged to that kind.
  void put_op(OpKind kind, unsigned code) {
    close_op();
    kind_ = kind;
    op_start_ = out_.size();
    ++bits_.ops[static_cast<std::size_t>(kind)];
    out_.put(code, 3);
  }

  void close_op() noexcept {
    bits_.bits[static_cast<std::size_t>(kind_)] += out_.size() - op_start_;
    op_start_ = out_.size();
  }

  void put_len(std::uint64_t value) {
    const unsigned bits = len_field_bits(value);
    bits_.len_bits += bits;
    out_.put((bits - 10) / 8, 2);
    out_.put(value, bits - 2);
  }

  void emit_fill(unsigned bit, std::size_t n) {
    while (n > 0) {
      const std::size_t chunk = std::min<std::size_t>(n, kMaxLen);
      put_op(OpKind::kFill, bit);
      put_len(chunk);
      ++stats_.fills;
      n -= chunk;
    }
  }

  void flush_literal(std::size_t end) {
    while (literal_start_ < end) {
      const std::size_t chunk = std::min<std::size_t>(end - literal_start_, kMaxLen);
      put_op(OpKind::kLiteral, 4);
      put_len(chunk);
      out_.append(in_, literal_start_, chunk);
      bits_.literal_payload += chunk;
      ++stats_.literals;
      literal_start_ += chunk;
    }
  }

  const Bits& in_;
  Bits& out_;
  EncodeStats& stats_;
  std::size_t literal_start_ = 0;
  unsigned ways_;
  unsigned hash_bits_;
  std::vector<std::uint32_t> last_seen_;
  std::array<std::size_t, 4> recent_{};
  std::vector<Pattern> patterns_;
  PassBits bits_;
  OpKind kind_ = OpKind::kTerminate;
  std::size_t op_start_ = 0;
};

void add_counts(EncodeStats& into, const EncodeStats& pass) noexcept {
  into.fills += pass.fills;
  into.literals += pass.literals;
  into.saves += pass.saves;
  into.uses += pass.uses;
  into.xors += pass.xors;
  into.copies += pass.copies;
  into.patterns += pass.patterns;
}

}  // namespace

CodecResult encode(std::span<const std::byte> in, std::span<std::byte> out, int level,
                   EncodeStats* stats) {
  EncodeStats local;
  EncodeStats& st = stats != nullptr ? *stats : local;
  const auto* data = reinterpret_cast<const std::uint8_t*>(in.data());
  const unsigned max_passes = level <= 1 ? 4 : 255;
  Bits cur;
  cur.assign_bytes(data, in.size());
  Bits next;
  unsigned passes = 0;
  while (passes < max_passes && !in.empty()) {
    next.clear();
    EncodeStats pass_stats;
    PassBits bits;
    if (level >= 3 && cur.size() < kMaxOptimalBits) {
      encode_pass_optimal(cur, next, pass_stats, bits);
      // The greedy parse still wins on some inputs (its copies may start inside runs the
      // shortest path fills); keep whichever pass is shorter.
      Bits greedy;
      EncodeStats greedy_stats;
      PassEncoder pass(cur, greedy, level, greedy_stats);
      pass.run();
      if (greedy.size() < next.size()) {
        std::swap(next, greedy);
        pass_stats = greedy_stats;
        bits = pass.bits();
      }
    } else {
      PassEncoder pass(cur, next, level, pass_stats);
      pass.run();
      bits = pass.bits();
    }
    // The outermost pass is padded to bytes; an inner one must shrink the bit string.
    if (next.size() >= cur.size()) break;
    add_counts(st, pass_stats);
    st.pass_bits.push_back(bits);
    // The fast level stops after a pass that gains under 1/16: a further pass would gain less
    // still (mostly nothing) and cost as much time.
    const bool small_gain = cur.size() - next.size() < cur.size() / 16;
    std::swap(cur, next);
    ++passes;
    if (level <= 1 && small_gain) break;
  }
  st.passes = passes;
  const std::size_t coded = 1 + (cur.size() + 7) / 8;
  if (passes == 0 || coded > in.size()) {
    if (in.size() + 1 > out.size()) return CodecResult::failure(CodecStatus::kOutputTooSmall);
    out[0] = std::byte{0};
    if (!in.empty()) std::memcpy(out.data() + 1, in.data(), in.size());
    st.passes = 0;
    st.pass_bits.clear();
    return CodecResult::success(in.size() + 1);
  }
  if (coded > out.size()) return CodecResult::failure(CodecStatus::kOutputTooSmall);
  out[0] = static_cast<std::byte>(passes);
  std::memcpy(out.data() + 1, cur.bytes().data(), coded - 1);
  return CodecResult::success(coded);
}

}  // namespace squeezefs::codecs::opcode
