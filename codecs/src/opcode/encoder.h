#pragma once
#include <array>
#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include "squeezefs/codecs/codec.h"

namespace squeezefs::codecs::opcode {

// Op kinds as the encoder accounts for them; a copy is `101 S` + zero fill, an inverse is
// `101 S` + ones fill, a pattern save is a save of a pre-scanned pattern.
enum class OpKind : unsigned { kFill, kLiteral, kSave, kUse, kCopy, kInverse, kTerminate, kCount };

// Where the bits of one accepted pass go: per op kind, the op count and all its bits (op code,
// slot, LEN and literal payload), plus the LEN fields' and literal payloads' shares.
struct PassBits {
  std::array<std::size_t, static_cast<std::size_t>(OpKind::kCount)> ops{};
  std::array<std::size_t, static_cast<std::size_t>(OpKind::kCount)> bits{};
  std::size_t len_bits = 0;
  std::size_t literal_payload = 0;
  std::size_t input_bits = 0;
  std::size_t output_bits = 0;
};

struct EncodeStats {
  std::size_t passes = 0;
  std::size_t fills = 0;
  std::size_t literals = 0;
  std::size_t saves = 0;
  std::size_t uses = 0;
  std::size_t xors = 0;
  std::size_t copies = 0;           // XOR-modified zero fills copying a saved span
  std::size_t patterns = 0;         // patterns chosen by the counting pre-scan and saved
  std::vector<PassBits> pass_bits;  // accepted passes, first pass first
};

CodecResult encode(std::span<const std::byte> in, std::span<std::byte> out, int level,
                   EncodeStats* stats = nullptr);

// A readable table of stats.pass_bits, for tuning the encoder.
std::string format_stats(const EncodeStats& stats);

}  // namespace squeezefs::codecs::opcode
