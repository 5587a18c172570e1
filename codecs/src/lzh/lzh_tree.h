#pragma once
// Code construction of LHA's maketree.c, ported exactly: the tie rules of its heap decide the
// code lengths, and the format's golden vectors depend on them.

#include <cstdint>
#include <span>

namespace squeezefs::codecs::lzh {

// Builds code lengths and canonical codes for `freq` (n symbols). `freq` must have room for
// 2n entries: internal node weights are stored past n. Returns the root: a value < n means a
// single symbol (or none, then 0) and all lengths are 0.
int make_tree(int n, std::span<std::uint32_t> freq, std::span<std::uint8_t> len,
              std::span<std::uint16_t> code);

// Canonical codes: shorter codes first, ascending symbols within one length.
void make_code(int n, std::span<const std::uint8_t> len, std::span<std::uint16_t> code);

}  // namespace squeezefs::codecs::lzh
