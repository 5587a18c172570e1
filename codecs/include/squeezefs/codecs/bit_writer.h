#pragma once

// MSB-first bit writer over a caller-owned byte span.
//
// Bit order: the first bit written becomes bit 7 of byte 0; every multi-bit field is written
// most significant bit first. This is the order of all four seed formats.
//
// The writer keeps up to 63 pending bits in a 64-bit accumulator and stores whole 32-bit groups.
// Writing past the end of the span never touches memory outside it: the writer latches
// `overflow()` and drops the bits, and the codec reports kOutputTooSmall.

#include <cstddef>
#include <cstdint>
#include <span>

namespace squeezefs::codecs {

class BitWriter {
 public:
  explicit BitWriter(std::span<std::byte> out) noexcept : out_(out) {}

  // Appends the low `nbits` bits of `value` (nbits <= 32).
  void put(std::uint64_t value, unsigned nbits) noexcept {
    if (nbits == 0) return;
    acc_ = (acc_ << nbits) | (value & ((std::uint64_t{1} << nbits) - 1));
    pending_ += nbits;
    if (pending_ >= 32) store_word();
  }

  // Appends up to 64 bits.
  void put_long(std::uint64_t value, unsigned nbits) noexcept {
    if (nbits > 32) {
      put(value >> 32, nbits - 32);
      nbits = 32;
    }
    put(value, nbits);
  }

  void put_bit(bool bit) noexcept { put(bit ? 1U : 0U, 1); }

  // Appends `count` copies of one bit value.
  void put_repeated(bool bit, std::uint64_t count) noexcept {
    const std::uint64_t word = bit ? 0xFFFFFFFFU : 0U;
    while (count >= 32) {
      put(word, 32);
      count -= 32;
    }
    put(word, static_cast<unsigned>(count));
  }

  // Bits written so far, including pending ones.
  [[nodiscard]] std::uint64_t bit_count() const noexcept { return stored_ * 8 + pending_; }

  // Pads with zero bits to a byte boundary, stores everything and returns the byte count.
  std::size_t finish() noexcept {
    while (pending_ >= 8) store_byte();
    if (pending_ > 0) {
      acc_ <<= (8 - pending_);
      pending_ = 8;
      store_byte();
    }
    return stored_;
  }

  [[nodiscard]] bool overflow() const noexcept { return overflow_; }

 private:
  void store_word() noexcept {
    const unsigned shift = pending_ - 32;
    const auto word = static_cast<std::uint32_t>(acc_ >> shift);
    if (out_.size() - stored_ >= 4) {
      out_[stored_] = static_cast<std::byte>(word >> 24);
      out_[stored_ + 1] = static_cast<std::byte>(word >> 16);
      out_[stored_ + 2] = static_cast<std::byte>(word >> 8);
      out_[stored_ + 3] = static_cast<std::byte>(word);
      stored_ += 4;
    } else {
      overflow_ = true;
    }
    pending_ = shift;
  }

  void store_byte() noexcept {
    const unsigned shift = pending_ - 8;
    if (stored_ < out_.size()) {
      out_[stored_++] = static_cast<std::byte>(acc_ >> shift);
    } else {
      overflow_ = true;
    }
    pending_ = shift;
  }

  std::span<std::byte> out_;
  std::size_t stored_ = 0;
  std::uint64_t acc_ = 0;  // low `pending_` bits are not yet stored
  unsigned pending_ = 0;
  bool overflow_ = false;
};

}  // namespace squeezefs::codecs
