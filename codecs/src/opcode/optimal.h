#pragma once
// The thorough pass encoder (level 3): a shortest-path parse over every bit position, with
// fills, literals, copies found at any bit distance and counted patterns as the edges.
#include "bits.h"
#include "encoder.h"

namespace squeezefs::codecs::opcode {

// Writes one pass of `in` (ending with `111`) into `out`. The input must hold fewer than 2^32
// bits.
void encode_pass_optimal(const Bits& in, Bits& out, EncodeStats& stats, PassBits& bits);

}  // namespace squeezefs::codecs::opcode
