#pragma once
#include <span>

#include "squeezefs/codecs/codec.h"

namespace squeezefs::codecs::opcode {

struct EncodeStats {
  std::size_t passes = 0;
  std::size_t fills = 0;
  std::size_t literals = 0;
  std::size_t saves = 0;
  std::size_t uses = 0;
  std::size_t xors = 0;
  std::size_t copies = 0;
  std::size_t patterns = 0;  // patterns chosen by the counting pre-scan and saved  // XOR-modified
                             // zero fills copying a saved span
};

CodecResult encode(std::span<const std::byte> in, std::span<std::byte> out, int level,
                   EncodeStats* stats = nullptr);

}  // namespace squeezefs::codecs::opcode
