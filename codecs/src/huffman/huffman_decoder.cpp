#include <algorithm>
#include <array>
#include <cstring>
#include <vector>

#include "huffman_format.h"

namespace squeezefs::codecs::huffman {
namespace {

constexpr unsigned kTableBits = 11;

// MSB-first reader over a hostile buffer: bits past the end read as zero and `avail` tells
// how many are real.
class Reader {
 public:
  Reader(std::span<const std::byte> in, std::size_t start) noexcept : in_(in), pos_(start) {}

  void refill() noexcept {
    if (avail_ > 56) return;
    if (avail_ <= 55 && in_.size() - pos_ >= 8) {
      std::uint64_t word = 0;
      for (std::size_t i = 0; i < 8; ++i) {
        word = (word << 8) | static_cast<std::uint8_t>(in_[pos_ + i]);
      }
      const unsigned take = (63 - avail_) >> 3;
      window_ |= (word >> (64 - take * 8)) << (64 - avail_ - take * 8);
      pos_ += take;
      avail_ += take * 8;
      return;
    }
    while (avail_ <= 56 && pos_ < in_.size()) {
      window_ |= std::uint64_t{static_cast<std::uint8_t>(in_[pos_++])} << (56 - avail_);
      avail_ += 8;
    }
  }
  [[nodiscard]] unsigned avail() const noexcept { return avail_; }
  [[nodiscard]] std::uint32_t peek(unsigned nbits) const noexcept {  // 1 <= nbits <= 32
    return static_cast<std::uint32_t>(window_ >> (64 - nbits));
  }
  void consume(unsigned nbits) noexcept {
    window_ = nbits >= 64 ? 0 : window_ << nbits;
    avail_ -= nbits;
  }
  // Reads nbits (<= 32) or fails when the stream ends first.
  bool get(unsigned nbits, std::uint32_t& value) noexcept {
    value = 0;
    if (nbits == 0) return true;
    refill();
    if (avail_ < nbits) return false;
    value = peek(nbits);
    consume(nbits);
    return true;
  }
  [[nodiscard]] bool window_is_zero() const noexcept { return window_ == 0; }
  [[nodiscard]] std::span<const std::byte> rest() const noexcept { return in_.subspan(pos_); }

 private:
  std::span<const std::byte> in_;
  std::size_t pos_;
  std::uint64_t window_ = 0;
  unsigned avail_ = 0;
};

// Inverse of flat_code for n >= 2 leaves; returns the 1-based leaf number or 0 on underrun.
std::uint32_t read_flat(Reader& reader, std::uint32_t n) noexcept {
  const auto depth = static_cast<unsigned>(std::bit_width(n - 1));
  const std::uint32_t deep = 2 * (n - (std::uint32_t{1} << (depth - 1)));
  std::uint32_t x = 0;
  if (!reader.get(depth - 1, x)) return 0;
  if (x >= deep / 2) return x - deep / 2 + deep + 1;
  std::uint32_t bit = 0;
  if (!reader.get(1, bit)) return 0;
  return 2 * x + bit + 1;
}

CodecResult decode_single(Reader& reader, std::uint8_t symbol, std::span<std::byte> out) {
  // One-bit code '0': every remaining bit must be zero and stands for one symbol.
  reader.refill();
  const std::size_t bits = reader.avail() + reader.rest().size() * 8;
  if (!reader.window_is_zero()) return CodecResult::failure(CodecStatus::kCorrupt);
  for (const std::byte b : reader.rest()) {
    if (b != std::byte{0}) return CodecResult::failure(CodecStatus::kCorrupt);
  }
  if (bits > out.size()) return CodecResult::failure(CodecStatus::kOutputTooSmall);
  if (bits > 0) std::memset(out.data(), symbol, bits);  // out.data() may be null when empty
  return CodecResult::success(bits);
}

}  // namespace

CodecResult decode(std::span<const std::byte> in, std::span<std::byte> out) {
  if (in.empty()) return CodecResult::success(0);
  const std::size_t u = std::size_t{static_cast<std::uint8_t>(in[0])} + 1;
  if (in.size() < 2 + u) return CodecResult::failure(CodecStatus::kCorrupt);
  std::array<std::uint8_t, 256> symbols{};
  std::array<bool, 256> seen{};
  for (std::size_t i = 0; i < u; ++i) {
    const auto s = static_cast<std::uint8_t>(in[1 + i]);
    // A repeated symbol makes the header ambiguous: reject it.
    if (seen[s]) return CodecResult::failure(CodecStatus::kCorrupt);
    seen[s] = true;
    symbols[i] = s;
  }
  Reader reader(in, 1 + u);
  for (unsigned zeros = 0;; ++zeros) {
    std::uint32_t bit = 0;
    if (zeros > 7 || !reader.get(1, bit)) return CodecResult::failure(CodecStatus::kCorrupt);
    if (bit == 1) break;
  }
  if (u == 1) return decode_single(reader, symbols[0], out);

  // internal[k] = I_k with internal[0] = 1 and a trailing 0 below the deepest level.
  std::vector<std::uint32_t> internal{1};
  if (u == 3) internal.push_back(1);
  if (u >= 4) {
    std::uint32_t total = 1;
    while (total < u - 1) {
      const std::uint32_t v = read_flat(reader, 2 * internal.back());
      if (v == 0) return CodecResult::failure(CodecStatus::kCorrupt);
      total += v;
      if (total > u - 1) return CodecResult::failure(CodecStatus::kCorrupt);
      internal.push_back(v);
    }
  }
  internal.push_back(0);
  const std::size_t levels = internal.size() - 1;  // deepest code length

  // leaf_base[k]: leaves deeper than k, i.e. the header position of depth k's first leaf.
  std::vector<std::uint32_t> leaf_base(levels + 2, 0);
  for (std::size_t k = levels; k >= 1; --k) {
    leaf_base[k] = leaf_base[k + 1] + (k + 1 <= levels ? 2 * internal[k] - internal[k + 1] : 0);
  }
  const unsigned table_bits = static_cast<unsigned>(std::min<std::size_t>(kTableBits, levels));
  // Entry: symbol | length << 8; 0 marks a prefix of a longer code.
  std::array<std::uint16_t, std::size_t{1} << kTableBits> table{};
  for (std::size_t k = 1; k <= table_bits; ++k) {
    for (std::uint32_t i = internal[k]; i < 2 * internal[k - 1]; ++i) {
      const std::uint32_t sym = leaf_base[k] + i - internal[k];
      const auto entry = static_cast<std::uint16_t>(symbols[sym] | (k << 8));
      const unsigned spread = table_bits - static_cast<unsigned>(k);
      const std::size_t from = std::size_t{i} << spread;
      std::fill_n(table.begin() + static_cast<std::ptrdiff_t>(from), std::size_t{1} << spread,
                  entry);
    }
  }

  std::byte* dst = out.data();
  std::byte* const end = dst + out.size();
  for (;;) {
    // Fast path: with 8 input bytes left a refill gives >= 56 bits, enough for 5 short codes.
    while (end - dst >= 5 && reader.rest().size() >= 8) {
      reader.refill();
      bool long_code = false;
      for (int j = 0; j < 5; ++j) {
        const std::uint16_t entry = table[reader.peek(table_bits)];
        if (entry == 0) {
          long_code = true;
          break;
        }
        *dst++ = static_cast<std::byte>(entry & 0xFF);
        reader.consume(entry >> 8U);
      }
      if (long_code) break;
    }
    reader.refill();
    if (reader.avail() == 0) break;
    if (dst == end) return CodecResult::failure(CodecStatus::kOutputTooSmall);
    const std::uint16_t entry = table[reader.peek(table_bits)];
    if (entry != 0) {
      const unsigned len = entry >> 8;
      if (len > reader.avail()) return CodecResult::failure(CodecStatus::kCorrupt);
      *dst++ = static_cast<std::byte>(entry & 0xFF);
      reader.consume(len);
      continue;
    }
    // Long code: continue the idx = 2*idx + bit walk below the table depth.
    if (reader.avail() < table_bits) return CodecResult::failure(CodecStatus::kCorrupt);
    std::uint32_t idx = reader.peek(table_bits);
    reader.consume(table_bits);
    std::size_t k = table_bits;
    for (;;) {
      std::uint32_t bit = 0;
      if (!reader.get(1, bit)) return CodecResult::failure(CodecStatus::kCorrupt);
      ++k;
      idx = 2 * idx + bit;
      if (idx >= internal[k]) break;
    }
    *dst++ = static_cast<std::byte>(symbols[leaf_base[k] + idx - internal[k]]);
  }
  return CodecResult::success(static_cast<std::size_t>(dst - out.data()));
}

}  // namespace squeezefs::codecs::huffman
