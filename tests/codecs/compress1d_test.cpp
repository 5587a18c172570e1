// compress1d (seed 001): the golden vectors of specs/golden.json, the stage-2 token semantics,
// malformed streams, series round trips and the n + ceil(n/7) bound.

#include <gtest/gtest.h>

#include <random>
#include <string>

#include "../../codecs/src/compress1d/encoder.h"
#include "../../codecs/src/compress1d/series.h"
#include "../../codecs/src/compress1d/stage1.h"
#include "../../codecs/src/compress1d/tokens.h"
#include "codecs/test_inputs.h"
#include "squeezefs/codecs/registry.h"

namespace squeezefs::codecs {
namespace {

using testing::Bytes;
using testing::from_hex;
using testing::from_string;

const Codec& codec() {
  return *find_codec(CodecId::kCompress1d);
}

Bytes compress(const Bytes& input, int level) {
  Bytes out(codec().max_compressed_size(input.size()));
  const CodecResult r = codec().compress(input, out, level);
  EXPECT_TRUE(r.ok()) << to_string(r.status);
  out.resize(r.ok() ? r.bytes : 0);
  return out;
}

CodecResult decompress(const Bytes& packed, Bytes& out) {
  return codec().decompress(packed, out);
}

void expect_round_trip(const Bytes& input, int level) {
  const Bytes packed = compress(input, level);
  EXPECT_LE(packed.size(), input.size() + (input.size() + 6) / 7);
  Bytes unpacked(input.size());
  const CodecResult r = decompress(packed, unpacked);
  ASSERT_TRUE(r.ok()) << to_string(r.status);
  EXPECT_EQ(r.bytes, input.size());
  EXPECT_EQ(unpacked, input);
}

CodecStatus decode_status(const Bytes& packed, std::size_t capacity = 4096) {
  Bytes out(capacity);
  return decompress(packed, out).status;
}

// Stage 2 alone: tokens to the expanded bytes, or nothing when malformed.
std::optional<Bytes> expand(const Bytes& tokens) {
  const auto m = compress1d::scan_tokens(tokens);
  if (!m) return std::nullopt;
  Bytes e(*m);
  if (!compress1d::expand_tokens(tokens, e)) return std::nullopt;
  return e;
}

struct GoldenVector {
  const char* input;
  const char* expected;
};

// golden.json, codec "001-compress1d", direction encode+decode (layout B, baseline runs).
constexpr GoldenVector kGolden[] = {
    {"616768347336736473737373736473686a686868683433", "6167683473367364c0f36473686ab0e83433b080"},
    {"41414141414141414141414141414141", "f0c1f0c1a080"},
    {"61616161616161616161626262626262626363636363636363", "f0e16161e0e2f0e3b080"},
    {"ffffffffffffffff", "f0ff7f40"},
    {"00010203040506", "0001020304050600"},
    {"", ""},
};

TEST(Compress1dTest, GivenGoldenStreams_WhenDecoded_ThenTheyGiveTheInputs) {
  for (const auto& v : kGolden) {
    const Bytes input = from_hex(v.input);
    Bytes out(input.size());
    const CodecResult r = decompress(from_hex(v.expected), out);
    ASSERT_TRUE(r.ok()) << v.expected;
    EXPECT_EQ(r.bytes, input.size());
    EXPECT_EQ(out, input) << v.expected;
  }
}

TEST(Compress1dTest, GivenGoldenInputs_WhenEncoded_ThenTheStreamsDecodeBackAndAreNoLarger) {
  for (const auto& v : kGolden) {
    for (int level = codec().levels().min; level <= codec().levels().max; ++level) {
      const Bytes input = from_hex(v.input);
      const Bytes packed = compress(input, level);
      EXPECT_LE(packed.size(), from_hex(v.expected).size()) << v.input;
      expect_round_trip(input, level);
    }
  }
}

TEST(Compress1dTest, GivenTheBaselineVectorsWithoutRepeats_WhenEncoded_ThenTheBytesMatch) {
  // Inputs with no gapped series to find: every level must give the baseline stream.
  for (const std::size_t i : {1U, 2U, 3U, 4U, 5U}) {
    for (int level = codec().levels().min; level <= codec().levels().max; ++level) {
      EXPECT_EQ(compress(from_hex(kGolden[i].input), level), from_hex(kGolden[i].expected));
    }
  }
}

TEST(Compress1dTest, GivenGoldenInputs_WhenTokenizedWithRunsOnly_ThenTheBaselineStreamsMatch) {
  for (const auto& v : kGolden) {
    const Bytes input = from_hex(v.input);
    Bytes e(compress1d::expanded_size(input.size()));
    compress1d::pack(input, e);
    Bytes tokens(e.size());
    const auto result = compress1d::tokenize(e, tokens, compress1d::Search::kRuns);
    EXPECT_FALSE(result.used_series);
    tokens.resize(result.size);
    EXPECT_EQ(tokens, from_hex(v.expected)) << v.input;
  }
}

TEST(Compress1dTest, GivenTheStridedTokenVector_WhenExpanded_ThenItMatchesTheDocumentExample) {
  // golden.json "001-compress1d stage-2 tokens", decode: the "Linear Steped" example.
  const auto e = expand(from_hex("f1e16263646b69686e61a1e16f6b6879"));
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(*e, from_string("abacadakaiahanaaaoakahy"));
}

TEST(Compress1dTest, GivenTheOverviewTokenVector_WhenExpanded_ThenItMatchesTheCorrectedExample) {
  const auto e = expand(from_hex("6167683473367364c0f36473686ab0e83433"));
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(*e, from_string("agh4s6sdsssssdshjhhhh43"));
}

TEST(Compress1dTest, GivenEachSeriesType_WhenExpanded_ThenTheGapsFollowTheResolvedSemantics) {
  Bytes tail(800);
  for (std::size_t i = 0; i < tail.size(); ++i) tail[i] = std::byte{static_cast<uint8_t>(i % 64)};
  // Expected gaps for count 8 (g_1 .. g_7).
  const std::vector<std::pair<std::uint8_t, std::vector<std::size_t>>> cases = {
      {0xF0, {0, 0, 0, 0, 0, 0, 0}},          // addition, skip 0: a run
      {0xF2, {2, 2, 2, 2, 2, 2, 2}},          // addition, skip 2
      {0xF5, {1, 2, 3, 4, 5, 6, 7}},          // power, skip 1
      {0xF7, {1, 8, 27, 64, 125, 216, 343}},  // power, skip 3
      {0xF9, {1, 1, 2, 3, 5, 8, 13}},         // Fibonacci, skip 1
      {0xFB, {3, 3, 6, 9, 15, 24, 39}},       // Fibonacci, skip 3
      {0xF4, {0, 0, 0, 0, 0, 0, 0}},          // power, skip 0: a run
  };
  for (const auto& [logic, gaps] : cases) {
    Bytes tokens = {std::byte{logic}, std::byte{0xFF}};
    tokens.insert(tokens.end(), tail.begin(), tail.end());
    const auto e = expand(tokens);
    ASSERT_TRUE(e.has_value()) << int{logic};
    Bytes expected;
    std::size_t at = 0;
    for (std::size_t k = 0; k < 8; ++k) {
      expected.push_back(std::byte{0x7F});
      if (k < 7) {
        expected.insert(expected.end(), tail.begin() + static_cast<std::ptrdiff_t>(at),
                        tail.begin() + static_cast<std::ptrdiff_t>(at + gaps[k]));
        at += gaps[k];
      }
    }
    expected.insert(expected.end(), tail.begin() + static_cast<std::ptrdiff_t>(at), tail.end());
    EXPECT_EQ(*e, expected) << int{logic};
  }
}

TEST(Compress1dTest, GivenMalformedTokens_WhenDecoded_ThenTheyAreRejected) {
  // Type 11 is reserved.
  EXPECT_EQ(decode_status(from_hex("8cc1000000000000")), CodecStatus::kCorrupt);
  EXPECT_FALSE(expand(from_hex("8cc1")).has_value());
  // A logic byte must be followed by a value byte.
  EXPECT_FALSE(expand(from_hex("a041")).has_value());
  EXPECT_FALSE(expand(from_hex("4141a0")).has_value());
  EXPECT_EQ(decode_status(from_hex("414141414141a0")), CodecStatus::kCorrupt);
  // An odd number of flagged bytes cannot pair up.
  EXPECT_FALSE(expand(from_hex("a0c1c1")).has_value());
  // Spans past the end: addition skip 1, count 3 needs 2 following bytes.
  EXPECT_FALSE(expand(from_hex("a1c141")).has_value());
  EXPECT_TRUE(expand(from_hex("a1c14141")).has_value());
  EXPECT_EQ(decode_status(from_hex("4141a1c141")), CodecStatus::kCorrupt);
}

TEST(Compress1dTest, GivenBadExpandedLengths_WhenDecoded_ThenTheyAreRejected) {
  // m mod 8 == 1 matches no input length.
  EXPECT_EQ(decode_status(from_hex("41")), CodecStatus::kCorrupt);
  EXPECT_EQ(decode_status(from_hex("414141414141414141")), CodecStatus::kCorrupt);
  // Unused MSB bits of the last group must be 0: n = 1 uses only 0x40.
  EXPECT_EQ(decode_status(from_hex("4140")), CodecStatus::kOk);
  EXPECT_EQ(decode_status(from_hex("4120")), CodecStatus::kCorrupt);
  EXPECT_EQ(decode_status(from_hex("4101")), CodecStatus::kCorrupt);
  // n = 6 leaves bit 0x01 unused.
  EXPECT_EQ(decode_status(from_hex("41414141414101")), CodecStatus::kCorrupt);
  EXPECT_EQ(decode_status(from_hex("41414141414102")), CodecStatus::kOk);
}

TEST(Compress1dTest, GivenAnOutputTooSmall_WhenDecoded_ThenItSaysSo) {
  const Bytes packed = from_hex(kGolden[1].expected);
  EXPECT_EQ(decode_status(packed, 15), CodecStatus::kOutputTooSmall);
  EXPECT_EQ(decode_status(packed, 16), CodecStatus::kOk);
}

TEST(Compress1dTest, GivenLengths_WhenMappedThroughStageOne_ThenTheyInvert) {
  for (std::size_t n = 0; n < 200; ++n) {
    const std::size_t m = compress1d::expanded_size(n);
    ASSERT_EQ(compress1d::original_size(m), n);
    EXPECT_NE(m % 8, 1U);
  }
}

Bytes series_input(std::uint8_t logic, std::size_t repeats, std::uint64_t seed) {
  // Copies of one value laid out with the gaps of `logic`, the gaps filled with other bytes.
  const auto& shape = compress1d::kSeriesTable[logic & 0x7FU];
  // The filler cycles through 90 values, so it holds no runs or series of its own.
  std::size_t filler = seed;
  Bytes out;
  for (std::size_t r = 0; r < repeats; ++r) {
    for (std::size_t k = 0; k < shape.count; ++k) {
      out.push_back(std::byte{'#'});
      // One filler byte after each series keeps consecutive series apart.
      const std::size_t gap = k + 1 < shape.count ? shape.gaps[k] : 1;
      for (std::size_t g = 0; g < gap; ++g) {
        out.push_back(std::byte{static_cast<std::uint8_t>(0x24 + filler++ % 90)});
      }
    }
  }
  return out;
}

TEST(Compress1dTest, GivenSeriesOfEachType_WhenEncoded_ThenTheyShrinkAndRoundTrip) {
  for (const int code : {0xF1, 0xF2, 0xF3, 0xF5, 0xF6, 0xF7, 0xF9, 0xFA, 0xFB}) {
    const auto logic = static_cast<std::uint8_t>(code);
    const Bytes input = series_input(logic, 40, logic);
    const Bytes packed2 = compress(input, 2);
    // Each series saves 6 bytes against literals; the MSB chunk (all 0) shrinks too.
    EXPECT_LE(packed2.size() + 6 * 40, compress1d::expanded_size(input.size())) << code;
    for (int level = 1; level <= 2; ++level) expect_round_trip(input, level);
  }
  // Level 1 finds addition strides.
  const Bytes strided = series_input(0xF1, 50, 7);
  EXPECT_LT(compress(strided, 1).size(), strided.size() * 9 / 10);
}

TEST(Compress1dTest, GivenRandomData_WhenEncoded_ThenTheSizeBoundHolds) {
  std::mt19937_64 rng(42);
  for (const std::size_t n : {1U, 6U, 7U, 8U, 13U, 14U, 1000U, 7000U, 65536U}) {
    Bytes input(n);
    for (auto& b : input) b = std::byte{static_cast<std::uint8_t>(rng())};
    for (int level = 1; level <= 2; ++level) {
      const Bytes packed = compress(input, level);
      EXPECT_LE(packed.size(), n + (n + 6) / 7);
      EXPECT_EQ(codec().max_compressed_size(n), n + (n + 6) / 7);
      expect_round_trip(input, level);
    }
  }
}

TEST(Compress1dTest, GivenSmallOutputBuffers_WhenEncoded_ThenNothingIsWrittenPastThem) {
  const Bytes input = from_string("agh4s6sdsssssdshjhhhh43");
  const Bytes packed = compress(input, 1);
  for (std::size_t cap = 0; cap < packed.size(); ++cap) {
    Bytes out(cap + 1, std::byte{0xAA});
    const CodecResult r = codec().compress(input, std::span<std::byte>(out.data(), cap), 1);
    EXPECT_EQ(r.status, CodecStatus::kOutputTooSmall);
    EXPECT_EQ(out[cap], std::byte{0xAA});
  }
}

TEST(Compress1dTest, GivenLongRuns_WhenEncoded_ThenTheyCostAQuarter) {
  const Bytes input(70000, std::byte{'a'});
  const Bytes packed = compress(input, 1);
  EXPECT_LT(packed.size(), input.size() * 30 / 100);
  expect_round_trip(input, 1);
}

}  // namespace
}  // namespace squeezefs::codecs
