// The contract every codec in the registry must keep: round trips at every level over many shapes
// and sizes, and hostile input that never crashes, over-reads, hangs or succeeds silently.
// A codec added to the registry is covered here without further work.

#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "codecs/test_inputs.h"
#include "squeezefs/codecs/registry.h"

namespace squeezefs::codecs {
namespace {

using testing::Bytes;
using testing::Shape;

Bytes compress_or_fail(const Codec& codec, const Bytes& input, int level) {
  Bytes out(codec.max_compressed_size(input.size()));
  const CodecResult r = codec.compress(input, out, level);
  EXPECT_TRUE(r.ok()) << codec.name() << ": " << to_string(r.status);
  out.resize(r.ok() ? r.bytes : 0);
  return out;
}

void expect_round_trip(const Codec& codec, const Bytes& input, int level, const std::string& what) {
  const Bytes packed = compress_or_fail(codec, input, level);
  Bytes unpacked(input.size());
  const CodecResult r = codec.decompress(packed, unpacked);
  ASSERT_TRUE(r.ok()) << what << ": " << to_string(r.status);
  ASSERT_EQ(r.bytes, input.size()) << what;
  ASSERT_TRUE(unpacked == input) << what << ": content differs";
}

class CodecContract : public ::testing::TestWithParam<std::string_view> {
 protected:
  const Codec& codec() const { return *find_codec(GetParam()); }
};

TEST_P(CodecContract, given_every_shape_and_boundary_size_when_round_tripped_then_identical) {
  for (const Shape shape : testing::all_shapes()) {
    for (const std::size_t size : testing::boundary_sizes()) {
      const Bytes input = testing::make_input(shape, size);
      expect_round_trip(codec(), input, codec().levels().fallback,
                        testing::to_string(shape) + "/" + std::to_string(size));
    }
  }
}

TEST_P(CodecContract, given_every_level_when_round_tripped_then_identical) {
  const LevelRange range = codec().levels();
  for (int level = range.min; level <= range.max; ++level) {
    for (const Shape shape : {Shape::kText, Shape::kRuns, Shape::kRandom}) {
      const Bytes input = testing::make_input(shape, 70000, 3);
      expect_round_trip(codec(), input, level,
                        "level " + std::to_string(level) + " " + testing::to_string(shape));
    }
  }
}

TEST_P(CodecContract, given_many_small_random_inputs_when_round_tripped_then_identical) {
  std::mt19937_64 rng(11);
  for (int i = 0; i < 300; ++i) {
    const auto shape = testing::all_shapes()[rng() % testing::all_shapes().size()];
    const Bytes input = testing::make_input(shape, rng() % 600, rng());
    expect_round_trip(codec(), input, codec().levels().fallback,
                      "small #" + std::to_string(i) + " " + testing::to_string(shape));
  }
}

TEST_P(CodecContract, given_corpus_files_when_round_tripped_then_identical) {
  const auto corpus = testing::corpus_dir();
  if (!corpus) GTEST_SKIP() << "shared corpus not present";
  for (const char* sub : {"canterbury", "artificial"}) {
    for (const auto& entry : std::filesystem::directory_iterator(*corpus / sub)) {
      const Bytes input = testing::read_file(entry.path());
      expect_round_trip(codec(), input, codec().levels().fallback, entry.path().string());
    }
  }
}

TEST_P(CodecContract, given_truncated_stream_when_decompressed_then_never_yields_the_original) {
  for (const Shape shape : {Shape::kText, Shape::kRuns, Shape::kSkewed}) {
    const Bytes input = testing::make_input(shape, 300, 5);
    const Bytes packed = compress_or_fail(codec(), input, codec().levels().fallback);
    for (std::size_t cut = 0; cut < packed.size(); ++cut) {
      Bytes out(input.size());
      const CodecResult r = codec().decompress(std::span<const std::byte>(packed).first(cut), out);
      EXPECT_FALSE(r.ok() && r.bytes == input.size() && out == input)
          << testing::to_string(shape) << " cut at " << cut << " of " << packed.size();
      EXPECT_LE(r.bytes, out.size());
    }
  }
}

TEST_P(CodecContract, given_bit_flips_when_decompressed_then_terminates_within_bounds) {
  const Bytes input = testing::make_input(Shape::kText, 5000, 9);
  const Bytes packed = compress_or_fail(codec(), input, codec().levels().fallback);
  std::mt19937_64 rng(13);
  for (int i = 0; i < 2000; ++i) {
    Bytes damaged = packed;
    const std::size_t bit = i < 512 ? static_cast<std::size_t>(i) : rng();
    damaged[(bit / 8) % damaged.size()] ^= static_cast<std::byte>(1U << (bit % 8));
    Bytes out(input.size());
    const CodecResult r = codec().decompress(damaged, out);
    EXPECT_LE(r.bytes, out.size());
  }
}

TEST_P(CodecContract, given_random_garbage_when_decompressed_then_terminates_within_bounds) {
  std::mt19937_64 rng(17);
  Bytes out(1 << 16);
  for (int i = 0; i < 3000; ++i) {
    Bytes garbage(rng() % 2000);
    for (auto& b : garbage) b = static_cast<std::byte>(rng());
    const CodecResult r = codec().decompress(garbage, out);
    EXPECT_LE(r.bytes, out.size());
  }
}

TEST_P(CodecContract, given_empty_output_when_decompressing_anything_then_no_overrun) {
  // An empty span may carry a null pointer; decoders must not hand it to memset/memcpy.
  const Bytes one_symbol = {std::byte{0x00}, std::byte{0x77}, std::byte{0x01}};
  EXPECT_LE(codec().decompress(one_symbol, std::span<std::byte>{}).bytes, 0U);
  std::mt19937_64 rng(19);
  for (int i = 0; i < 2000; ++i) {
    Bytes garbage(rng() % 16);
    for (auto& b : garbage) b = static_cast<std::byte>(rng());
    EXPECT_EQ(codec().decompress(garbage, std::span<std::byte>{}).bytes, 0U);
  }
}

TEST_P(CodecContract, given_output_one_byte_short_when_decompressed_then_error) {
  for (const Shape shape : {Shape::kText, Shape::kZeros, Shape::kRandom}) {
    const Bytes input = testing::make_input(shape, 20000, 21);
    const Bytes packed = compress_or_fail(codec(), input, codec().levels().fallback);
    Bytes out(input.size() - 1);
    const CodecResult r = codec().decompress(packed, out);
    EXPECT_FALSE(r.ok()) << testing::to_string(shape);
  }
}

TEST_P(CodecContract, given_small_output_buffer_when_compressing_then_never_writes_past_it) {
  // Random bytes fit in none of these rooms, so every call fails; the guard bytes after the
  // room show whether it wrote past it on the way.
  constexpr std::size_t kGuard = 64;
  const Bytes input = testing::make_input(Shape::kRandom, 4000, 23);
  for (const std::size_t room :
       {std::size_t{0}, std::size_t{1}, std::size_t{17}, std::size_t{3000}}) {
    Bytes out(room + kGuard, std::byte{0xA5});
    const CodecResult r =
        codec().compress(input, std::span(out).first(room), codec().levels().fallback);
    EXPECT_FALSE(r.ok()) << "room " << room << ": " << r.bytes << " bytes";
    EXPECT_TRUE(std::all_of(out.begin() + static_cast<std::ptrdiff_t>(room), out.end(),
                            [](std::byte b) { return b == std::byte{0xA5}; }))
        << "room " << room;
  }
}

std::vector<std::string_view> codec_names() {
  std::vector<std::string_view> names;
  for (const Codec* codec : all_codecs()) names.push_back(codec->name());
  return names;
}

INSTANTIATE_TEST_SUITE_P(AllCodecs, CodecContract, ::testing::ValuesIn(codec_names()),
                         [](const auto& param_info) { return std::string(param_info.param); });

}  // namespace
}  // namespace squeezefs::codecs
