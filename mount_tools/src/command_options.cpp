#include "command_options.h"

#include "commands.h"
#include "frame_format.h"
#include "size_option.h"

namespace squeezefs::tools {

const codecs::Codec& default_codec() {
  // Looked up by name so the default follows the registry as codecs are added.
  for (const char* name : {"lzh", "zstd"}) {
    if (const codecs::Codec* codec = codecs::find_codec(name)) return *codec;
  }
  throw CommandError("no default codec registered (lzh or zstd)", kExitFailure);
}

codecs::CodecChoice codec_choice_option(const std::string& text) {
  if (text.empty()) {
    const codecs::Codec& codec = default_codec();
    return codecs::CodecChoice{&codec, codec.levels().fallback};
  }
  std::string error;
  const std::optional<codecs::CodecChoice> choice = codecs::parse_codec_choice(text, error);
  if (!choice) throw CommandError(error, kExitUsage);
  return *choice;
}

std::uint64_t size_option(const std::string& text, const std::string& option) {
  const std::optional<std::uint64_t> size = parse_size(text);
  if (!size || *size == 0) {
    throw CommandError("invalid size '" + text + "' for " + option + " (e.g. 4096, 64K, 1M, 1G)",
                       kExitUsage);
  }
  return *size;
}

std::uint32_t block_size_option(const std::string& text) {
  const std::uint64_t size = size_option(text, "--block-size");
  if (!valid_block_size(size)) {
    throw CommandError("invalid block size '" + text + "': a power of two from 4K to 16M",
                       kExitUsage);
  }
  return static_cast<std::uint32_t>(size);
}

}  // namespace squeezefs::tools
