#pragma once
// Growable MSB-first bit string shared by the opcode encoder and decoder.
#include <algorithm>
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
    while (count > 0) {
      const unsigned used = static_cast<unsigned>(nbits_ & 7);
      if (used == 0) data_.push_back(0);
      const unsigned k = std::min(count, 8 - used);
      const auto chunk = static_cast<unsigned>((value >> (count - k)) & ((1U << k) - 1));
      data_.back() = static_cast<std::uint8_t>(data_.back() | (chunk << (8 - used - k)));
      nbits_ += k;
      count -= k;
    }
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
    // Unaligned: assemble whole source bytes from two neighbours and place them into space
    // reserved once (each whole byte grows the vector by exactly one byte).
    if (const std::size_t whole = n / 8; whole > 0) {
      const std::size_t at = data_.size();
      data_.resize(at + whole);
      const std::uint8_t* from = src.data_.data();  // after the resize: src may be *this
      std::uint8_t* to = data_.data();
      const unsigned shift = pos & 7;
      const unsigned used = nbits_ & 7;
      std::size_t i = pos >> 3;
      for (std::size_t w = 0; w < whole; ++w, ++i) {
        unsigned byte = from[i];
        if (shift != 0)
          byte = ((byte << shift) | (static_cast<unsigned>(from[i + 1]) >> (8 - shift))) & 0xFFU;
        if (used == 0) {
          to[at + w] = static_cast<std::uint8_t>(byte);
        } else {  // at >= 1: the partial last byte exists
          to[at + w - 1] = static_cast<std::uint8_t>(to[at + w - 1] | (byte >> used));
          to[at + w] = static_cast<std::uint8_t>((byte << (8 - used)) & 0xFFU);
        }
      }
      nbits_ += whole * 8;
      pos += whole * 8;
      n -= whole * 8;
    }
    for (; n > 0; --n) push(src.get(pos++));
  }

  // Appends n bits of cycle(slot), slot being the length bits at start; the slot must lie
  // wholly before the current end.
  void append_cycle(std::size_t start, std::size_t length, std::size_t n) {
    // Doubling: once a whole period is out, copy from the output itself in growing chunks.
    const std::size_t from = nbits_;
    std::size_t chunk = std::min(length, n);
    append(*this, start, chunk);
    while (nbits_ - from < n) {
      chunk = std::min(nbits_ - from - (nbits_ - from) % length, n - (nbits_ - from));
      append(*this, from, chunk);
    }
  }

  // XORs bits [from, size) with cycle(slot); the slot must lie wholly before from.
  void xor_cycle(std::size_t from, std::size_t start, std::size_t length) {
    std::size_t j = 0;
    for (std::size_t i = from; i < nbits_;) {
      const unsigned k = static_cast<unsigned>(std::min({std::size_t{8}, nbits_ - i, length - j}));
      xor_bits(i, get_bits(start + j, k), k);
      i += k;
      j += k;
      if (j == length) j = 0;
    }
  }

  // Reads k <= 8 bits at pos, MSB first.
  [[nodiscard]] unsigned get_bits(std::size_t pos, unsigned k) const noexcept {
    const std::size_t i = pos >> 3;
    unsigned word = static_cast<unsigned>(data_[i]) << 8;
    if (i + 1 < data_.size()) word |= data_[i + 1];
    return (word >> (16 - (pos & 7) - k)) & ((1U << k) - 1);
  }

  void xor_bits(std::size_t pos, unsigned value, unsigned k) noexcept {
    const std::size_t i = pos >> 3;
    const unsigned word = value << (16 - (pos & 7) - k);
    data_[i] = static_cast<std::uint8_t>(data_[i] ^ (word >> 8));
    if (i + 1 < data_.size())
      data_[i + 1] = static_cast<std::uint8_t>(data_[i + 1] ^ (word & 0xFFU));
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
