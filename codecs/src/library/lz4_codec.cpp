#include <lz4.h>
#include <lz4hc.h>

#include <limits>

#include "../codec_table.h"

namespace squeezefs::codecs {
namespace {

constexpr int kFastLevel = 1;

// Level 1 is LZ4's fast mode; levels 2-12 are LZ4HC at that level.
class Lz4Codec final : public Codec {
 public:
  CodecId id() const noexcept override { return CodecId::kLz4; }
  std::string_view name() const noexcept override { return "lz4"; }
  std::string_view description() const noexcept override {
    return "LZ4 (liblz4; level 1 fast, 2-12 high compression)";
  }
  LevelRange levels() const noexcept override { return {1, LZ4HC_CLEVEL_MAX, kFastLevel}; }
  std::size_t max_compressed_size(std::size_t n) const noexcept override {
    if (n > LZ4_MAX_INPUT_SIZE) return 0;
    return static_cast<std::size_t>(LZ4_compressBound(static_cast<int>(n)));
  }

  CodecResult compress(std::span<const std::byte> in, std::span<std::byte> out,
                       int level) const override {
    if (in.size() > LZ4_MAX_INPUT_SIZE) return CodecResult::failure(CodecStatus::kIncompressible);
    const auto* src = reinterpret_cast<const char*>(in.data());
    auto* dst = reinterpret_cast<char*>(out.data());
    const int src_size = static_cast<int>(in.size());
    const int capacity = clamp_int(out.size());
    const int n = level <= kFastLevel ? LZ4_compress_default(src, dst, src_size, capacity)
                                      : LZ4_compress_HC(src, dst, src_size, capacity, level);
    if (n <= 0 && !in.empty()) return CodecResult::failure(CodecStatus::kOutputTooSmall);
    return CodecResult::success(static_cast<std::size_t>(n));
  }

  CodecResult decompress(std::span<const std::byte> in, std::span<std::byte> out) const override {
    if (in.size() > static_cast<std::size_t>(std::numeric_limits<int>::max())) {
      return CodecResult::failure(CodecStatus::kCorrupt);
    }
    const auto* src = reinterpret_cast<const char*>(in.data());
    auto* dst = reinterpret_cast<char*>(out.data());
    const int src_size = static_cast<int>(in.size());
    const int capacity = clamp_int(out.size());
    const int n = LZ4_decompress_safe(src, dst, src_size, capacity);
    if (n >= 0) return CodecResult::success(static_cast<std::size_t>(n));
    // The block format does not say which failure it was: if a partial decode fills the whole
    // buffer, the stream is plausible and just needs more room.
    const int partial = LZ4_decompress_safe_partial(src, dst, src_size, capacity, capacity);
    return CodecResult::failure(partial == capacity && capacity > 0 ? CodecStatus::kOutputTooSmall
                                                                    : CodecStatus::kCorrupt);
  }

 private:
  static int clamp_int(std::size_t n) noexcept {
    constexpr auto kMax = static_cast<std::size_t>(std::numeric_limits<int>::max());
    return static_cast<int>(n < kMax ? n : kMax);
  }
};

}  // namespace

const Codec& lz4_codec() noexcept {
  static const Lz4Codec codec;
  return codec;
}

}  // namespace squeezefs::codecs
