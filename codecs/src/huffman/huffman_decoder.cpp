#include <algorithm>
#include <array>
#include <cstring>

#include "huffman_decode_table.h"
#include "huffman_format.h"
#include "huffman_reader.h"

namespace squeezefs::codecs::huffman {
namespace {

// Small streams do not repay a full-size table.
constexpr std::size_t kSmallStream = 1024;
constexpr unsigned kSmallTableBits = 8;
// Lookups per fast refill: a refill leaves >= 56 bits, enough for four 12-bit indexes.
constexpr int kLookupsPerRefill = 4;
static_assert(kLookupsPerRefill * DecodeTable::kMaxBits <= 56);
constexpr std::ptrdiff_t kFastRoom = kLookupsPerRefill * DecodeTable::kMaxSymbols;

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

// Reads I_1.. until the internal nodes number u - 1; false for a malformed shape.
bool read_shape(Reader& reader, std::size_t u, Shape& shape) {
  shape.internal.assign(1, 1);
  if (u == 3) shape.internal.push_back(1);
  if (u >= 4) {
    std::uint32_t total = 1;
    while (total < u - 1) {
      const std::uint32_t v = read_flat(reader, 2 * shape.internal.back());
      if (v == 0) return false;
      total += v;
      if (total > u - 1) return false;
      shape.internal.push_back(v);
    }
  }
  shape.internal.push_back(0);
  shape.finish();
  return true;
}

struct LongCode {
  std::uint8_t symbol = 0;
  unsigned length = 0;  // 0 when the code is longer than the window's bits
};

// Resolves a code longer than the table from the window alone. Takes values, not references,
// so that the fast path's state stays in registers around this rarely taken call.
LongCode find_long_code(std::uint64_t window, unsigned avail, const Shape& shape,
                        std::size_t table_bits) noexcept {
  const std::size_t last = std::min<std::size_t>(shape.levels, avail);
  for (std::size_t k = table_bits + 1; k <= last; ++k) {
    const auto idx = static_cast<std::uint32_t>(window >> (64 - k));
    if (idx >= shape.internal[k]) return {shape.leaf(k, idx), static_cast<unsigned>(k)};
  }
  return {};
}

// Unchecked fast path: runs while a refill can load 8 bytes and a group of lookups cannot
// overrun the output. Leaves the rest (stream end, over-long codes) to the checked path. The
// index width is a constant so the peek is a constant shift.
template <unsigned kBits>
void decode_fast(Reader& reader, const Shape& shape, const DecodeTable& table, std::byte*& dst,
                 std::byte* end) noexcept {
  // Work on copies: a store through the output may alias anything reached by reference,
  // which would keep the window and the output pointer in memory.
  Reader r = reader;
  std::byte* d = dst;
  for (bool more = true; more && r.can_refill_fast() && end - d >= kFastRoom;) {
    r.refill_fast();
    for (int j = 0; j < kLookupsPerRefill; ++j) {
      const std::uint64_t e = table[r.peek(kBits)];
      const unsigned count = DecodeTable::count_of(e);
      if (count == 0) {
        more = r.can_refill_fast();
        if (more) {
          r.refill_fast();
          const LongCode code = find_long_code(r.window(), r.avail(), shape, kBits);
          more = code.length != 0;
          if (more) {
            *d++ = static_cast<std::byte>(code.symbol);
            r.consume(code.length);
          }
        }
        break;
      }
      const std::uint32_t word = DecodeTable::symbols_of(e);
      std::memcpy(d, &word, sizeof word);
      d += count;
      r.consume(DecodeTable::total_length_of(e));
    }
  }
  reader = r;
  dst = d;
}

// Checked path: decodes one symbol, or reports the end of the stream.
CodecStatus decode_checked(Reader& reader, const Shape& shape, const DecodeTable& table,
                           std::byte*& dst) noexcept {
  const unsigned bits = table.bits();
  const std::uint64_t e = table[reader.peek(bits)];
  if (DecodeTable::count_of(e) != 0) {
    const unsigned length = DecodeTable::first_length_of(e);
    if (length > reader.avail()) return CodecStatus::kCorrupt;
    *dst++ = static_cast<std::byte>(DecodeTable::first_symbol_of(e));
    reader.consume(length);
    return CodecStatus::kOk;
  }
  // Long code: continue the idx = 2*idx + bit walk below the table depth.
  if (reader.avail() < bits) return CodecStatus::kCorrupt;
  std::uint32_t idx = reader.peek(bits);
  reader.consume(bits);
  std::size_t k = bits;
  for (;;) {
    std::uint32_t bit = 0;
    if (!reader.get(1, bit)) return CodecStatus::kCorrupt;
    ++k;
    idx = 2 * idx + bit;
    if (idx >= shape.internal[k]) break;
  }
  *dst++ = static_cast<std::byte>(shape.leaf(k, idx));
  return CodecStatus::kOk;
}

}  // namespace

CodecResult decode(std::span<const std::byte> in, std::span<std::byte> out) {
  if (in.empty()) return CodecResult::success(0);
  const std::size_t u = std::size_t{static_cast<std::uint8_t>(in[0])} + 1;
  if (in.size() < 2 + u) return CodecResult::failure(CodecStatus::kCorrupt);
  Shape shape;
  std::array<bool, 256> seen{};
  for (std::size_t i = 0; i < u; ++i) {
    const auto s = static_cast<std::uint8_t>(in[1 + i]);
    // A repeated symbol makes the header ambiguous: reject it.
    if (seen[s]) return CodecResult::failure(CodecStatus::kCorrupt);
    seen[s] = true;
    shape.symbols[i] = s;
  }
  Reader reader(in, 1 + u);
  for (unsigned zeros = 0;; ++zeros) {
    std::uint32_t bit = 0;
    if (zeros > 7 || !reader.get(1, bit)) return CodecResult::failure(CodecStatus::kCorrupt);
    if (bit == 1) break;
  }
  if (u == 1) return decode_single(reader, shape.symbols[0], out);
  if (!read_shape(reader, u, shape)) return CodecResult::failure(CodecStatus::kCorrupt);

  const unsigned bits = in.size() < kSmallStream ? kSmallTableBits : DecodeTable::kMaxBits;
  const DecodeTable table(shape, bits);
  std::byte* dst = out.data();
  std::byte* const end = dst + out.size();
  for (;;) {
    if (bits == DecodeTable::kMaxBits) {
      decode_fast<DecodeTable::kMaxBits>(reader, shape, table, dst, end);
    } else {
      decode_fast<kSmallTableBits>(reader, shape, table, dst, end);
    }
    reader.refill();
    if (reader.avail() == 0) break;
    if (dst == end) return CodecResult::failure(CodecStatus::kOutputTooSmall);
    const CodecStatus status = decode_checked(reader, shape, table, dst);
    if (status != CodecStatus::kOk) return CodecResult::failure(status);
  }
  return CodecResult::success(static_cast<std::size_t>(dst - out.data()));
}

}  // namespace squeezefs::codecs::huffman
