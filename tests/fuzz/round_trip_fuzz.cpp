// Compresses arbitrary bytes with a codec and level chosen by the first two bytes, decompresses
// the result and aborts unless it is identical.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "squeezefs/codecs/registry.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using squeezefs::codecs::all_codecs;
  if (size < 2) return 0;
  const auto codecs = all_codecs();
  const auto& codec = *codecs[data[0] % codecs.size()];
  const auto range = codec.levels();
  const int level = range.min + data[1] % (range.max - range.min + 1);
  const auto* in = reinterpret_cast<const std::byte*>(data + 2);
  const std::size_t n = size - 2;

  std::vector<std::byte> packed(codec.max_compressed_size(n));
  const auto c = codec.compress({in, n}, packed, level);
  if (!c.ok()) std::abort();
  std::vector<std::byte> unpacked(n);
  const auto d = codec.decompress({packed.data(), c.bytes}, unpacked);
  if (!d.ok() || d.bytes != n || (n > 0 && std::memcmp(unpacked.data(), in, n) != 0)) std::abort();
  return 0;
}
