#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "frame_reader.h"
#include "frame_writer.h"
#include "size_option.h"
#include "squeezefs/codecs/registry.h"

namespace squeezefs::tools {
namespace {

constexpr std::uint32_t kBlock = 4096;

class VectorSink final : public ByteSink {
 public:
  void write(std::span<const std::byte> data) override {
    bytes.insert(bytes.end(), data.begin(), data.end());
  }
  std::vector<std::byte> bytes;
};

class SpanSource final : public ByteSource {
 public:
  explicit SpanSource(std::span<const std::byte> data) : data_(data) {}
  std::size_t read(std::span<std::byte> out) override {
    const std::size_t n = std::min(out.size(), data_.size() - at_);
    if (n > 0) std::memcpy(out.data(), data_.data() + at_, n);
    at_ += n;
    return n;
  }

 private:
  std::span<const std::byte> data_;
  std::size_t at_ = 0;
};

std::vector<std::byte> text_data(std::size_t size) {
  const std::string words = "the quick brown fox jumps over the lazy dog; squeezefs frames ";
  std::vector<std::byte> out(size);
  std::mt19937 rng(7);
  for (std::size_t i = 0; i < size; ++i) {
    out[i] = static_cast<std::byte>(words[(i + rng() % 3) % words.size()]);
  }
  return out;
}

std::vector<std::byte> random_data(std::size_t size) {
  std::vector<std::byte> out(size);
  std::mt19937 rng(11);
  for (auto& b : out) b = static_cast<std::byte>(rng() & 0xFFU);
  return out;
}

std::vector<std::byte> frame(const codecs::Codec& codec, std::span<const std::byte> data,
                             std::uint32_t block_size = kBlock) {
  VectorSink sink;
  FrameWriter writer(sink, codec, codec.levels().fallback, block_size);
  // Uneven write sizes exercise the block buffering.
  std::size_t at = 0;
  for (std::size_t step = 1; at < data.size(); step = step * 3 + 1) {
    const std::size_t n = std::min(step, data.size() - at);
    writer.write(data.subspan(at, n));
    at += n;
  }
  writer.finish();
  return sink.bytes;
}

std::vector<std::byte> unframe(std::span<const std::byte> framed) {
  SpanSource source(framed);
  FrameReader reader(source);
  std::vector<std::byte> out;
  std::vector<std::byte> block;
  while (reader.next_block(block)) out.insert(out.end(), block.begin(), block.end());
  return out;
}

std::string frame_error(std::span<const std::byte> framed) {
  try {
    (void)unframe(framed);
  } catch (const FrameError& e) {
    return e.what();
  }
  return "";
}

TEST(FrameTest, given_every_codec_and_edge_sizes_when_framed_then_round_trips) {
  for (const codecs::Codec* codec : codecs::all_codecs()) {
    for (const std::size_t size :
         {std::size_t{0}, std::size_t{1}, std::size_t{kBlock - 1}, std::size_t{kBlock},
          std::size_t{kBlock + 1}, std::size_t{5 * kBlock + 123}}) {
      SCOPED_TRACE(std::string(codec->name()) + " size " + std::to_string(size));
      const auto data = text_data(size);
      const auto framed = frame(*codec, data);
      EXPECT_EQ(unframe(framed), data);
      SpanSource source(framed);
      FrameReader reader(source);
      EXPECT_EQ(reader.header().codec, codec->id());
      EXPECT_EQ(reader.header().block_size, kBlock);
      std::vector<std::byte> block;
      while (reader.next_block(block)) {
      }
      EXPECT_EQ(reader.block_count(), (size + kBlock - 1) / kBlock);
      EXPECT_EQ(reader.total_raw(), size);
    }
  }
}

TEST(FrameTest, given_compressible_input_when_framed_then_overhead_is_small) {
  const codecs::Codec* none = codecs::find_codec(codecs::CodecId::kNone);
  ASSERT_NE(none, nullptr);
  const auto data = text_data(64 * kDefaultBlockSize);
  const auto framed = frame(*none, data, kDefaultBlockSize);
  // The none codec never shrinks a block, so the difference is pure frame overhead.
  const double overhead =
      static_cast<double>(framed.size() - data.size()) / static_cast<double>(data.size());
  EXPECT_LT(overhead, 0.005);
}

TEST(FrameTest, given_random_data_when_framed_then_blocks_are_stored_raw) {
  const codecs::Codec* zstd = codecs::find_codec("zstd");
  ASSERT_NE(zstd, nullptr);
  const auto data = random_data(3 * kBlock);
  VectorSink sink;
  FrameWriter writer(sink, *zstd, 3, kBlock);
  writer.write(data);
  writer.finish();
  EXPECT_EQ(writer.raw_blocks(), 3U);
  EXPECT_EQ(sink.bytes.size(), kFileHeaderSize + 3 * (kBlockHeaderSize + kBlock) + kTrailerSize);
  EXPECT_EQ(unframe(sink.bytes), data);
}

TEST(FrameTest, given_flipped_payload_bit_when_read_then_names_block_and_offset) {
  const codecs::Codec* zstd = codecs::find_codec("zstd");
  ASSERT_NE(zstd, nullptr);
  auto data = text_data(3 * kBlock);
  const auto tail = random_data(kBlock);  // block 3 is stored raw, so its bytes are the payload
  data.insert(data.end(), tail.begin(), tail.end());
  auto framed = frame(*zstd, data);
  // Walk the block headers to find block 3.
  std::size_t at = kFileHeaderSize;
  for (int i = 0; i < 3; ++i) {
    std::uint32_t stored = 0;
    std::memcpy(&stored, &framed[at + 4], 4);  // the test host is little-endian (x86/arm64)
    at += kBlockHeaderSize + stored;
  }
  framed[at + kBlockHeaderSize + 100] ^= std::byte{0x10};
  EXPECT_EQ(frame_error(framed),
            "corrupt frame: block 3 at offset " + std::to_string(at) + ": checksum mismatch");
}

TEST(FrameTest, given_flipped_compressed_bit_when_read_then_fails_cleanly) {
  for (const codecs::Codec* codec : codecs::all_codecs()) {
    SCOPED_TRACE(std::string(codec->name()));
    const auto data = text_data(2 * kBlock);
    const auto framed = frame(*codec, data);
    for (std::size_t i = kFileHeaderSize; i < framed.size(); i += 7) {
      auto damaged = framed;
      damaged[i] ^= std::byte{0x04};
      // A flip either fails cleanly or hits a bit the format ignores (e.g. compress1d's series
      // type of a plain run); it never yields different bytes.
      std::string error;
      try {
        EXPECT_EQ(unframe(damaged), data) << "flip at " << i;
      } catch (const FrameError& e) {
        error = e.what();
      }
      if (!error.empty()) {
        EXPECT_NE(error.find("corrupt frame"), std::string::npos) << error;
      }
    }
  }
}

TEST(FrameTest, given_truncation_at_every_offset_when_read_then_always_an_error) {
  for (const codecs::Codec* codec : codecs::all_codecs()) {
    SCOPED_TRACE(std::string(codec->name()));
    const auto data = text_data(kBlock + 500);
    const auto framed = frame(*codec, data);
    for (std::size_t n = 0; n < framed.size(); ++n) {
      EXPECT_NE(frame_error(std::span(framed).first(n)), "") << "cut at " << n;
    }
  }
}

TEST(FrameTest, given_trailing_bytes_when_read_then_error) {
  auto framed = frame(*codecs::find_codec("zstd"), text_data(100));
  framed.push_back(std::byte{0});
  EXPECT_NE(frame_error(framed).find("after the trailer"), std::string::npos);
}

TEST(FrameTest, given_bad_header_fields_when_read_then_named_errors) {
  const auto framed = frame(*codecs::find_codec("zstd"), text_data(100));
  auto bad_magic = framed;
  bad_magic[0] = std::byte{'X'};
  EXPECT_NE(frame_error(bad_magic).find("bad magic"), std::string::npos);
  auto bad_version = framed;
  bad_version[8] = std::byte{9};
  EXPECT_NE(frame_error(bad_version).find("unsupported format version 9"), std::string::npos);
  auto bad_codec = framed;
  bad_codec[10] = std::byte{250};
  EXPECT_NE(frame_error(bad_codec).find("unknown codec id 250"), std::string::npos);
  auto bad_block = framed;
  bad_block[12] = std::byte{1};
  EXPECT_NE(frame_error(bad_block).find("invalid block size"), std::string::npos);
}

TEST(FrameTest, given_block_sizes_then_only_powers_of_two_in_range_are_valid) {
  EXPECT_TRUE(valid_block_size(4096));
  EXPECT_TRUE(valid_block_size(16U << 20U));
  EXPECT_FALSE(valid_block_size(2048));
  EXPECT_FALSE(valid_block_size(32U << 20U));
  EXPECT_FALSE(valid_block_size(5000));
}

TEST(SizeOptionTest, given_suffixes_then_parses_binary_multiples) {
  EXPECT_EQ(parse_size("4096"), 4096U);
  EXPECT_EQ(parse_size("64K"), 65536U);
  EXPECT_EQ(parse_size("1m"), 1048576U);
  EXPECT_EQ(parse_size("1G"), 1073741824U);
  EXPECT_FALSE(parse_size(""));
  EXPECT_FALSE(parse_size("K"));
  EXPECT_FALSE(parse_size("12Q"));
  EXPECT_FALSE(parse_size("-1"));
  EXPECT_FALSE(parse_size("99999999999999999999G"));
}

}  // namespace
}  // namespace squeezefs::tools
