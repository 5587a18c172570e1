#include "encoder.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <vector>

#include "bits.h"

namespace squeezefs::codecs::opcode {
namespace {

constexpr std::uint64_t kMaxLen = 0xFFFFFFFFULL;
constexpr unsigned kRepeatSlot = 0;
constexpr unsigned kInverseSlot = 1;
constexpr unsigned kHashBits = 12;
constexpr std::size_t kMaxPeriod = 4096;
constexpr std::size_t kNone = ~std::size_t{0};
constexpr std::size_t kMinRun = 16;
constexpr std::size_t kSplitCost = 13;

class PassEncoder {
 public:
  PassEncoder(const Bits& in, Bits& out, EncodeStats& stats) : in_(in), out_(out), stats_(stats) {}

  void run() {
    const std::size_t n = in_.size();
    const auto& bytes = in_.bytes();
    const std::size_t nbytes = (n + 7) / 8;
    std::size_t p = 0;  // bits before p are covered
    // A run of kMinRun >= 16 bits contains a whole 0x00/0xFF byte, so only those bytes start
    // a run search; every byte is also a candidate start for a repeat.
    for (std::size_t q = 0; q < nbytes; ++q) {
      if (8 * q < p) continue;
      if (q > 0 && 8 * q + 8 <= n) {
        if (const std::size_t covered = try_repeat(8 * q); covered > 0) {
          p = 8 * q + covered;
          continue;
        }
      }
      if (bytes[q] != 0x00 && bytes[q] != 0xFF) continue;
      const unsigned bit = bytes[q] != 0 ? 1U : 0U;
      std::size_t s = 8 * q;
      while (s > p && in_.get(s - 1) == bit) --s;
      if (s >= n) break;
      const std::size_t r = run_length(s);
      // A fill inside a literal also pays for the header of the literal that follows.
      const std::size_t cost = 3 + len_field_bits(r) + (s > literal_start_ ? kSplitCost : 0);
      if (r >= std::max<std::size_t>(cost, kMinRun)) {
        flush_literal(s);
        emit_fill(bit, r);
        p = s + r;
        literal_start_ = p;
      }
    }
    flush_literal(n);
    out_.put(7, 3);
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

  // Periodic data: the bits at p repeat the previous d bits. Cover them by saving the tail and
  // using it, doubling the saved length each step, so a long repeat costs O(log n) ops.
  std::size_t try_repeat(std::size_t p) {
    const auto& bytes = in_.bytes();
    const std::size_t q = p / 8;
    const std::size_t nbytes = in_.size() / 8;
    std::size_t best = 0;
    std::size_t best_d = 0;
    // Longer periods come from a small table of the last place each 4-byte group was seen.
    std::size_t hashed_d = 0;
    if (q + 4 <= nbytes) {
      const std::uint32_t key = static_cast<std::uint32_t>(bytes[q]) << 24 |
                                static_cast<std::uint32_t>(bytes[q + 1]) << 16 |
                                static_cast<std::uint32_t>(bytes[q + 2]) << 8 | bytes[q + 3];
      const std::size_t h = (key * 2654435761U) >> (32 - kHashBits);
      if (last_seen_[h] != kNone && q - last_seen_[h] <= kMaxPeriod) hashed_d = q - last_seen_[h];
      last_seen_[h] = q;
    }
    if (hashed_d > 8) {
      std::size_t m = 0;
      while (q + m < nbytes && bytes[q + m] == bytes[q + m - hashed_d]) ++m;
      m -= m % hashed_d;
      best = m;
      best_d = hashed_d;
    }
    for (const std::size_t d :
         {std::size_t{1}, std::size_t{2}, std::size_t{3}, std::size_t{4}, std::size_t{8}}) {
      if (d > q) break;
      std::size_t m = 0;
      while (q + m < nbytes && bytes[q + m] == bytes[q + m - d]) ++m;
      m -= m % d;
      if (m > best) {
        best = m;
        best_d = d;
      }
    }
    if (best * 8 < 96) return try_inverse(p);
    flush_literal(p);
    const std::size_t period = best_d * 8;
    std::size_t done = 0;
    const std::size_t total = best * 8;
    while (done < total) {
      std::size_t take = std::min(done + period, total - done);
      take = std::min<std::size_t>(take - take % period, kMaxLen - kMaxLen % period);
      out_.put(2, 3);
      out_.put(kRepeatSlot, 2);
      put_len(take);
      out_.put(3, 3);
      out_.put(kRepeatSlot, 2);
      ++stats_.saves;
      ++stats_.uses;
      done += take;
    }
    literal_start_ = p + total;
    return total;
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
      while (q + m < nbytes && m < kMaxLen / 8 &&
             bytes[q + m] == static_cast<std::uint8_t>(~bytes[q - d + m % d])) {
        ++m;
      }
      if (m * 8 < 64) continue;
      flush_literal(p);
      out_.put(2, 3);
      out_.put(kInverseSlot, 2);
      put_len(d * 8);
      out_.put(5, 3);
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

  void put_len(std::uint64_t value) {
    const unsigned bits = len_field_bits(value);
    out_.put((bits - 10) / 8, 2);
    out_.put(value, bits - 2);
  }

  void emit_fill(unsigned bit, std::size_t n) {
    while (n > 0) {
      const std::size_t chunk = std::min<std::size_t>(n, kMaxLen);
      out_.put(bit, 3);
      put_len(chunk);
      ++stats_.fills;
      n -= chunk;
    }
  }

  void flush_literal(std::size_t end) {
    while (literal_start_ < end) {
      const std::size_t chunk = std::min<std::size_t>(end - literal_start_, kMaxLen);
      out_.put(4, 3);
      put_len(chunk);
      out_.append(in_, literal_start_, chunk);
      ++stats_.literals;
      literal_start_ += chunk;
    }
  }

  const Bits& in_;
  Bits& out_;
  EncodeStats& stats_;
  std::size_t literal_start_ = 0;
  std::vector<std::size_t> last_seen_ =
      std::vector<std::size_t>(std::size_t{1} << kHashBits, kNone);
};

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
    PassEncoder(cur, next, st).run();
    // The outermost pass is padded to bytes; an inner one must shrink the bit string.
    if (next.size() >= cur.size()) break;
    std::swap(cur, next);
    ++passes;
  }
  st.passes = passes;
  const std::size_t coded = 1 + (cur.size() + 7) / 8;
  if (passes == 0 || coded > in.size()) {
    if (in.size() + 1 > out.size()) return CodecResult::failure(CodecStatus::kOutputTooSmall);
    out[0] = std::byte{0};
    if (!in.empty()) std::memcpy(out.data() + 1, in.data(), in.size());
    st.passes = 0;
    return CodecResult::success(in.size() + 1);
  }
  if (coded > out.size()) return CodecResult::failure(CodecStatus::kOutputTooSmall);
  out[0] = static_cast<std::byte>(passes);
  std::memcpy(out.data() + 1, cur.bytes().data(), coded - 1);
  return CodecResult::success(coded);
}

}  // namespace squeezefs::codecs::opcode
