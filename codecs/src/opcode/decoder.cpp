#include "decoder.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>

#include "bits.h"

namespace squeezefs::codecs::opcode {
namespace {

struct Slot {
  std::size_t start = 0;
  std::size_t length = 0;  // 0 = empty
};

class PassReader {
 public:
  explicit PassReader(const Bits& bits) : bits_(bits) {}
  [[nodiscard]] std::size_t position() const noexcept { return pos_; }
  [[nodiscard]] std::size_t left() const noexcept { return bits_.size() - pos_; }
  bool read(unsigned count, std::uint64_t& value) noexcept {
    if (left() < count) return false;
    value = 0;
    // Whole partial bytes at a time rather than single bits.
    while (count > 0) {
      const unsigned k = std::min(count, 8 - static_cast<unsigned>(pos_ & 7));
      value = (value << k) | bits_.get_bits(pos_, k);
      pos_ += k;
      count -= k;
    }
    return true;
  }
  // LEN := k:2 value:8*(k+1), value >= 1.
  CodecStatus read_len(std::uint64_t& value) noexcept {
    std::uint64_t k = 0;
    if (!read(2, k)) return CodecStatus::kCorrupt;
    if (!read(static_cast<unsigned>(8 * (k + 1)), value)) return CodecStatus::kCorrupt;
    return value == 0 ? CodecStatus::kCorrupt : CodecStatus::kOk;
  }
  void skip(std::size_t n) noexcept { pos_ += n; }

 private:
  const Bits& bits_;
  std::size_t pos_ = 0;
};

// Runs one pass over `in` into `out`. No pass may produce more than limit bits: the final
// pass's limit is the caller's buffer, and an inner pass bigger than the final data is never
// produced by an encoder that only keeps shrinking passes, so it is treated as a bomb too.
CodecStatus decode_pass(const Bits& in, bool outermost, std::size_t limit, Bits& out) {
  out.clear();
  std::array<Slot, 4> slots{};
  PassReader reader(in);
  int pending_xor = -1;
  for (;;) {
    std::uint64_t op = 0;
    if (!reader.read(3, op)) return CodecStatus::kCorrupt;
    if (pending_xor >= 0 && op != 0 && op != 1 && op != 3 && op != 4) return CodecStatus::kCorrupt;
    const std::size_t before = out.size();
    std::uint64_t value = 0;
    std::uint64_t slot = 0;
    switch (op) {
      case 0:
      case 1: {
        if (const CodecStatus s = reader.read_len(value); s != CodecStatus::kOk) return s;
        if (value > limit - out.size()) return CodecStatus::kOutputTooSmall;
        if (pending_xor >= 0 && op == 0) {
          // XOR-modified zero fill: a copy of the cycled slot, appended in whole chunks.
          const Slot s = slots[static_cast<std::size_t>(pending_xor)];
          out.append_cycle(s.start, s.length, static_cast<std::size_t>(value));
          pending_xor = -1;
          break;
        }
        out.fill(static_cast<unsigned>(op), static_cast<std::size_t>(value));
        break;
      }
      case 2: {
        if (!reader.read(2, slot)) return CodecStatus::kCorrupt;
        if (const CodecStatus s = reader.read_len(value); s != CodecStatus::kOk) return s;
        if (value > out.size()) return CodecStatus::kCorrupt;
        slots[slot] = {out.size() - static_cast<std::size_t>(value),
                       static_cast<std::size_t>(value)};
        break;
      }
      case 3: {
        if (!reader.read(2, slot)) return CodecStatus::kCorrupt;
        const Slot s = slots[slot];
        if (s.length == 0) return CodecStatus::kCorrupt;
        if (s.length > limit - out.size()) return CodecStatus::kOutputTooSmall;
        out.append(out, s.start, s.length);
        break;
      }
      case 4: {
        if (const CodecStatus s = reader.read_len(value); s != CodecStatus::kOk) return s;
        if (value > reader.left()) return CodecStatus::kCorrupt;
        if (value > limit - out.size()) return CodecStatus::kOutputTooSmall;
        out.append(in, reader.position(), static_cast<std::size_t>(value));
        reader.skip(static_cast<std::size_t>(value));
        break;
      }
      case 5: {
        if (!reader.read(2, slot)) return CodecStatus::kCorrupt;
        if (slots[slot].length == 0) return CodecStatus::kCorrupt;
        pending_xor = static_cast<int>(slot);
        continue;
      }
      case 6:
        return CodecStatus::kCorrupt;
      default: {
        if (pending_xor >= 0) return CodecStatus::kCorrupt;
        if (!outermost) return reader.left() == 0 ? CodecStatus::kOk : CodecStatus::kCorrupt;
        std::uint64_t pad = 0;
        if (reader.left() >= 8 || !reader.read(static_cast<unsigned>(reader.left()), pad) ||
            pad != 0) {
          return CodecStatus::kCorrupt;
        }
        return CodecStatus::kOk;
      }
    }
    if (pending_xor >= 0) {
      // The slot lies entirely before `before`, so it is unaffected by this op's output.
      const Slot s = slots[static_cast<std::size_t>(pending_xor)];
      out.xor_cycle(before, s.start, s.length);
      pending_xor = -1;
    }
  }
}

}  // namespace

CodecResult decode(std::span<const std::byte> in, std::span<std::byte> out) {
  if (in.empty()) return CodecResult::success(0);
  const auto* data = reinterpret_cast<const std::uint8_t*>(in.data());
  const unsigned passes = data[0];
  if (passes == 0) {
    if (in.size() - 1 > out.size()) return CodecResult::failure(CodecStatus::kOutputTooSmall);
    if (in.size() > 1) std::memcpy(out.data(), data + 1, in.size() - 1);
    return CodecResult::success(in.size() - 1);
  }
  const std::size_t limit = out.size() * 8;
  Bits cur;
  Bits next;
  cur.assign_bytes(data + 1, in.size() - 1);
  for (unsigned p = 0; p < passes; ++p) {
    if (const CodecStatus s = decode_pass(cur, p == 0, limit, next); s != CodecStatus::kOk) {
      return CodecResult::failure(s);
    }
    std::swap(cur, next);
  }
  if (cur.size() % 8 != 0) return CodecResult::failure(CodecStatus::kCorrupt);
  const std::size_t n = cur.size() / 8;
  if (n > 0) std::memcpy(out.data(), cur.bytes().data(), n);
  return CodecResult::success(n);
}

}  // namespace squeezefs::codecs::opcode
