#include "squeezefs/fs/block_io.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "squeezefs/codecs/registry.h"
#include "squeezefs/fs/memory_block_store.h"

namespace squeezefs::fs {
namespace {

using codecs::CodecId;

std::vector<std::byte> text_block(std::size_t n) {
  const std::string phrase = "the quick brown fox jumps over the lazy dog. ";
  std::vector<std::byte> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<std::byte>(phrase[i % phrase.size()]);
  return v;
}

std::vector<std::byte> noise_block(std::size_t n) {
  std::vector<std::byte> v(n);
  std::uint64_t x = 0x9e3779b97f4a7c15ULL;
  for (auto& b : v) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    b = static_cast<std::byte>(x & 0xff);
  }
  return v;
}

class BlockIoTest : public ::testing::Test {
 protected:
  MemoryBlockStore store_{1 << 20};
  BlockIo io_{store_};
};

TEST_F(BlockIoTest, given_every_registered_codec_when_round_tripped_then_identical) {
  const auto raw = text_block(128 * 1024);
  for (const auto* codec : codecs::all_codecs()) {
    SCOPED_TRACE(std::string(codec->name()));
    const auto ref = io_.write(raw, *codec, codec->levels().fallback);
    ASSERT_TRUE(ref.has_value());
    EXPECT_EQ(ref->raw_length, raw.size());
    EXPECT_EQ(ref->checksum, block_checksum(raw));
    if (codec->id() != CodecId::kNone && ref->codec == static_cast<std::uint16_t>(codec->id())) {
      EXPECT_LE(ref->stored_length, raw.size() - raw.size() / 8);
    }
    std::vector<std::byte> out(raw.size());
    ASSERT_TRUE(io_.read(1, 0, *ref, out).has_value());
    EXPECT_EQ(out, raw);
  }
}

TEST_F(BlockIoTest, given_compressible_block_when_written_with_zstd_then_stored_compressed) {
  const auto raw = text_block(64 * 1024);
  const auto ref = io_.write(raw, *codecs::find_codec(CodecId::kZstd), 3);
  ASSERT_TRUE(ref.has_value());
  EXPECT_EQ(ref->codec, static_cast<std::uint16_t>(CodecId::kZstd));
  EXPECT_LT(ref->stored_length, raw.size() / 8);
}

TEST_F(BlockIoTest, given_incompressible_block_when_written_then_stored_raw) {
  const auto raw = noise_block(4096);
  const auto ref = io_.write(raw, *codecs::find_codec(CodecId::kZstd), 3);
  ASSERT_TRUE(ref.has_value());
  EXPECT_EQ(ref->codec, static_cast<std::uint16_t>(CodecId::kNone));
  EXPECT_EQ(ref->stored_length, raw.size());
  std::vector<std::byte> out(raw.size());
  ASSERT_TRUE(io_.read(1, 0, *ref, out).has_value());
  EXPECT_EQ(out, raw);
}

TEST_F(BlockIoTest, given_all_zero_block_when_written_then_hole_and_nothing_stored) {
  const std::vector<std::byte> zeros(8192);
  EXPECT_FALSE(io_.write(zeros, *codecs::find_codec(CodecId::kZstd), 3).has_value());
  EXPECT_TRUE(store_.file(1).empty());
}

TEST_F(BlockIoTest, given_corrupted_stored_byte_when_read_then_io_error) {
  for (const auto id : {CodecId::kNone, CodecId::kZstd}) {
    const auto raw = text_block(10000);
    const auto ref = io_.write(raw, *codecs::find_codec(id), 3);
    ASSERT_TRUE(ref.has_value());
    store_.file(ref->data_file)[ref->offset + ref->stored_length / 2] ^= std::byte{0x10};
    std::vector<std::byte> out(raw.size());
    const auto result = io_.read(5, 7, *ref, out);
    ASSERT_FALSE(result.has_value());
    EXPECT_EQ(result.error(), std::errc::io_error);
  }
}

TEST_F(BlockIoTest, given_bad_reference_when_read_then_io_error) {
  const auto raw = text_block(1000);
  auto ref = *io_.write(raw, *codecs::find_codec(CodecId::kZstd), 3);
  std::vector<std::byte> out(raw.size());
  auto wrong_sum = ref;
  wrong_sum.checksum ^= 1;
  EXPECT_EQ(io_.read(1, 0, wrong_sum, out).error(), std::errc::io_error);
  auto unknown = ref;
  unknown.codec = 200;
  EXPECT_EQ(io_.read(1, 0, unknown, out).error(), std::errc::io_error);
  auto missing = ref;
  missing.data_file = 99;
  EXPECT_EQ(io_.read(1, 0, missing, out).error(), std::errc::io_error);
  std::vector<std::byte> small(10);
  EXPECT_EQ(io_.read(1, 0, ref, small).error(), std::errc::io_error);
  EXPECT_TRUE(io_.read(1, 0, ref, out).has_value());
}

}  // namespace
}  // namespace squeezefs::fs
