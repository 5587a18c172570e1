#include <zlib.h>

#include <limits>

#include "../codec_table.h"

namespace squeezefs::codecs {
namespace {

constexpr std::size_t kMaxChunk = std::numeric_limits<uInt>::max();

// zlib streams (RFC 1950: deflate with a 2-byte header and an Adler-32 trailer).
class ZlibCodec final : public Codec {
 public:
  CodecId id() const noexcept override { return CodecId::kZlib; }
  std::string_view name() const noexcept override { return "zlib"; }
  std::string_view description() const noexcept override { return "zlib deflate (RFC 1950)"; }
  LevelRange levels() const noexcept override { return {1, 9, 6}; }
  std::size_t max_compressed_size(std::size_t n) const noexcept override {
    return compressBound(static_cast<uLong>(n));
  }

  CodecResult compress(std::span<const std::byte> in, std::span<std::byte> out,
                       int level) const override {
    if (in.size() > kMaxChunk) return CodecResult::failure(CodecStatus::kIncompressible);
    uLongf dest_len = static_cast<uLongf>(out.size() < kMaxChunk ? out.size() : kMaxChunk);
    const int rc =
        compress2(reinterpret_cast<Bytef*>(out.data()), &dest_len,
                  reinterpret_cast<const Bytef*>(in.data()), static_cast<uLong>(in.size()), level);
    if (rc != Z_OK) return CodecResult::failure(CodecStatus::kOutputTooSmall);
    return CodecResult::success(dest_len);
  }

  CodecResult decompress(std::span<const std::byte> in, std::span<std::byte> out) const override {
    if (in.size() > kMaxChunk || out.size() > kMaxChunk) {
      return CodecResult::failure(CodecStatus::kCorrupt);
    }
    // inflate refuses a null output pointer, which an empty span may carry.
    std::byte spare{};
    if (out.empty()) out = std::span<std::byte>(&spare, 0);
    z_stream zs{};
    if (inflateInit(&zs) != Z_OK) return CodecResult::failure(CodecStatus::kCorrupt);
    zs.next_in = const_cast<Bytef*>(reinterpret_cast<const Bytef*>(in.data()));
    zs.avail_in = static_cast<uInt>(in.size());
    zs.next_out = reinterpret_cast<Bytef*>(out.data());
    zs.avail_out = static_cast<uInt>(out.size());
    const int rc = inflate(&zs, Z_FINISH);
    const std::size_t produced = zs.total_out;
    const bool input_left = zs.avail_in != 0;
    inflateEnd(&zs);
    if (rc == Z_STREAM_END && !input_left) return CodecResult::success(produced);
    if (rc == Z_BUF_ERROR && zs.avail_out == 0) {
      return CodecResult::failure(CodecStatus::kOutputTooSmall);
    }
    return CodecResult::failure(CodecStatus::kCorrupt);
  }
};

}  // namespace

const Codec& zlib_codec() noexcept {
  static const ZlibCodec codec;
  return codec;
}

}  // namespace squeezefs::codecs
