#include "../codec_table.h"
#include "huffman_format.h"

namespace squeezefs::codecs {
namespace {

// Seed 002: static order-0 Huffman code with a compact tree-shape header. The format has no
// tuning knobs, hence a single level.
class HuffmanCodec final : public Codec {
 public:
  CodecId id() const noexcept override { return CodecId::kHuffman; }
  std::string_view name() const noexcept override { return "huffman"; }
  std::string_view description() const noexcept override {
    return "static Huffman with a compact shape header (seed 002)";
  }
  LevelRange levels() const noexcept override { return {0, 0, 0}; }
  // Header 1 + 256 bytes, tree <= 286 bytes, pad <= 1 byte; data never exceeds 8 bits a byte.
  std::size_t max_compressed_size(std::size_t n) const noexcept override { return n + 560; }

  CodecResult compress(std::span<const std::byte> in, std::span<std::byte> out,
                       int /*level*/) const override {
    return huffman::encode(in, out);
  }
  CodecResult decompress(std::span<const std::byte> in, std::span<std::byte> out) const override {
    return huffman::decode(in, out);
  }
};

}  // namespace

const Codec& huffman_codec() noexcept {
  static const HuffmanCodec codec;
  return codec;
}

}  // namespace squeezefs::codecs
