#pragma once

// MSB-first bit writer of the 002 encoder.

#include <algorithm>
#include <cstddef>
#include <cstdint>

namespace squeezefs::codecs::huffman {

// Writes MSB-first into a buffer whose exact final size was checked beforehand.
class Writer {
 public:
  explicit Writer(std::byte* dst) noexcept : dst_(dst) {}

  void put(std::uint32_t value, unsigned nbits) noexcept {  // nbits <= 32
    acc_ = (acc_ << nbits) | value;
    count_ += nbits;
    if (count_ >= 32) {
      count_ -= 32;
      const auto word = static_cast<std::uint32_t>(acc_ >> count_);
      dst_[0] = static_cast<std::byte>(word >> 24);
      dst_[1] = static_cast<std::byte>(word >> 16);
      dst_[2] = static_cast<std::byte>(word >> 8);
      dst_[3] = static_cast<std::byte>(word);
      dst_ += 4;
    }
  }
  // Long codes are zeros followed by a short value (node indexes stay below 512).
  void put_long(std::uint32_t value, unsigned nbits) noexcept {
    while (nbits > 32) {
      const unsigned zeros = std::min(nbits - 32, 32U);
      put(0, zeros);
      nbits -= zeros;
    }
    put(value, nbits);
  }
  void finish() noexcept {  // the total is a whole number of bytes
    while (count_ >= 8) {
      count_ -= 8;
      *dst_++ = static_cast<std::byte>(acc_ >> count_);
    }
  }

 private:
  std::byte* dst_;
  std::uint64_t acc_ = 0;
  unsigned count_ = 0;
};

}  // namespace squeezefs::codecs::huffman
