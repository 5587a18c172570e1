#include <algorithm>
#include <cstring>
#include <memory>

#include "../codec_table.h"
#include "encoder.h"
#include "stage1.h"
#include "tokens.h"

namespace squeezefs::codecs {
namespace {

using compress1d::Search;

// Scratch without zero-filling: every byte is written before it is read.
std::unique_ptr<std::byte[]> scratch(std::size_t size) {
  return std::make_unique_for_overwrite<std::byte[]>(size);
}

CodecResult decode(std::span<const std::byte> in, std::span<std::byte> out) {
  if (in.empty()) return CodecResult::success(0);
  const auto expanded = compress1d::scan_tokens(in);
  if (!expanded) return CodecResult::failure(CodecStatus::kCorrupt);
  const auto n = compress1d::original_size(*expanded);
  if (!n) return CodecResult::failure(CodecStatus::kCorrupt);
  if (*n > out.size()) return CodecResult::failure(CodecStatus::kOutputTooSmall);
  // At most 4 bytes per token byte, so the scratch is bounded by the input.
  const auto e = scratch(*expanded);
  const std::span<std::byte> e_span(e.get(), *expanded);
  if (!compress1d::expand_tokens(in, e_span) || !compress1d::unpack(e_span, out.first(*n))) {
    return CodecResult::failure(CodecStatus::kCorrupt);
  }
  return CodecResult::success(*n);
}

// seed 001: 7-bit bytes (layout B), then logic/value pairs for runs, strides and series.
class Compress1dCodec final : public Codec {
 public:
  CodecId id() const noexcept override { return CodecId::kCompress1d; }
  std::string_view name() const noexcept override { return "compress1d"; }
  std::string_view description() const noexcept override {
    return "seed 001: 7-bit bytes with logic bytes for runs and series";
  }
  // 1: runs and addition strides; 2: also power and Fibonacci series.
  LevelRange levels() const noexcept override { return {1, 2, 1}; }
  std::size_t max_compressed_size(std::size_t n) const noexcept override {
    return compress1d::expanded_size(n);
  }

  CodecResult compress(std::span<const std::byte> in, std::span<std::byte> out,
                       int level) const override {
    if (in.empty()) return CodecResult::success(0);
    const std::size_t m = compress1d::expanded_size(in.size());
    const auto e = scratch(m);
    const std::span<std::byte> e_span(e.get(), m);
    // Tokens never outgrow m, so a large enough `out` takes them directly.
    std::unique_ptr<std::byte[]> spill;
    std::span<std::byte> target = out.first(std::min(out.size(), m));
    if (out.size() < m) {
      spill = scratch(m);
      target = std::span<std::byte>(spill.get(), m);
    }
    compress1d::pack(in, e_span);
    const Search search = level >= 2 ? Search::kSeries : Search::kStrides;
    const auto tokens = compress1d::tokenize(e_span, target, search);
    std::size_t size = tokens.size;
    if (tokens.used_series && !round_trips(in, target.first(size))) {
      // The format asks series encoders to verify by decoding; plain runs are safe.
      compress1d::pack(in, e_span);
      size = compress1d::tokenize(e_span, target, Search::kRuns).size;
    }
    if (size > out.size()) return CodecResult::failure(CodecStatus::kOutputTooSmall);
    if (spill) std::memcpy(out.data(), target.data(), size);
    return CodecResult::success(size);
  }

  CodecResult decompress(std::span<const std::byte> in, std::span<std::byte> out) const override {
    return decode(in, out);
  }

 private:
  static bool round_trips(std::span<const std::byte> in, std::span<const std::byte> tokens) {
    const auto check = scratch(in.size());
    const CodecResult r = decode(tokens, std::span<std::byte>(check.get(), in.size()));
    return r.ok() && r.bytes == in.size() && std::memcmp(check.get(), in.data(), in.size()) == 0;
  }
};

}  // namespace

const Codec& compress1d_codec() noexcept {
  static const Compress1dCodec codec;
  return codec;
}

}  // namespace squeezefs::codecs
