#pragma once

// MSB-first bit reader of the 002 decoder over a hostile buffer.
//
// The window holds `avail()` real bits at its top. The checked section never reads past the
// span and lets bits past the end read as zero. The fast section loads 8 bytes at a time and
// may only run while 8 input bytes remain.

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

namespace squeezefs::codecs::huffman {

class Reader {
 public:
  Reader(std::span<const std::byte> in, std::size_t start) noexcept
      : pos_(in.data() + start), end_(in.data() + in.size()) {}

  // --- Checked section ---------------------------------------------------------------------

  // Tops the window up to at least 56 bits, or to the end of the input.
  void refill() noexcept {
    settle();
    while (avail_ <= 55 && pos_ != end_) {
      window_ |= std::uint64_t{static_cast<std::uint8_t>(*pos_++)} << (56 - avail_);
      avail_ += 8;
    }
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
  [[nodiscard]] std::span<const std::byte> rest() const noexcept {
    return {pos_, static_cast<std::size_t>(end_ - pos_)};
  }

  // --- Shared ------------------------------------------------------------------------------

  [[nodiscard]] unsigned avail() const noexcept { return avail_; }
  [[nodiscard]] std::uint64_t window() const noexcept { return window_; }
  [[nodiscard]] std::uint32_t peek(unsigned nbits) const noexcept {  // 1 <= nbits <= 32
    return static_cast<std::uint32_t>(window_ >> (64 - nbits));
  }
  void consume(unsigned nbits) noexcept {  // nbits <= avail() <= 63
    window_ <<= nbits;
    avail_ -= nbits;
  }

  // --- Unchecked fast section --------------------------------------------------------------

  [[nodiscard]] bool can_refill_fast() const noexcept { return end_ - pos_ >= 8; }

  // Needs can_refill_fast(). Leaves 56..63 bits; the bits below them are the stream's next
  // bits (the next refill ORs the same values over them), so no masking is needed.
  void refill_fast() noexcept {
    std::uint64_t word = 0;
    std::memcpy(&word, pos_, sizeof word);
    if constexpr (std::endian::native == std::endian::little) word = __builtin_bswap64(word);
    window_ |= word >> avail_;
    pos_ += (63 - avail_) >> 3;
    avail_ |= 56;
  }

 private:
  // Clears the look-ahead bits a fast refill leaves below the window.
  void settle() noexcept { window_ &= avail_ == 0 ? 0 : ~std::uint64_t{0} << (64 - avail_); }

  const std::byte* pos_;
  const std::byte* end_;
  std::uint64_t window_ = 0;
  unsigned avail_ = 0;
};

}  // namespace squeezefs::codecs::huffman
