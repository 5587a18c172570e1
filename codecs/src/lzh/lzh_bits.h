#pragma once
// MSB-first bit reader for the lzh decoder's hot loop: the same contract as BitReader (never
// reads outside the input, zero bits past the end, a latched overflow), with an 8-byte refill
// done as one load.

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

namespace squeezefs::codecs::lzh {

class FastBits {
 public:
  explicit FastBits(std::span<const std::byte> in) noexcept
      : next_(reinterpret_cast<const std::uint8_t*>(in.data())), end_(next_ + in.size()) {
    refill();
  }

  // Tops the window up to at least 56 bits, or to the end of the input.
  void refill() noexcept {
    if (end_ - next_ >= 8) {
      const unsigned take = (63 - avail_) >> 3;  // whole bytes that fit
      if (take == 0) return;
      std::uint64_t word = 0;
      std::memcpy(&word, next_, 8);
      if constexpr (std::endian::native == std::endian::little) word = __builtin_bswap64(word);
      window_ |= (word >> (64 - take * 8)) << (64 - avail_ - take * 8);
      avail_ += take * 8;
      next_ += take;
      return;
    }
    while (avail_ <= 56 && next_ < end_) {
      window_ |= std::uint64_t{*next_++} << (56 - avail_);
      avail_ += 8;
    }
  }

  // The next `nbits` (1..32) bits; bits past the end read as zero.
  [[nodiscard]] std::uint32_t peek(unsigned nbits) const noexcept {
    return static_cast<std::uint32_t>(window_ >> (64 - nbits));
  }

  void consume(unsigned nbits) noexcept {
    if (nbits > avail_) {
      overflow_ = true;
      window_ = 0;
      avail_ = 0;
      return;
    }
    window_ <<= nbits;
    avail_ -= nbits;
  }

  // Reads `nbits` (0..32) bits, refilling as needed.
  [[nodiscard]] std::uint32_t get(unsigned nbits) noexcept {
    if (nbits == 0) return 0;
    if (avail_ < nbits) refill();
    const std::uint32_t value = peek(nbits);
    consume(nbits);
    return value;
  }

  [[nodiscard]] bool overflow() const noexcept { return overflow_; }
  [[nodiscard]] std::uint64_t bits_left() const noexcept {
    return avail_ + static_cast<std::uint64_t>(end_ - next_) * 8;
  }

 private:
  const std::uint8_t* next_;
  const std::uint8_t* end_;
  std::uint64_t window_ = 0;  // left-aligned; bits past `avail_` are zero
  unsigned avail_ = 0;
  bool overflow_ = false;
};

}  // namespace squeezefs::codecs::lzh
