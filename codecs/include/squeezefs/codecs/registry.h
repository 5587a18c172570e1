#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "squeezefs/codecs/codec.h"

namespace squeezefs::codecs {

// Every codec the project knows, in id order. The table is explicit (no self-registration) so
// that no codec can be dropped by the linker.
[[nodiscard]] std::span<const Codec* const> all_codecs() noexcept;

[[nodiscard]] const Codec* find_codec(std::string_view name) noexcept;
[[nodiscard]] const Codec* find_codec(CodecId id) noexcept;

// A codec plus the level to use it at, as written on command lines: "NAME" or "NAME:LEVEL".
struct CodecChoice {
  const Codec* codec = nullptr;
  int level = 0;
};

// Parses "NAME[:LEVEL]". On failure returns nullopt and sets `error` to a one-line message.
[[nodiscard]] std::optional<CodecChoice> parse_codec_choice(std::string_view text,
                                                            std::string& error);

}  // namespace squeezefs::codecs
