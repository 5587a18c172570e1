#include "squeezefs/codecs/registry.h"

#include <array>
#include <charconv>

#include "codec_table.h"

namespace squeezefs::codecs {

std::string_view to_string(CodecStatus status) noexcept {
  switch (status) {
    case CodecStatus::kOk:
      return "ok";
    case CodecStatus::kCorrupt:
      return "corrupt stream";
    case CodecStatus::kOutputTooSmall:
      return "output larger than expected";
    case CodecStatus::kIncompressible:
      return "incompressible";
  }
  return "unknown status";
}

std::span<const Codec* const> all_codecs() noexcept {
  static const std::array<const Codec*, 8> table = {
      // clang-format off
      &none_codec(),
      &zstd_codec(),
      &lz4_codec(),
      &zlib_codec(),
      &lzh_codec(),
      &huffman_codec(),
      &opcode_codec(),
      &compress1d_codec(),
      // clang-format on
  };
  return table;
}

const Codec* find_codec(std::string_view name) noexcept {
  for (const Codec* codec : all_codecs()) {
    if (codec->name() == name) return codec;
  }
  return nullptr;
}

const Codec* find_codec(CodecId id) noexcept {
  for (const Codec* codec : all_codecs()) {
    if (codec->id() == id) return codec;
  }
  return nullptr;
}

std::optional<CodecChoice> parse_codec_choice(std::string_view text, std::string& error) {
  const auto colon = text.find(':');
  const std::string_view name = text.substr(0, colon);
  const Codec* codec = find_codec(name);
  if (codec == nullptr) {
    error = "unknown codec '" + std::string(name) + "' (see 'squeezefs codec list')";
    return std::nullopt;
  }
  const LevelRange range = codec->levels();
  int level = range.fallback;
  if (colon != std::string_view::npos) {
    const std::string_view digits = text.substr(colon + 1);
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), level);
    if (digits.empty() || ec != std::errc{} || end != digits.data() + digits.size() ||
        !range.contains(level)) {
      error = "invalid level '" + std::string(digits) + "' for codec " + std::string(name) +
              " (levels " + std::to_string(range.min) + "-" + std::to_string(range.max) + ")";
      return std::nullopt;
    }
  }
  return CodecChoice{codec, level};
}

}  // namespace squeezefs::codecs
