#pragma once
// Growable MSB-first bit string shared by the opcode encoder and decoder.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

namespace squeezefs::codecs::opcode {

class Bits {
 public:
  [[nodiscard]] std::size_t size() const noexcept { return nbits_; }
  [[nodiscard]] const std::vector<std::uint8_t>& bytes() const noexcept { return data_; }
  std::vector<std::uint8_t>& bytes() noexcept { return data_; }
  void clear() noexcept {
    data_.clear();
    nbits_ = 0;
  }
  void assign_bytes(const std::uint8_t* src, std::size_t n) {
    data_.assign(src, src + n);
    nbits_ = n * 8;
  }

  [[nodiscard]] unsigned get(std::size_t pos) const noexcept {
    return (static_cast<unsigned>(data_[pos >> 3]) >> (7 - (pos & 7))) & 1U;
  }
  void flip(std::size_t pos) noexcept {
    data_[pos >> 3] = static_cast<std::uint8_t>(data_[pos >> 3] ^ (0x80U >> (pos & 7)));
  }

  void push(unsigned bit) {
    if ((nbits_ & 7) == 0) data_.push_back(0);
    if (bit != 0) data_.back() = static_cast<std::uint8_t>(data_.back() | (0x80U >> (nbits_ & 7)));
    ++nbits_;
  }
  // Appends `count` low bits of value, MSB first (count <= 57).
  void put(std::uint64_t value, unsigned count) {
    for (unsigned i = count; i-- > 0;) push(static_cast<unsigned>((value >> i) & 1U));
  }

  // Appends n copies of bit; whole bytes go through memset-like resize.
  void fill(unsigned bit, std::size_t n) {
    while (n > 0 && (nbits_ & 7) != 0) {
      push(bit);
      --n;
    }
    const std::size_t whole = n / 8;
    data_.resize(data_.size() + whole, bit != 0 ? 0xFF : 0x00);
    nbits_ += whole * 8;
    for (n -= whole * 8; n > 0; --n) push(bit);
  }

  // Appends n bits of src starting at bit pos (src may be *this; ranges must not overlap).
  void append(const Bits& src, std::size_t pos, std::size_t n) {
    if ((pos & 7) == 0 && (nbits_ & 7) == 0) {
      const std::size_t whole = n / 8;
      const std::size_t at = data_.size();
      data_.resize(at + whole);
      std::memmove(data_.data() + at, src.data_.data() + pos / 8, whole);
      nbits_ += whole * 8;
      pos += whole * 8;
      n -= whole * 8;
    }
    // Unaligned: assemble whole source bytes from two neighbours, then place them.
    for (; n >= 8; n -= 8, pos += 8) {
      const std::size_t i = pos >> 3;
      const unsigned shift = pos & 7;
      unsigned byte = src.data_[i];
      if (shift != 0)
        byte = ((byte << shift) | (static_cast<unsigned>(src.data_[i + 1]) >> (8 - shift))) & 0xFFU;
      put_byte(byte);
    }
    for (; n > 0; --n) push(src.get(pos++));
  }

  void put_byte(unsigned byte) {
    const unsigned used = nbits_ & 7;
    if (used == 0) {
      data_.push_back(static_cast<std::uint8_t>(byte));
    } else {
      data_.back() = static_cast<std::uint8_t>(data_.back() | (byte >> used));
      data_.push_back(static_cast<std::uint8_t>((byte << (8 - used)) & 0xFFU));
    }
    nbits_ += 8;
  }

 private:
  std::vector<std::uint8_t> data_;
  std::size_t nbits_ = 0;
};

// Number of bits of a LEN field for value (value >= 1).
inline unsigned len_field_bits(std::uint64_t value) noexcept {
  unsigned bytes = 1;
  while (bytes < 4 && (value >> (8 * bytes)) != 0) ++bytes;
  return 2 + 8 * bytes;
}

}  // namespace squeezefs::codecs::opcode
