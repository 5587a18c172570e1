#pragma once
// Pattern discovery for the opcode encoder (the seed's counting tree, kept bounded): counts
// byte-aligned windows of 16..64 bits in fixed-size hash tables and picks the most
// profitable ones to hold in slots for 5-bit `use` ops.
#include <cstddef>
#include <cstdint>
#include <vector>

namespace squeezefs::codecs::opcode {

struct Pattern {
  std::uint64_t key = 0;  // the window's bytes, first byte in the low bits
  unsigned length = 0;    // bytes
  bool saved = false;
};

// Loads n <= 8 bytes at data as a pattern key.
std::uint64_t load_key(const std::uint8_t* data, unsigned n) noexcept;

// Up to max_patterns windows with positive score (occ-1)*(L-5) - (5+|LEN(L)|), L in bits,
// none a substring or rotation of another. Memory is bounded whatever the input size.
std::vector<Pattern> choose_patterns(const std::uint8_t* data, std::size_t n,
                                     std::size_t max_patterns);

}  // namespace squeezefs::codecs::opcode
