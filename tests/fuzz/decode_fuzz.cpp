// Feeds arbitrary bytes to one codec's decoder. The first two input bytes choose the output
// buffer size, so both "output too small" and "fits" paths are explored.
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "squeezefs/codecs/registry.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const squeezefs::codecs::Codec* const codec =
      squeezefs::codecs::find_codec(SQUEEZEFS_FUZZ_CODEC);
  if (codec == nullptr) std::abort();
  if (size < 2) return 0;
  const std::size_t room = (std::size_t{data[0]} << 8 | data[1]) * 4;
  std::vector<std::byte> out(room);
  const auto* in = reinterpret_cast<const std::byte*>(data + 2);
  const auto result = codec->decompress({in, size - 2}, out);
  if (result.bytes > out.size()) std::abort();
  return 0;
}
