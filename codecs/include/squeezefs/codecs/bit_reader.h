#pragma once

// MSB-first bit reader over a caller-owned byte span.
//
// Bit order: bit 7 of byte 0 is the first bit; multi-bit fields are read most significant bit
// first, matching BitWriter.
//
// The reader keeps a left-aligned 64-bit window (`window_`, `avail_` valid bits at the top). It
// never reads past its span: a read that needs bits beyond the end yields zero bits for them and
// latches `overflow()`, which the codec turns into kCorrupt (the libdeflate SAFETY_CHECK idea).

#include <cstddef>
#include <cstdint>
#include <span>

namespace squeezefs::codecs {

class BitReader {
 public:
  explicit BitReader(std::span<const std::byte> in) noexcept : in_(in) { refill(); }

  // Tops the window up to at least 56 bits, or to the end of the input.
  void refill() noexcept {
    if (avail_ < 56 && in_.size() - pos_ >= 8) {
      // Fast path: load 8 bytes big-endian, keep as many whole bytes as fit.
      std::uint64_t word = 0;
      for (int i = 0; i < 8; ++i) {
        word = (word << 8) | static_cast<std::uint64_t>(in_[pos_ + static_cast<std::size_t>(i)]);
      }
      const unsigned take = (63 - avail_) >> 3;  // whole bytes that fit, >= 1 here
      window_ |= (word >> (64 - take * 8)) << (64 - avail_ - take * 8);
      avail_ += take * 8;
      pos_ += take;
      return;
    }
    while (avail_ <= 56 && pos_ < in_.size()) {
      window_ |= static_cast<std::uint64_t>(in_[pos_++]) << (56 - avail_);
      avail_ += 8;
    }
  }

  // Returns the next `nbits` bits (1..32) without consuming them. Needs a prior refill() when
  // more than avail() bits are wanted; missing bits past the end read as zero.
  [[nodiscard]] std::uint32_t peek(unsigned nbits) const noexcept {
    return static_cast<std::uint32_t>(window_ >> (64 - nbits));
  }

  // Consumes `nbits` (<= avail() after refill, else latches overflow).
  void consume(unsigned nbits) noexcept {
    if (nbits > avail_) {
      overflow_ = true;
      consumed_ += avail_;
      window_ = 0;
      avail_ = 0;
      return;
    }
    window_ = nbits == 64 ? 0 : window_ << nbits;
    avail_ -= nbits;
    consumed_ += nbits;
  }

  // Reads `nbits` (0..32) bits, refilling as needed.
  [[nodiscard]] std::uint32_t get(unsigned nbits) noexcept {
    if (nbits == 0) return 0;
    if (avail_ < nbits) refill();
    const std::uint32_t value = peek(nbits);
    consume(nbits);
    return value;
  }

  // Reads up to 64 bits.
  [[nodiscard]] std::uint64_t get_long(unsigned nbits) noexcept {
    if (nbits <= 32) return get(nbits);
    const std::uint64_t high = get(nbits - 32);
    return (high << 32) | get(32);
  }

  [[nodiscard]] bool get_bit() noexcept { return get(1) != 0; }

  [[nodiscard]] unsigned avail() const noexcept { return avail_; }
  [[nodiscard]] bool overflow() const noexcept { return overflow_; }

  // Bits consumed so far, and bits left in the input (buffered or not).
  [[nodiscard]] std::uint64_t bits_consumed() const noexcept { return consumed_; }
  [[nodiscard]] std::uint64_t bits_left() const noexcept {
    return avail_ + (in_.size() - pos_) * 8;
  }

 private:
  std::span<const std::byte> in_;
  std::size_t pos_ = 0;       // next byte to load into the window
  std::uint64_t window_ = 0;  // left-aligned; bits past `avail_` are zero
  unsigned avail_ = 0;
  std::uint64_t consumed_ = 0;
  bool overflow_ = false;
};

}  // namespace squeezefs::codecs
