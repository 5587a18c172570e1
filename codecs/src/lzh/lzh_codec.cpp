#include "../codec_table.h"
#include "lzh_decoder.h"
#include "lzh_encoder.h"
#include "lzh_format.h"
#include "squeezefs/codecs/bit_writer.h"

namespace squeezefs::codecs {
namespace {

// Seed 003 (archive_lib): LZSS with a 64 KiB window, coded per block with three static
// Huffman tables in LHA -lh7- layout plus an EOF symbol.
class LzhCodec final : public Codec {
 public:
  CodecId id() const noexcept override { return CodecId::kLzh; }
  std::string_view name() const noexcept override { return "lzh"; }
  std::string_view description() const noexcept override {
    return "LZSS + static Huffman tables (archive_lib, LHA -lh7- style)";
  }
  LevelRange levels() const noexcept override {
    return {lzh::kMinLevel, lzh::kMaxLevel, lzh::kDefaultLevel};
  }
  // Codes are at most 16 bits, so no item costs more than 16 bits per input byte; each block
  // (at least ~2600 input bytes unless last) adds its count and tables.
  std::size_t max_compressed_size(std::size_t n) const noexcept override {
    return 2 * n + (n / 2048 + 2) * 1280 + 64;
  }

  CodecResult compress(std::span<const std::byte> in, std::span<std::byte> out,
                       int level) const override {
    BitWriter writer(out);
    lzh::encode(in, writer, level);
    if (writer.overflow()) return CodecResult::failure(CodecStatus::kOutputTooSmall);
    return CodecResult::success(static_cast<std::size_t>(writer.bit_count() / 8));
  }
  CodecResult decompress(std::span<const std::byte> in, std::span<std::byte> out) const override {
    return lzh::decode(in, out);
  }
};

}  // namespace

const Codec& lzh_codec() noexcept {
  static const LzhCodec codec;
  return codec;
}

}  // namespace squeezefs::codecs
