#pragma once

#include <cstdint>
#include <string>

#include "squeezefs/codecs/registry.h"

namespace squeezefs::tools {

// Helpers turning option text into values; each throws CommandError with kExitUsage and a
// one-line message on bad text.

// "NAME[:LEVEL]"; an empty text selects default_codec() at its default level.
[[nodiscard]] codecs::CodecChoice codec_choice_option(const std::string& text);

// The codec used when none is named: lzh when registered, else zstd.
[[nodiscard]] const codecs::Codec& default_codec();

// A size such as 64K or 1M (see parse_size); `option` names the option in the message.
[[nodiscard]] std::uint64_t size_option(const std::string& text, const std::string& option);

// A frame block size: a power of two from 4K to 16M.
[[nodiscard]] std::uint32_t block_size_option(const std::string& text);

}  // namespace squeezefs::tools
