#pragma once

// Stage 2 of compress1d (specs/CODECS.md, 001): the token stream. A byte below 0x80 is a
// literal; a byte with the MSB set is a LOGIC byte that must be followed by a VALUE byte with
// the MSB set. Both functions treat the tokens as hostile.

#include <cstddef>
#include <optional>
#include <span>

namespace squeezefs::codecs::compress1d {

// Validates the token structure (pairing, reserved type 11) and returns the expanded length,
// or nothing for a malformed stream. Spans are checked later, by expand_tokens.
[[nodiscard]] std::optional<std::size_t> scan_tokens(std::span<const std::byte> tokens) noexcept;

// Expands a stream accepted by scan_tokens into `e`, whose size must be the length it returned.
// Works from the last token to the first, filling `e` from its end, so the bytes a pair
// interleaves with are already in place. Returns false when a pair spans past the end.
[[nodiscard]] bool expand_tokens(std::span<const std::byte> tokens,
                                 std::span<std::byte> e) noexcept;

}  // namespace squeezefs::codecs::compress1d
