#include <cstring>

#include "../codec_table.h"

namespace squeezefs::codecs {
namespace {

// Stores bytes unchanged: the baseline for measurements and the codec for stores that only
// want checksums and sparse-file handling.
class NoneCodec final : public Codec {
 public:
  CodecId id() const noexcept override { return CodecId::kNone; }
  std::string_view name() const noexcept override { return "none"; }
  std::string_view description() const noexcept override { return "no compression (copy)"; }
  LevelRange levels() const noexcept override { return {0, 0, 0}; }
  std::size_t max_compressed_size(std::size_t n) const noexcept override { return n; }

  CodecResult compress(std::span<const std::byte> in, std::span<std::byte> out,
                       int /*level*/) const override {
    return copy(in, out);
  }
  CodecResult decompress(std::span<const std::byte> in, std::span<std::byte> out) const override {
    return copy(in, out);
  }

 private:
  static CodecResult copy(std::span<const std::byte> in, std::span<std::byte> out) {
    if (in.size() > out.size()) return CodecResult::failure(CodecStatus::kOutputTooSmall);
    if (!in.empty()) std::memcpy(out.data(), in.data(), in.size());
    return CodecResult::success(in.size());
  }
};

}  // namespace

const Codec& none_codec() noexcept {
  static const NoneCodec codec;
  return codec;
}

}  // namespace squeezefs::codecs
