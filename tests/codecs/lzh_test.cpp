// Tests of the lzh codec (seed 003) against the golden vectors of CODECS.md.

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "../../codecs/src/lzh/lzh_block.h"
#include "../../codecs/src/lzh/lzh_format.h"
#include "../../codecs/src/lzh/lzh_tree.h"
#include "lzh_spec_writer.h"
#include "squeezefs/codecs/bit_writer.h"
#include "squeezefs/codecs/registry.h"
#include "test_inputs.h"

namespace squeezefs::codecs {
namespace {

using testing::Bytes;
using testing::from_hex;
using testing::from_string;

const Codec& lzh() {
  return *find_codec("lzh");
}

std::string to_hex(std::span<const std::byte> bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string s;
  for (const std::byte b : bytes) {
    s += kDigits[std::to_integer<unsigned>(b) >> 4];
    s += kDigits[std::to_integer<unsigned>(b) & 15U];
  }
  return s;
}

Bytes compress(const Bytes& in, int level = 1) {
  Bytes out(lzh().max_compressed_size(in.size()));
  const CodecResult r = lzh().compress(in, out, level);
  EXPECT_TRUE(r.ok());
  out.resize(r.bytes);
  return out;
}

CodecResult decompress(const Bytes& in, Bytes& out) {
  return lzh().decompress(in, out);
}

// Packs a bit string ("0101...") into bytes, zero padded.
Bytes from_bits(const std::string& bits) {
  Bytes out((bits.size() + 7) / 8);
  for (std::size_t i = 0; i < bits.size(); ++i) {
    if (bits[i] == '1') out[i / 8] |= std::byte{static_cast<unsigned char>(0x80U >> (i % 8))};
  }
  return out;
}

// The reference parse, independent of the codec's match finder: every earlier position with the
// same first 3 bytes within the window, nearest first, keeping only strictly longer matches.
// Returns the stream the BlockBuilder makes of it and the largest distance used.
Bytes reference_stream(const Bytes& in, std::size_t& max_distance) {
  const auto* d = reinterpret_cast<const std::uint8_t*>(in.data());
  const std::size_t n = in.size();
  std::unordered_map<std::uint32_t, std::vector<std::size_t>> seen;
  const auto key = [d](std::size_t pos) {
    return std::uint32_t{d[pos]} << 16 | std::uint32_t{d[pos + 1]} << 8 | d[pos + 2];
  };
  Bytes out(lzh().max_compressed_size(n));
  BitWriter writer(out);
  auto bb = std::make_unique<lzh::BlockBuilder>(writer);
  max_distance = 0;
  for (std::size_t pos = 0, indexed = 0; pos < n;) {
    std::size_t best_len = 0;
    std::size_t best_dist = 0;
    if (n - pos >= lzh::kMinMatch) {
      const std::size_t limit = std::min<std::size_t>(n - pos, lzh::kMaxMatch);
      const auto it = seen.find(key(pos));
      if (it != seen.end()) {
        for (auto c = it->second.rbegin(); c != it->second.rend(); ++c) {
          if (pos - *c > lzh::kWindow) break;
          std::size_t len = 0;
          while (len < limit && d[*c + len] == d[pos + len]) ++len;
          if (len > best_len) {
            best_len = len;
            best_dist = pos - *c;
            if (len == limit) break;  // nothing farther can be longer
          }
        }
      }
    }
    if (best_len >= lzh::kMinMatch) {
      bb->run(static_cast<unsigned>(best_len), static_cast<unsigned>(best_dist));
      max_distance = std::max(max_distance, best_dist);
      pos += best_len;
    } else {
      bb->literal(d[pos++]);
    }
    for (; indexed < pos && indexed + lzh::kMinMatch <= n; ++indexed) {
      seen[key(indexed)].push_back(indexed);
    }
  }
  bb->finish();
  out.resize(writer.finish());
  return out;
}

constexpr const char* kExample = "I am what I am; ABABABAB";

TEST(Lzh, given_document_example_when_compressed_then_34_golden_bytes) {
  const Bytes in = from_string(kExample);
  const Bytes out = compress(in);
  EXPECT_EQ(to_hex(out), "00114349b54ffa0cf206e0a83901fc38183b693ada5cdc5440502a32559b9f0cfcfc");
  Bytes back(in.size());
  const CodecResult r = decompress(out, back);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(back, in);
}

TEST(Lzh, given_derived_vectors_when_compressed_then_golden_bytes_and_round_trip) {
  const std::vector<std::pair<std::string, std::string>> vectors = {
      {"", "000100001fe000"},
      {"41", "000220043ff0b6d44004"},
      {"6161616161616161616161616161616161616161", "000328044bfe26e4d46ce004c0"},
  };
  for (const auto& [input, expected] : vectors) {
    const Bytes in = from_hex(input);
    const Bytes out = compress(in);
    EXPECT_EQ(to_hex(out), expected) << input;
    Bytes back(in.size());
    const CodecResult r = decompress(from_hex(expected), back);
    ASSERT_TRUE(r.ok()) << input;
    EXPECT_EQ(r.bytes, in.size());
    EXPECT_EQ(back, in);
  }
}

TEST(Lzh, given_document_example_then_lzss_buffer_matches_stage_vector) {
  std::array<std::byte, 64> sink{};
  BitWriter writer(sink);
  lzh::BlockBuilder bb(writer);
  // The greedy parse of the example: literals, then (len 4, dist 10), ' ', "AB", (len 6, dist 2).
  const std::string lits1 = "I am what";
  for (const char ch : lits1) bb.literal(static_cast<std::uint8_t>(ch));
  bb.literal(' ');
  bb.run(4, 10);
  bb.literal(';');
  bb.literal(' ');
  bb.literal('A');
  bb.literal('B');
  bb.run(6, 2);
  bb.run(lzh::kEofSymbol - 256 + lzh::kMinMatch, 1);
  const auto buf = bb.buffer();
  const Bytes bytes(reinterpret_cast<const std::byte*>(buf.data()),
                    reinterpret_cast<const std::byte*>(buf.data() + buf.size()));
  EXPECT_EQ(to_hex(bytes), "004920616d207768612174200109003b20414203010080fe0000");
}

TEST(Lzh, given_document_frequencies_then_make_tree_gives_document_lengths_and_codes) {
  std::array<std::uint32_t, 2 * lzh::kNc> freq{};
  const std::vector<std::pair<int, std::uint32_t>> f = {
      {0x20, 4}, {0x3B, 1}, {0x41, 1}, {0x42, 1},  {0x49, 1},  {0x61, 2}, {0x68, 1},
      {0x6D, 1}, {0x74, 1}, {0x77, 1}, {0x101, 1}, {0x103, 1}, {0x1FE, 1}};
  for (const auto& [sym, n] : f) freq[static_cast<std::size_t>(sym)] = n;
  std::array<std::uint8_t, lzh::kNc> len{};
  std::array<std::uint16_t, lzh::kNc> code{};
  const int root = lzh::make_tree(lzh::kNc, freq, len, code);
  EXPECT_EQ(root, 0x20A);
  const std::vector<std::tuple<int, int, std::string>> expected = {
      {0x20, 2, "00"},    {0x3B, 5, "11110"}, {0x41, 4, "0110"},  {0x42, 4, "0111"},
      {0x49, 4, "1000"},  {0x61, 3, "010"},   {0x68, 4, "1001"},  {0x6D, 4, "1010"},
      {0x74, 4, "1011"},  {0x77, 4, "1100"},  {0x101, 4, "1101"}, {0x103, 4, "1110"},
      {0x1FE, 5, "11111"}};
  for (const auto& [sym, l, bits] : expected) {
    const auto s = static_cast<std::size_t>(sym);
    EXPECT_EQ(len[s], l) << sym;
    EXPECT_EQ(code[s], std::stoul(bits, nullptr, 2)) << sym;
  }
  // t table of the example: frequencies [3,5,5,0,1,1,9,2].
  std::array<std::uint32_t, 2 * lzh::kNt> t_freq{3, 5, 5, 0, 1, 1, 9, 2};
  std::array<std::uint8_t, lzh::kNt> t_len{};
  std::array<std::uint16_t, lzh::kNt> t_code{};
  lzh::make_tree(lzh::kNt, t_freq, t_len, t_code);
  const std::vector<std::pair<int, std::string>> t_expected = {
      {0, "110"}, {1, "00"}, {2, "01"}, {4, "11110"}, {5, "11111"}, {6, "10"}, {7, "1110"}};
  for (const auto& [sym, bits] : t_expected) {
    const auto s = static_cast<std::size_t>(sym);
    EXPECT_EQ(t_len[s], bits.size()) << sym;
    EXPECT_EQ(t_code[s], std::stoul(bits, nullptr, 2)) << sym;
  }
}

TEST(Lzh, given_skewed_frequencies_then_lengths_are_limited_to_16_and_complete) {
  std::array<std::uint32_t, 2 * lzh::kNc> freq{};
  std::uint32_t a = 1;
  std::uint32_t b = 1;
  for (std::size_t i = 0; i < 25; ++i) {  // Fibonacci weights give a 24-deep tree
    freq[i] = a;
    const std::uint32_t c = a + b;
    a = b;
    b = c;
  }
  std::array<std::uint8_t, lzh::kNc> len{};
  std::array<std::uint16_t, lzh::kNc> code{};
  lzh::make_tree(lzh::kNc, freq, len, code);
  std::uint32_t kraft = 0;
  for (std::size_t i = 0; i < 25; ++i) {
    EXPECT_GE(len[i], 1);
    EXPECT_LE(len[i], 16);
    kraft += 1U << (16U - len[i]);
  }
  EXPECT_EQ(kraft, 1U << 16);
}

TEST(Lzh, given_frequencies_when_make_tree_then_lengths_of_the_spec_make_tree) {
  // Frequency sets for each alphabet size: Fibonacci weights (trees of depth up to 24, which
  // make_len must cut to 16) in shuffled symbol order, many equal weights (the heap's tie rules),
  // and random sparse weights. The lengths must be those of lzh_spec, written from §003's text.
  std::uint32_t seed = 21;
  const auto next = [&seed](std::uint32_t bound) {
    seed = seed * 1103515245U + 12345U;
    return (seed >> 8) % bound;
  };
  int deep_trees = 0;
  for (int round = 0; round < 300; ++round) {
    const int n = std::array{lzh::kNc, lzh::kNt, lzh::kNp}[static_cast<std::size_t>(round % 3)];
    std::vector<std::uint64_t> freq(static_cast<std::size_t>(n), 0);
    const int kind = round / 3 % 3;
    const auto used = static_cast<std::uint32_t>(
        kind == 0 ? (n == lzh::kNc ? 20 + static_cast<int>(next(11)) : n)
                  : 2 + static_cast<int>(next(static_cast<std::uint32_t>(std::min(n, 40)) - 1)));
    const std::uint32_t first = next(static_cast<std::uint32_t>(n));
    std::uint64_t a = 1;
    std::uint64_t b = 1;
    for (std::uint32_t k = 0; k < used; ++k) {
      // 11 is prime to 511, 19 and 17: distinct symbols, in no particular order.
      const std::size_t sym = (first + 11 * k) % static_cast<std::uint32_t>(n);
      if (kind == 0) {  // Fibonacci
        freq[sym] = a;
        b += a;
        a = b - a;
      } else if (kind == 1) {  // many ties
        freq[sym] = 1 + next(3);
      } else {
        freq[sym] = 1 + next(1000);
      }
    }
    std::array<std::uint32_t, 2 * lzh::kNc> work{};
    for (std::size_t i = 0; i < freq.size(); ++i) work[i] = static_cast<std::uint32_t>(freq[i]);
    std::array<std::uint8_t, lzh::kNc> len{};
    std::array<std::uint16_t, lzh::kNc> code{};
    lzh::make_tree(n, work, len, code);
    const std::vector<unsigned> expected = testing::lzh_spec::code_lengths(freq);
    bool deep = false;
    for (std::size_t i = 0; i < freq.size(); ++i) {
      ASSERT_EQ(len[i], expected[i]) << "round " << round << " symbol " << i;
      deep = deep || expected[i] == 16;
    }
    deep_trees += deep ? 1 : 0;
  }
  EXPECT_GT(deep_trees, 50);  // make_len really had work to do
}

TEST(Lzh, given_single_node_fragments_then_document_bits) {
  // The empty input is the one stream whose c and p tables are both single nodes.
  const Bytes empty = compress({});
  // 16-bit count 1, then c single-node 28 bits with 0x1FE, then p single 0.
  EXPECT_EQ(to_hex(empty), "000100001fe000");
  const std::string c_frag = "0000000000000000000110101011";  // c symbol 0x1AB
  std::array<std::byte, 8> buf{};
  BitWriter w(buf);
  w.put(0, lzh::kTbit);
  w.put(0, lzh::kTbit);
  w.put(0, lzh::kCbit);
  w.put(0x1AB, lzh::kCbit);
  w.finish();
  const Bytes expected = from_bits(c_frag);
  EXPECT_EQ(to_hex(std::span(buf).first(4)), to_hex(expected));
}

TEST(Lzh, given_single_c_symbol_stream_then_decodes) {
  // count 3, c single 0x041 ('A'), p single 0: three zero-bit 'A's, then a second block with
  // EOF only.
  const std::string bits = std::string("0000000000000011") + "00000" + "00000" + "000000000" +
                           "001000001" + "00000" + "00000" + "0000000000000001" + "00000" +
                           "00000" + "000000000" + "111111110" + "00000" + "00000";
  Bytes out(3);
  const CodecResult r = decompress(from_bits(bits), out);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.bytes, 3U);
  EXPECT_EQ(out, from_string("AAA"));
}

TEST(Lzh, given_inputs_when_compressed_at_level_1_then_equal_to_the_reference_parse) {
  std::vector<Bytes> inputs = {testing::make_input(testing::Shape::kText, 60000, 11),
                               testing::make_input(testing::Shape::kSkewed, 20000, 12),
                               testing::make_input(testing::Shape::kRuns, 30000, 13)};
  // Distinct 3-byte strings (a 24-bit LFSR), with one copy at distance 65536, the largest
  // allowed, and one at 65537, just outside the window.
  Bytes edge(65536 + 600);
  std::uint32_t state = 1;
  for (std::byte& b : edge) {
    for (int k = 0; k < 8; ++k) {
      const std::uint32_t bit = (state >> 23 ^ state >> 22 ^ state >> 21 ^ state >> 16) & 1U;
      state = (state << 1 | bit) & 0xFFFFFFU;
    }
    b = static_cast<std::byte>(state & 0xFFU);
  }
  std::copy_n(edge.begin() + 64, 40, edge.begin() + 65600);
  std::copy_n(edge.begin() + 163, 40, edge.begin() + 65700);
  inputs.push_back(edge);
  // Stretches of period 1 to 4 (of two alternative contents each), 1..600 bytes long, with
  // short separators: the finder skips through such stretches, and the ties between them
  // decide the distances.
  Bytes runs;
  std::uint32_t seed = 5;
  const auto next = [&seed](std::uint32_t bound) {
    seed = seed * 1103515245U + 12345U;
    return (seed >> 8) % bound;
  };
  const std::array<std::string, 8> patterns = {"a", "b", "ab", "ba", "0  ", "00 ", "xyzw", "xyxz"};
  while (runs.size() < 200000) {
    const std::string& pattern = patterns[next(8)];
    const std::uint32_t length = 1 + next(next(8) == 0 ? 600 : 40);
    for (std::uint32_t k = 0; k < length; ++k) {
      runs.push_back(static_cast<std::byte>(pattern[k % pattern.size()]));
    }
    for (std::uint32_t k = next(4); k > 0; --k) runs.push_back(static_cast<std::byte>(next(3)));
  }
  inputs.push_back(runs);
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    std::size_t max_distance = 0;
    const Bytes expected = reference_stream(inputs[i], max_distance);
    EXPECT_EQ(compress(inputs[i]), expected) << i;
    if (i == 3) {
      EXPECT_EQ(max_distance, lzh::kWindow);
    }
    Bytes back(inputs[i].size());
    const CodecResult r = decompress(expected, back);
    ASSERT_TRUE(r.ok()) << i;
    EXPECT_EQ(back, inputs[i]) << i;
  }
}

TEST(Lzh, given_corpus_files_when_compressed_at_level_1_then_equal_to_the_reference_parse) {
  const auto dir = testing::corpus_dir();
  if (!dir || !std::filesystem::is_directory(*dir / "silesia")) {
    GTEST_SKIP() << "no silesia corpus";
  }
  constexpr std::size_t kPrefix = std::size_t{2} << 20;
  for (const auto& entry : std::filesystem::directory_iterator(*dir / "silesia")) {
    Bytes in = testing::read_file(entry.path());
    in.resize(std::min(in.size(), kPrefix));
    std::size_t max_distance = 0;
    EXPECT_EQ(compress(in), reference_stream(in, max_distance)) << entry.path();
  }
}

TEST(Lzh, given_single_t_and_p_fragments_of_the_document_then_decodes) {
  // Block 1: t single node 0x005 (every c length is 3), c n = 8 (symbols 0..7, 3-bit codes),
  // p single node 0x003, then the literals 1, 2, 3. Block 2: EOF only.
  const std::string bits = std::string("0000000000000011") + "0000000101" + "000001000" +
                           "0000000011" + "001" + "010" + "011" + "0000000000000001" + "00000" +
                           "00000" + "000000000" + "111111110" + "00000" + "00000";
  Bytes out(3);
  const CodecResult r = decompress(from_bits(bits), out);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.bytes, 3U);
  EXPECT_EQ(out, from_hex("010203"));
}

TEST(Lzh, given_incomplete_or_oversized_tables_then_rejected) {
  // Each stream would decode to the empty output if its defect were ignored.
  Bytes out(64);
  const std::string count1 = "0000000000000001";
  const std::string eof_c = "00000" + std::string("00000") + "000000000" + "111111110";
  // p table n = 18 > NP: lengths 1, 1, then 16 zeros; EOF's p-code is "0".
  EXPECT_EQ(
      decompress(from_bits(count1 + eof_c + "10010" + "001001" + std::string(48, '0') + "0"), out)
          .status,
      CodecStatus::kCorrupt);
  // t table incomplete: n = 3, lengths 1, 0, 0 and the 2-bit skip; then c and p single nodes.
  EXPECT_EQ(decompress(from_bits(count1 + "00011" + "001000000" + "00" + "000000000" + "111111110" +
                                 "00000" + "00000"),
                       out)
                .status,
            CodecStatus::kCorrupt);
}

TEST(Lzh, given_multi_block_input_then_round_trips_at_every_level) {
  Bytes in = testing::make_input(testing::Shape::kText, 100000, 7);
  const Bytes tail(in.begin(), in.begin() + 30000);
  in.insert(in.end(), tail.begin(), tail.end());  // far matches across blocks
  for (int level = 1; level <= 3; ++level) {
    const Bytes out = compress(in, level);
    Bytes back(in.size());
    const CodecResult r = decompress(out, back);
    ASSERT_TRUE(r.ok()) << level;
    EXPECT_EQ(r.bytes, in.size());
    EXPECT_EQ(back, in) << level;
    EXPECT_LT(out.size(), in.size());
  }
}

TEST(Lzh, given_example_stream_with_defects_then_rejected) {
  const Bytes good =
      from_hex("00114349b54ffa0cf206e0a83901fc38183b693ada5cdc5440502a32559b9f0cfcfc");
  Bytes out(64);
  // Truncated before EOF.
  for (std::size_t cut = 0; cut < good.size(); ++cut) {
    const Bytes part(good.begin(), good.begin() + static_cast<std::ptrdiff_t>(cut));
    EXPECT_EQ(decompress(part, out).status, CodecStatus::kCorrupt) << cut;
  }
  // A trailing byte, or a nonzero pad bit.
  Bytes extra = good;
  extra.push_back(std::byte{0});
  EXPECT_EQ(decompress(extra, out).status, CodecStatus::kCorrupt);
  Bytes pad = good;
  pad.back() |= std::byte{1};
  EXPECT_EQ(decompress(pad, out).status, CodecStatus::kCorrupt);
  // Output buffer too small.
  Bytes small(23);
  EXPECT_EQ(decompress(good, small).status, CodecStatus::kOutputTooSmall);
}

TEST(Lzh, given_hand_made_malformed_tables_then_rejected) {
  Bytes out(64);
  const std::string count1 = "0000000000000001";
  // t table n = 20 > NT.
  EXPECT_EQ(decompress(from_bits(count1 + "10100" + std::string(80, '0')), out).status,
            CodecStatus::kCorrupt);
  // single c symbol 0x1FF is outside NC.
  EXPECT_EQ(decompress(from_bits(count1 + "00000" + "00000" + "000000000" + "111111111" + "00000" +
                                 "00000"),
                       out)
                .status,
            CodecStatus::kCorrupt);
  // single p symbol 17 is outside NP: a block of one literal 'A' (so p is never decoded), then
  // an EOF block.
  const std::string eof_block =
      count1 + "00000" + "00000" + "000000000" + "111111110" + "00000" + "00000";
  EXPECT_EQ(decompress(from_bits(count1 + "00000" + "00000" + "000000000" + "001000001" + "00000" +
                                 "10001" + eof_block),
                       out)
                .status,
            CodecStatus::kCorrupt);
  // p table incomplete: n = 2, lengths 1 and 0.
  EXPECT_EQ(decompress(from_bits(count1 + "00000" + "00000" + "000000000" + "111111110" + "00010" +
                                 "001" + "000"),
                       out)
                .status,
            CodecStatus::kCorrupt);
  // p table oversubscribed: n = 3, lengths 1, 1, 1.
  EXPECT_EQ(decompress(from_bits(count1 + "00000" + "00000" + "000000000" + "111111110" + "00011" +
                                 "001001001"),
                       out)
                .status,
            CodecStatus::kCorrupt);
  // p length 17 through the unary escape.
  EXPECT_EQ(decompress(from_bits(count1 + "00000" + "00000" + "000000000" + "111111110" + "00010" +
                                 "111" + std::string(10, '1') + "0" + "001"),
                       out)
                .status,
            CodecStatus::kCorrupt);
  // EOF with a nonzero dummy offset: p single symbol 1.
  EXPECT_EQ(decompress(from_bits(count1 + "00000" + "00000" + "000000000" + "111111110" + "00000" +
                                 "00001"),
                       out)
                .status,
            CodecStatus::kCorrupt);
  // A run (len 3, c 0x100) at distance 1 with no output yet (c single 0x100, p 0), then an EOF
  // block.
  EXPECT_EQ(decompress(from_bits(count1 + "00000" + "00000" + "000000000" + "100000000" + "00000" +
                                 "00000" + eof_block),
                       out)
                .status,
            CodecStatus::kCorrupt);
  // The literal block with p symbol 0 in place of 17 decodes.
  EXPECT_TRUE(decompress(from_bits(count1 + "00000" + "00000" + "000000000" + "001000001" +
                                   "00000" + "00000" + eof_block),
                         out)
                  .ok());
  // c table zero run past n. The t table (n = 4) gives symbol 2 (a run of 20+) the code "0"
  // and symbol 3 (length 1) "1"; the c table has n = 3, lengths 1, 1, then a run of 20. Were the
  // run's overshoot ignored, symbols 0 and 1 would form a complete table and the block of one
  // literal 0x00 would decode; with n = 2 and no run it does.
  const std::string t_table = "00100" + std::string("000000001") + "00" + "001";
  const std::string p_single = "00000" + std::string("00000");
  EXPECT_EQ(decompress(from_bits(count1 + t_table + "000000011" + "1" + "1" + "0" + "000000000" +
                                 p_single + "0" + eof_block),
                       out)
                .status,
            CodecStatus::kCorrupt);
  EXPECT_TRUE(
      decompress(from_bits(count1 + t_table + "000000010" + "1" + "1" + p_single + "0" + eof_block),
                 out)
          .ok());
}

}  // namespace
}  // namespace squeezefs::codecs
