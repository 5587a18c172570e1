#pragma once

// Stage 1 of compress1d (specs/CODECS.md, 001, layout B): n bytes become m = n + ceil(n/7)
// bytes below 0x80 - the low 7 bits of every byte, then one MSB byte per 7-byte group. In
// group g the MSB of the first byte goes to 0x40 and of the last to 0x01; unused bits are 0.

#include <cstddef>
#include <optional>
#include <span>

namespace squeezefs::codecs::compress1d {

// m for n input bytes.
[[nodiscard]] constexpr std::size_t expanded_size(std::size_t n) noexcept {
  return n + n / 7 + (n % 7 != 0 ? 1 : 0);
}

// n for an expanded length m, or nothing when m mod 8 == 1 (no n maps there).
[[nodiscard]] constexpr std::optional<std::size_t> original_size(std::size_t m) noexcept {
  const std::size_t q = m / 8;
  const std::size_t r = m % 8;
  if (r == 1) return std::nullopt;
  return r == 0 ? 7 * q : 7 * q + r - 1;
}

// Writes expanded_size(in.size()) bytes to `e`, which must be that large.
void pack(std::span<const std::byte> in, std::span<std::byte> e) noexcept;

// Inverse of pack: `e` holds m bytes below 0x80 with original_size(m) == out.size().
// Returns false when an unused MSB bit of the last group is set.
[[nodiscard]] bool unpack(std::span<const std::byte> e, std::span<std::byte> out) noexcept;

}  // namespace squeezefs::codecs::compress1d
