#include "../codec_table.h"
#include "decoder.h"
#include "encoder.h"

namespace squeezefs::codecs {
namespace {

// Seed 000: 3-bit op-code bit stream (fills, save/use slots, XOR modifier), multi-pass.
class OpcodeCodec final : public Codec {
 public:
  CodecId id() const noexcept override { return CodecId::kOpcode; }
  std::string_view name() const noexcept override { return "opcode"; }
  std::string_view description() const noexcept override {
    return "3-bit op-code bit stream with runs and repeats (seed 000)";
  }
  LevelRange levels() const noexcept override { return {1, 3, 1}; }
  std::size_t max_compressed_size(std::size_t n) const noexcept override { return n + 1; }
  CodecResult compress(std::span<const std::byte> in, std::span<std::byte> out,
                       int level) const override {
    return opcode::encode(in, out, level);
  }
  CodecResult decompress(std::span<const std::byte> in, std::span<std::byte> out) const override {
    return opcode::decode(in, out);
  }
};

}  // namespace

const Codec& opcode_codec() noexcept {
  static const OpcodeCodec codec;
  return codec;
}

}  // namespace squeezefs::codecs
