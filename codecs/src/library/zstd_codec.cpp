#include <zstd.h>
#include <zstd_errors.h>

#include <memory>

#include "../codec_table.h"

namespace squeezefs::codecs {
namespace {

struct CCtxDeleter {
  void operator()(ZSTD_CCtx* c) const noexcept { ZSTD_freeCCtx(c); }
};
struct DCtxDeleter {
  void operator()(ZSTD_DCtx* d) const noexcept { ZSTD_freeDCtx(d); }
};

// Contexts are expensive to create, so each thread keeps one of each (the codec stays const and
// reentrant; the scratch state is per thread).
ZSTD_CCtx* thread_cctx() {
  thread_local std::unique_ptr<ZSTD_CCtx, CCtxDeleter> ctx(ZSTD_createCCtx());
  return ctx.get();
}
ZSTD_DCtx* thread_dctx() {
  thread_local std::unique_ptr<ZSTD_DCtx, DCtxDeleter> ctx(ZSTD_createDCtx());
  return ctx.get();
}

class ZstdCodec final : public Codec {
 public:
  CodecId id() const noexcept override { return CodecId::kZstd; }
  std::string_view name() const noexcept override { return "zstd"; }
  std::string_view description() const noexcept override { return "Zstandard (libzstd)"; }
  LevelRange levels() const noexcept override { return {1, 19, 3}; }
  std::size_t max_compressed_size(std::size_t n) const noexcept override {
    return ZSTD_compressBound(n);
  }

  CodecResult compress(std::span<const std::byte> in, std::span<std::byte> out,
                       int level) const override {
    const std::size_t n =
        ZSTD_compressCCtx(thread_cctx(), out.data(), out.size(), in.data(), in.size(), level);
    if (ZSTD_isError(n) != 0U) return CodecResult::failure(CodecStatus::kOutputTooSmall);
    return CodecResult::success(n);
  }

  CodecResult decompress(std::span<const std::byte> in, std::span<std::byte> out) const override {
    const std::size_t n =
        ZSTD_decompressDCtx(thread_dctx(), out.data(), out.size(), in.data(), in.size());
    if (ZSTD_isError(n) != 0U) {
      return CodecResult::failure(ZSTD_getErrorCode(n) == ZSTD_error_dstSize_tooSmall
                                      ? CodecStatus::kOutputTooSmall
                                      : CodecStatus::kCorrupt);
    }
    return CodecResult::success(n);
  }
};

}  // namespace

const Codec& zstd_codec() noexcept {
  static const ZstdCodec codec;
  return codec;
}

}  // namespace squeezefs::codecs
