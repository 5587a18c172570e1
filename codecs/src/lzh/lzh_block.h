#pragma once
// The encoder's LZSS buffer (groups of a flag byte and up to 8 items) and the block writer that
// turns a full buffer into SIZE, the t/c/p tables and the item codes.

#include <array>
#include <bit>
#include <cstdint>
#include <span>

#include "lzh_format.h"
#include "squeezefs/codecs/bit_writer.h"

namespace squeezefs::codecs::lzh {

class BlockBuilder {
 public:
  explicit BlockBuilder(BitWriter& out) noexcept : out_(out) {}

  void literal(std::uint8_t byte) {
    begin_item();
    buf_[pos_++] = byte;
    ++cfreq_[byte];
  }
  // `distance` is 1..65536, `length` 3..256.
  void run(unsigned length, unsigned distance) {
    begin_item();
    buf_[flag_pos_] = static_cast<std::uint8_t>(buf_[flag_pos_] | mask_);
    const unsigned offset = distance - 1;
    buf_[pos_++] = static_cast<std::uint8_t>(length - kMinMatch);
    buf_[pos_++] = static_cast<std::uint8_t>(offset & 0xFFU);
    buf_[pos_++] = static_cast<std::uint8_t>(offset >> 8);
    ++cfreq_[256 + length - kMinMatch];
    ++pfreq_[bit_length(offset)];
  }
  // Appends EOF and writes the last block (without padding).
  void finish() {
    run(kEofSymbol - 256 + kMinMatch, 1);
    send_block();
  }

  // The buffer as it stands, for inspection by tests.
  [[nodiscard]] std::span<const std::uint8_t> buffer() const noexcept {
    return {buf_.data(), pos_};
  }

  [[nodiscard]] static unsigned bit_length(unsigned value) noexcept {
    return static_cast<unsigned>(std::bit_width(value));
  }

 private:
  void begin_item() {
    mask_ >>= 1;
    if (mask_ == 0) {
      mask_ = 0x80;
      if (pos_ >= kFlushLimit) send_block();
      flag_pos_ = pos_++;
      buf_[flag_pos_] = 0;
    }
    ++items_;
  }
  void send_block();

  BitWriter& out_;
  std::array<std::uint8_t, kBufferSize> buf_{};
  std::size_t pos_ = 0;
  std::size_t flag_pos_ = 0;
  unsigned mask_ = 0;
  std::uint32_t items_ = 0;
  std::array<std::uint32_t, 2 * kNc> cfreq_{};
  std::array<std::uint32_t, 2 * kNp> pfreq_{};
};

}  // namespace squeezefs::codecs::lzh
