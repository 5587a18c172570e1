#pragma once
#include <span>

#include "squeezefs/codecs/codec.h"

namespace squeezefs::codecs::opcode {

// Decodes a complete 000 stream into out; returns the byte count or an error status.
CodecResult decode(std::span<const std::byte> in, std::span<std::byte> out);

}  // namespace squeezefs::codecs::opcode
