#include <gtest/gtest.h>

#include <cstdint>
#include <iostream>
#include <string>
#include <vector>

#include "../../codecs/src/opcode/encoder.h"
#include "squeezefs/codecs/registry.h"
#include "test_inputs.h"

namespace squeezefs::codecs {
namespace {

using Bytes = std::vector<std::byte>;

const Codec& codec() {
  return *find_codec("opcode");
}

Bytes from_hex(const std::string& hex) {
  Bytes out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<std::byte>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  }
  return out;
}

// PASSES byte, then the given bit string ('0'/'1', spaces ignored), zero padded to bytes.
Bytes stream(unsigned passes, const std::string& bits) {
  Bytes out{static_cast<std::byte>(passes)};
  unsigned acc = 0;
  unsigned n = 0;
  for (const char c : bits) {
    if (c != '0' && c != '1') continue;
    acc = (acc << 1) | (c == '1' ? 1U : 0U);
    if (++n == 8) {
      out.push_back(static_cast<std::byte>(acc));
      acc = 0;
      n = 0;
    }
  }
  if (n > 0) out.push_back(static_cast<std::byte>(acc << (8 - n)));
  return out;
}

CodecResult decode(const Bytes& in, std::size_t cap, Bytes* out = nullptr) {
  Bytes buf(cap);
  const CodecResult r = codec().decompress(in, buf);
  if (out != nullptr && r.ok()) *out = Bytes(buf.begin(), buf.begin() + static_cast<long>(r.bytes));
  return r;
}

void expect_round_trip(const Bytes& in, int level, opcode::EncodeStats* stats = nullptr) {
  Bytes comp(codec().max_compressed_size(in.size()));
  const CodecResult c = opcode::encode(in, comp, level, stats);
  ASSERT_TRUE(c.ok());
  comp.resize(c.bytes);
  Bytes back;
  ASSERT_TRUE(decode(comp, in.size(), &back).ok());
  EXPECT_EQ(back, in);
}

TEST(Opcode, given_golden_decode_vectors_then_output_matches) {
  const std::vector<std::pair<std::string, std::string>> vectors = {
      {"010407", "00000000000000000000000000000000"},
      {"0180420a80873ac408e0", "414141be"},
      {"028080043f", "0000"},
      {"006869", "6869"},
      {"010407", "00000000000000000000000000000000"},
      {"01280a07",
       "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"},
      {"0041", "41"},
      {"0182020a121a220a121a220406318c6318c6318c6318c6318c6318ce",
       "4142434441424344414243444142434441424344414243444142434441424344414243444142434441424344414"
       "2434441424344414243444142434441424344414243444142434441424344414243444142434441424344414243"
       "4441424344414243444142434441424344414243444142434441424344414243444142434441424344414243444"
       "1424344414243444142434441424344414243444142434441424344414243444142434441424344414243444142"
       "434441424344414243444142434441424344"},
      {"02854803e003007c00600f800c01f001a0406318c6318c61018400690c20035060c8016c8016c8016c8016c8016"
       "c80de318c67e0",
       "0001000100010001000100010001000100010001000100010001000100010001000100010001000100010001000"
       "1000100010001000100010001000100010001000100010001000100010001000100010001000100010001000100"
       "0100010001000100010001000100010001000100010001000100010001000100010001000100010001000100010"
       "0010001000100010001000100010001000100010001000100010001000100010001000100010001000100010001"
       "0001000100010001000100010001000100010001000100010001000100010001000100010001000100010001000"
       "1000100010001000100010001000100010001000100010001000100010001000100010001000100010001000100"
       "0100010001000100010001000100010001000100010001000100010001000100010001000100010001000100010"
       "0010001000100010001000100010001000100010001000100010001000100010001000100010001000100010001"
       "0001000100010001000100010001000100010001000100010001000100010001000100010001000100010001000"
       "1000100010001000100010001000100010001000100010001000100010001000100010001000100010001000100"
       "0100010001000100010001000100010001000100010001000100010001000100010001000100010001000100010"
       "0010001000100010001000100010001000100010001000100010001000100010001000100010001000100010001"
       "0001000100010001000100010001000100010001000100010001000100010001000100010001000100010001000"
       "10001000100010001"},
  };
  for (const auto& [in, expected] : vectors) {
    Bytes out;
    ASSERT_TRUE(decode(from_hex(in), 4096, &out).ok()) << in;
    EXPECT_EQ(out, from_hex(expected)) << in;
    expect_round_trip(from_hex(expected), 1);
    expect_round_trip(from_hex(expected), 3);
  }
}

TEST(Opcode, given_malformed_streams_then_corrupt) {
  const std::vector<Bytes> bad = {
      from_hex("01c0"),                                       // 110 reserved
      from_hex("0167"),                                       // use of empty slot
      from_hex("01000380"),                                   // LEN 0
      stream(1, "000 00 00001000  010 00 00 00010000  111"),  // save longer than output
      stream(1, "000 00 00001000  010 00 00 00001000  101 00  010 00 00 00000001 111"),
      stream(1, "000 00 00001000  101 00  111"),  // modifier before 111
      stream(1, "000 00 0000"),                   // truncated LEN
      stream(1, "100 00 00010000  0000"),         // truncated literal
      stream(1, "000 00 00000111  111"),          // 7 bits: not whole bytes
      // Non-zero padding: 29 bits, then 3 pad bits "010" (fewer than 8, so only their value is
      // wrong).
      stream(1, "000 00 00001000  000 00 00001000  111 010"),
      stream(1, "000 00 00001000  111 00000 00000000"),  // 8+ padding bits
      // An inner stream (a 17-bit literal) with a bit after its 111.
      stream(2, "100 00 00010001  000 00 00010000 111 0  111"),
      stream(1, "101 00 000 00 00001000 111"),  // modifier on an empty slot
      stream(1, ""),                            // missing terminator
  };
  for (std::size_t i = 0; i < bad.size(); ++i) {
    EXPECT_EQ(decode(bad[i], 4096).status, CodecStatus::kCorrupt) << "stream " << i;
  }
  // The same two streams without their defect decode, so the defect is what is rejected.
  EXPECT_TRUE(decode(stream(1, "000 00 00001000  000 00 00001000  111"), 4096).ok());
  EXPECT_TRUE(decode(stream(2, "100 00 00010000  000 00 00010000 111  111"), 4096).ok());
}

TEST(Opcode, given_bomb_streams_then_output_too_small_fast) {
  // One fill of 2^32-1 bits into a 100-byte buffer.
  EXPECT_EQ(decode(stream(1, "001 11 11111111111111111111111111111111 111"), 100).status,
            CodecStatus::kOutputTooSmall);
  // Doubling by save/use: each round saves the whole output so far and uses it once more.
  const auto doubling = [](int rounds) {
    std::string bits = "001 00 00001000";  // 8 one bits
    for (std::uint64_t size = 8; rounds-- > 0; size *= 2) {
      bits += " 010 00 11 ";  // save slot 0, the last `size` bits (a 32-bit LEN)
      for (int i = 31; i >= 0; --i) bits += ((size >> i) & 1U) != 0 ? '1' : '0';
      bits += " 011 00";  // use slot 0
    }
    return stream(1, bits + " 111");
  };
  Bytes small;
  ASSERT_TRUE(decode(doubling(3), 64, &small).ok()) << "the stream is well formed";
  EXPECT_EQ(small, Bytes(8, std::byte{0xFF}));
  // Far beyond the buffer.
  EXPECT_EQ(decode(doubling(28), 1 << 16).status, CodecStatus::kOutputTooSmall);
  // Nested: the outer pass writes an inner stream whose fill is huge.
  const std::string inner = "001 11 11111111111111111111111111111111 111";
  std::string inner_bits;
  for (const char c : inner) {
    if (c == '0' || c == '1') inner_bits += c;
  }
  std::string len;
  for (int i = 7; i >= 0; --i) len += ((inner_bits.size() >> i) & 1U) != 0 ? '1' : '0';
  EXPECT_EQ(decode(stream(2, "100 00 " + len + " " + inner_bits + " 111"), 1000).status,
            CodecStatus::kOutputTooSmall);
  // Outer pass itself expanding beyond the bound.
  EXPECT_EQ(decode(stream(2, "000 11 00000000111111111111111111111111 111"), 1000).status,
            CodecStatus::kOutputTooSmall);
}

TEST(Opcode, given_two_pass_stream_then_decodes) {
  Bytes out;
  ASSERT_TRUE(decode(from_hex("028080043f"), 2, &out).ok());
  EXPECT_EQ(out, Bytes(2, std::byte{0}));
  EXPECT_EQ(decode(from_hex("028080043f"), 1).status, CodecStatus::kOutputTooSmall);
}

TEST(Opcode, given_repetitive_input_then_encoder_uses_fills_save_use_and_passes) {
  Bytes aaa(100000, std::byte{'a'});
  opcode::EncodeStats stats;
  expect_round_trip(aaa, 1, &stats);
  EXPECT_GT(stats.saves, 0U);
  EXPECT_GT(stats.copies, 0U);
  Bytes comp(aaa.size() + 1);
  const CodecResult c = codec().compress(aaa, comp, 1);
  ASSERT_TRUE(c.ok());
  EXPECT_LT(c.bytes, 128U);

  Bytes runs(5000, std::byte{0});
  for (std::size_t i = 0; i < runs.size(); i += 700) runs[i] = std::byte{0x5a};
  opcode::EncodeStats run_stats;
  expect_round_trip(runs, 3, &run_stats);
  EXPECT_GT(run_stats.fills, 0U);
  EXPECT_GE(run_stats.passes, 1U);
}

TEST(Opcode, given_complemented_repeat_then_encoder_uses_xor_modifier) {
  Bytes in;
  for (int i = 0; i < 64; ++i) in.push_back(static_cast<std::byte>(i * 37 + 11));
  for (std::size_t i = 0; i < 64; ++i) in.push_back(in[60 + i % 4] ^ std::byte{0xFF});
  opcode::EncodeStats stats;
  expect_round_trip(in, 1, &stats);
  // An XOR applied to something other than a copying zero fill: the ones fill.
  EXPECT_GT(stats.xors, stats.copies);
}

Bytes pseudo_random(std::size_t n, std::uint32_t seed) {
  Bytes out(n);
  for (auto& b : out) {
    seed = seed * 1664525U + 1013904223U;
    b = static_cast<std::byte>(seed >> 24);
  }
  return out;
}

TEST(Opcode, given_block_repeated_once_then_encoder_saves_and_uses_it) {
  Bytes in = pseudo_random(200, 7);
  const Bytes tail = pseudo_random(100, 8);
  in.insert(in.end(), in.begin() + 100, in.begin() + 200);
  in.insert(in.end(), tail.begin(), tail.end());
  opcode::EncodeStats stats;
  expect_round_trip(in, 1, &stats);
  EXPECT_GT(stats.uses, 0U);
  EXPECT_EQ(stats.copies, 0U);
}

TEST(Opcode, given_partial_repeat_then_encoder_copies_through_xor_zero_fill) {
  Bytes in = pseudo_random(300, 9);
  const Bytes tail = pseudo_random(100, 10);
  in.insert(in.end(), in.begin() + 50, in.begin() + 120);
  in.insert(in.end(), tail.begin(), tail.end());
  opcode::EncodeStats stats;
  expect_round_trip(in, 1, &stats);
  EXPECT_GT(stats.copies, 0U);
  EXPECT_EQ(stats.uses, 0U);
}

TEST(Opcode, given_random_input_then_stored_with_one_byte_overhead) {
  Bytes in(3000);
  std::uint32_t x = 12345;
  for (auto& b : in) {
    x = x * 1664525U + 1013904223U;
    b = static_cast<std::byte>(x >> 24);
  }
  Bytes comp(in.size() + 1);
  const CodecResult c = codec().compress(in, comp, 1);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c.bytes, in.size() + 1);
  EXPECT_EQ(comp[0], std::byte{0});
}

TEST(Opcode, given_recurring_token_then_level_3_saves_the_counted_pattern_and_uses_it) {
  const Bytes noise = pseudo_random(4000, 11);
  const Bytes token = from_hex("c0ffee123456");
  Bytes in;
  for (std::size_t i = 0; i < noise.size(); i += 40) {
    in.insert(in.end(), noise.begin() + static_cast<long>(i),
              noise.begin() + static_cast<long>(i + 40));
    in.insert(in.end(), token.begin(), token.end());
  }
  opcode::EncodeStats fast;
  expect_round_trip(in, 1, &fast);
  EXPECT_EQ(fast.patterns, 0U);
  opcode::EncodeStats stats;
  expect_round_trip(in, 3, &stats);
  EXPECT_GT(stats.patterns, 0U);
  EXPECT_GT(stats.uses, 50U);
}

TEST(Opcode, given_pattern_ending_in_zeros_before_a_zero_run_then_round_trips) {
  // Saving the pattern flushes the literal up to its end; the zero fill that follows must
  // not reach back over those bits.
  const Bytes noise = pseudo_random(3000, 12);
  const Bytes token = from_hex("a1b2c300");
  Bytes in;
  for (std::size_t i = 0; i < noise.size(); i += 30) {
    in.insert(in.end(), noise.begin() + static_cast<long>(i),
              noise.begin() + static_cast<long>(i + 30));
    in.insert(in.end(), token.begin(), token.end());
    in.insert(in.end(), 6 + i % 7, std::byte{0});
  }
  for (int level = 1; level <= 3; ++level) expect_round_trip(in, level);
}

// Packs a '0'/'1' string into bytes, zero padded.
Bytes pack_bits(const std::string& bits) {
  Bytes out((bits.size() + 7) / 8);
  for (std::size_t i = 0; i < bits.size(); ++i) {
    if (bits[i] == '1') out[i / 8] |= static_cast<std::byte>(0x80U >> (i % 8));
  }
  return out;
}

std::size_t compressed_size(const Bytes& in, int level, opcode::EncodeStats* stats) {
  Bytes comp(in.size() + 1);
  const CodecResult c = opcode::encode(in, comp, level, stats);
  EXPECT_TRUE(c.ok());
  return c.bytes;
}

// Bits in runs of 1 to 24 equal bits, like a scanned bitmap's.
std::string run_bits(std::size_t n, std::uint32_t seed) {
  std::string bits;
  char bit = '0';
  while (bits.size() < n) {
    seed = seed * 1664525U + 1013904223U;
    bits.append(std::min<std::size_t>(1 + (seed >> 24) % 24, n - bits.size()), bit);
    bit = bit == '0' ? '1' : '0';
  }
  return bits;
}

TEST(Opcode, given_repeat_at_a_bit_offset_then_level_3_copies_it) {
  // 700 bits recur 1703 bits later, 3 bits off any byte boundary: only a bit-granular search
  // sees it.
  const std::string head = run_bits(2003, 21);
  const Bytes in = pack_bits(head + head.substr(300, 700) + run_bits(997, 22));
  opcode::EncodeStats fast;
  expect_round_trip(in, 1, &fast);
  EXPECT_EQ(fast.copies, 0U);
  opcode::EncodeStats thorough;
  expect_round_trip(in, 3, &thorough);
  EXPECT_GE(thorough.copies, 1U);
  EXPECT_LT(compressed_size(in, 3, nullptr) + 60, compressed_size(in, 1, nullptr));
}

TEST(Opcode, given_scan_lines_with_thin_strokes_then_level_3_copies_lines_and_accounts_bits) {
  // A 1728-pixel fax page: a frame of 2-pixel vertical strokes, a ruled line every 16 rows
  // and a few specks; the lines between rules repeat the line above.
  std::string page;
  std::uint32_t seed = 5;
  for (int row = 0; row < 300; ++row) {
    std::string line(1728, '0');
    for (const std::size_t col : {100U, 101U, 640U, 641U, 1500U, 1501U}) line[col] = '1';
    if (row % 16 == 0) std::fill(line.begin() + 100, line.begin() + 1502, '1');
    seed = seed * 1664525U + 1013904223U;
    if (row % 7 == 3) line[200 + (seed >> 22)] = '1';
    page += line;
  }
  const Bytes in = pack_bits(page);
  opcode::EncodeStats fast;
  expect_round_trip(in, 1, &fast);
  opcode::EncodeStats stats;
  expect_round_trip(in, 3, &stats);
  EXPECT_GT(stats.copies + stats.uses, 10U);
  EXPECT_GT(stats.fills, 10U);
  EXPECT_LT(compressed_size(in, 3, nullptr), compressed_size(in, 1, nullptr));
  // Every bit of each accepted pass is charged to exactly one op kind.
  ASSERT_EQ(stats.pass_bits.size(), stats.passes);
  for (const opcode::PassBits& pass : stats.pass_bits) {
    std::size_t sum = 0;
    for (const std::size_t bits : pass.bits) sum += bits;
    EXPECT_EQ(sum, pass.output_bits);
    EXPECT_LT(pass.output_bits, pass.input_bits);
    EXPECT_LE(pass.len_bits + pass.literal_payload, pass.output_bits);
  }
  EXPECT_EQ(stats.pass_bits.front().input_bits, 8 * in.size());
  EXPECT_NE(opcode::format_stats(stats).find("copy"), std::string::npos);
}

// The corpus targets in 128 KiB blocks, as the store and `codec bench` cut files; prints where
// the bits of each block go.
std::size_t compressed_in_blocks(const Bytes& file, int level, bool dump) {
  constexpr std::size_t kBlock = 128 * 1024;
  std::size_t total = 0;
  for (std::size_t at = 0; at < file.size(); at += kBlock) {
    const Bytes block(file.begin() + static_cast<long>(at),
                      file.begin() + static_cast<long>(std::min(file.size(), at + kBlock)));
    opcode::EncodeStats stats;
    Bytes comp(block.size() + 1);
    const CodecResult c = opcode::encode(block, comp, level, &stats);
    EXPECT_TRUE(c.ok());
    comp.resize(c.bytes);
    Bytes back;
    EXPECT_TRUE(decode(comp, block.size(), &back).ok());
    EXPECT_EQ(back, block);
    if (dump) std::cout << "block at " << at << ", level " << level << ":\n" << format_stats(stats);
    total += c.bytes;
  }
  return total;
}

TEST(Opcode, given_corpus_targets_then_ratios_are_met) {
  const auto dir = testing::corpus_dir();
  if (!dir) GTEST_SKIP() << "no corpus";
  const Bytes ptt5 = testing::read_file(*dir / "canterbury" / "ptt5");
  const Bytes aaa = testing::read_file(*dir / "artificial" / "aaa.txt");
  for (int level = 1; level <= 3; ++level) {
    const std::size_t size = compressed_in_blocks(ptt5, level, level == 3);
    std::cout << "ptt5 level " << level << ": " << size << " bytes\n";
    // The fax bitmap needs the bit-granular copies and the shortest-path parse of level 3.
    if (level == 3) {
      EXPECT_LT(size, ptt5.size() / 6);
    }
    EXPECT_LT(compressed_in_blocks(aaa, level, false), 128U);
  }
}

}  // namespace
}  // namespace squeezefs::codecs
