#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "squeezefs/codecs/bit_reader.h"
#include "squeezefs/codecs/bit_writer.h"

namespace squeezefs::codecs {
namespace {

TEST(BitWriter, given_fields_when_finished_then_bits_are_msb_first_and_zero_padded) {
  std::vector<std::byte> buf(4);
  BitWriter w(buf);
  w.put(0b101, 3);
  w.put(0b1, 1);
  w.put(0b00001, 5);
  EXPECT_EQ(w.bit_count(), 9U);
  ASSERT_EQ(w.finish(), 2U);
  EXPECT_FALSE(w.overflow());
  EXPECT_EQ(buf[0], std::byte{0b10110000});
  EXPECT_EQ(buf[1], std::byte{0b10000000});
}

TEST(BitWriter, given_too_small_span_when_writing_then_overflow_latches_without_overrun) {
  std::vector<std::byte> buf(3, std::byte{0xAA});
  BitWriter w(std::span<std::byte>(buf).first(2));
  w.put(0xFFFFFFFF, 32);
  w.put(0x1, 1);
  w.finish();
  EXPECT_TRUE(w.overflow());
  EXPECT_EQ(buf[2], std::byte{0xAA});
}

TEST(BitWriter, given_repeated_bits_when_finished_then_every_bit_is_set) {
  std::vector<std::byte> buf(16);
  BitWriter w(buf);
  w.put_repeated(true, 77);
  ASSERT_EQ(w.finish(), 10U);
  for (int i = 0; i < 9; ++i) EXPECT_EQ(buf[static_cast<std::size_t>(i)], std::byte{0xFF});
  EXPECT_EQ(buf[9], std::byte{0b11111000});
}

TEST(BitReader, given_random_fields_when_read_back_then_values_match) {
  std::mt19937_64 rng(7);
  std::vector<std::pair<std::uint64_t, unsigned>> fields;
  std::vector<std::byte> buf(1 << 16);
  BitWriter w(buf);
  for (int i = 0; i < 5000; ++i) {
    const unsigned n = static_cast<unsigned>(rng() % 64) + 1;
    const std::uint64_t v = rng() & (n == 64 ? ~0ULL : ((1ULL << n) - 1));
    fields.emplace_back(v, n);
    w.put_long(v, n);
  }
  const std::size_t size = w.finish();
  ASSERT_FALSE(w.overflow());
  BitReader r(std::span<const std::byte>(buf).first(size));
  for (const auto& [v, n] : fields) ASSERT_EQ(r.get_long(n), v);
  EXPECT_FALSE(r.overflow());
  EXPECT_LT(r.bits_left(), 8U);
}

TEST(BitReader, given_short_input_when_reading_past_end_then_overflow_and_zero_bits) {
  const std::vector<std::byte> buf = {std::byte{0xFF}};
  BitReader r(buf);
  EXPECT_EQ(r.get(4), 0xFU);
  EXPECT_EQ(r.bits_left(), 4U);
  EXPECT_FALSE(r.overflow());
  EXPECT_EQ(r.get(8), 0xF0U);  // the 4 real bits, then zeros
  EXPECT_TRUE(r.overflow());
  EXPECT_EQ(r.bits_left(), 0U);
}

TEST(BitReader, given_empty_input_when_reading_then_overflow) {
  BitReader r(std::span<const std::byte>{});
  EXPECT_EQ(r.get(1), 0U);
  EXPECT_TRUE(r.overflow());
}

TEST(BitReader, given_every_offset_when_peeking_then_matches_bit_by_bit_reading) {
  std::vector<std::byte> buf(40);
  std::mt19937 rng(3);
  for (auto& b : buf) b = static_cast<std::byte>(rng());
  for (unsigned skip = 0; skip < 64; ++skip) {
    BitReader a(buf);
    BitReader b(buf);
    (void)a.get_long(skip);
    for (unsigned i = 0; i < skip; ++i) (void)b.get_bit();
    for (unsigned width = 1; width <= 32; width += 7) {
      std::uint32_t slow = 0;
      for (unsigned i = 0; i < width; ++i) slow = (slow << 1) | (b.get_bit() ? 1U : 0U);
      ASSERT_EQ(a.get(width), slow) << "skip " << skip << " width " << width;
    }
  }
}

}  // namespace
}  // namespace squeezefs::codecs
