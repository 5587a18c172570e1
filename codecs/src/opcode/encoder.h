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
};

CodecResult encode(std::span<const std::byte> in, std::span<std::byte> out, int level,
                   EncodeStats* stats = nullptr);

}  // namespace squeezefs::codecs::opcode
