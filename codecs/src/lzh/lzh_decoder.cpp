#include "lzh_decoder.h"

#include <array>
#include <cstdint>
#include <cstring>
#include <memory>

#include "lzh_bits.h"
#include "lzh_format.h"
#include "lzh_huffman_table.h"

namespace squeezefs::codecs::lzh {
namespace {

struct DecoderState {
  HuffmanTable t;
  HuffmanTable c;
  HuffmanTable p;
  std::array<std::uint8_t, kNc> c_len{};
  std::array<std::uint8_t, kNt> pt_len{};
};

// Reads a t or p table; false for a malformed one.
bool read_pt_len(FastBits& br, HuffmanTable& table, std::array<std::uint8_t, kNt>& pt_len, int nn,
                 unsigned nbit, int i_special) {
  const auto n = static_cast<int>(br.get(nbit));
  if (n == 0) {
    const unsigned sym = br.get(nbit);
    if (sym >= static_cast<unsigned>(nn)) return false;
    table.set_single(sym);
    return true;
  }
  if (n > nn) return false;
  pt_len.fill(0);
  int i = 0;
  while (i < n) {
    br.refill();
    unsigned len = br.get(3);
    if (len == 7) {
      while (br.get(1) != 0) {
        if (++len > kMaxCodeLen || br.overflow()) return false;
      }
    }
    pt_len[static_cast<std::size_t>(i++)] = static_cast<std::uint8_t>(len);
    if (i == i_special) {
      const auto skip = static_cast<int>(br.get(2));
      if (i + skip > nn) return false;
      i += skip;  // the skipped lengths are already zero
    }
  }
  if (br.overflow()) return false;
  return table.build({pt_len.data(), static_cast<std::size_t>(nn)});
}

bool read_c_len(FastBits& br, DecoderState& s) {
  const auto n = static_cast<int>(br.get(kCbit));
  if (n == 0) {
    const unsigned sym = br.get(kCbit);
    if (sym >= static_cast<unsigned>(kNc)) return false;
    s.c.set_single(sym);
    return true;
  }
  s.c_len.fill(0);
  int i = 0;
  while (i < n) {
    br.refill();
    const unsigned t = s.t.decode(br);
    if (t > 2) {
      s.c_len[static_cast<std::size_t>(i++)] = static_cast<std::uint8_t>(t - 2);
      continue;
    }
    const int run = t == 0   ? 1
                    : t == 1 ? static_cast<int>(br.get(4)) + 3
                             : static_cast<int>(br.get(kCbit)) + 20;
    if (i + run > n) return false;
    i += run;
  }
  if (br.overflow()) return false;
  return s.c.build(s.c_len);
}

bool trailer_ok(FastBits& br) {
  const std::uint64_t left = br.bits_left();
  if (left >= 8) return false;
  return left == 0 || br.get(static_cast<unsigned>(left)) == 0;
}

}  // namespace

CodecResult decode(std::span<const std::byte> in, std::span<std::byte> out) {
  auto s = std::make_unique<DecoderState>();
  FastBits br(in);
  auto* dst = reinterpret_cast<std::uint8_t*>(out.data());
  const std::size_t cap = out.size();
  std::size_t pos = 0;
  const auto corrupt = CodecResult::failure(CodecStatus::kCorrupt);
  for (;;) {
    br.refill();
    if (br.bits_left() < 16) return corrupt;
    std::uint32_t items = br.get(16);
    if (!read_pt_len(br, s->t, s->pt_len, kNt, kTbit, 3)) return corrupt;
    if (!read_c_len(br, *s)) return corrupt;
    if (!read_pt_len(br, s->p, s->pt_len, kNp, kPbit, -1)) return corrupt;
    while (items-- > 0) {
      br.refill();
      const unsigned c = s->c.decode(br);
      if (c < 256) {
        if (pos == cap) return CodecResult::failure(CodecStatus::kOutputTooSmall);
        dst[pos++] = static_cast<std::uint8_t>(c);
        continue;
      }
      const unsigned j = s->p.decode(br);
      const std::size_t offset =
          j == 0 ? 0 : (std::size_t{1} << (j - 1)) + (j > 1 ? br.get(j - 1) : 0U);
      if (br.overflow()) return corrupt;
      if (c == kEofSymbol) {
        if (offset != 0 || !trailer_ok(br)) return corrupt;
        return CodecResult::success(pos);
      }
      const std::size_t distance = offset + 1;
      if (distance > pos || distance > kWindow) return corrupt;
      const std::size_t length = c - 256 + kMinMatch;
      if (cap - pos < length) return CodecResult::failure(CodecStatus::kOutputTooSmall);
      const std::uint8_t* src = dst + pos - distance;
      std::uint8_t* d = dst + pos;
      if (distance >= 8 && cap - pos >= length + 8) {
        // 8-byte steps: each source chunk ends at or before its destination, and the up to 7
        // bytes stored past the run stay inside `out` (the next items overwrite them).
        for (std::size_t k = 0; k < length; k += 8) std::memcpy(d + k, src + k, 8);
      } else if (distance >= length) {
        std::memcpy(d, src, length);
      } else {
        for (std::size_t k = 0; k < length; ++k) d[k] = src[k];  // overlapping copy
      }
      pos += length;
    }
    if (br.overflow()) return corrupt;
  }
}

}  // namespace squeezefs::codecs::lzh
