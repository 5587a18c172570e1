#include <algorithm>
#include <array>
#include <cstring>
#include <memory>
#include <vector>

#include "../codec_table.h"
#include "encoder.h"
#include "stage1.h"
#include "tokens.h"

namespace squeezefs::codecs {
namespace {

using compress1d::Search;

// Per-thread scratch, reused across calls: fresh blocks of this size would be returned to the
// system on every free and page-faulted back in on every call. Very large requests (hostile
// streams expand up to 4x) get their own allocation so a thread never keeps them.
enum class Slot : std::size_t { kDecode, kEncode, kSpill, kCheck, kCount };

class Scratch {
 public:
  Scratch(Slot slot, std::size_t size) {
    thread_local std::array<std::vector<std::byte>, static_cast<std::size_t>(Slot::kCount)> kept;
    if (size <= kKeepLimit) {
      auto& buffer = kept[static_cast<std::size_t>(slot)];
      if (buffer.size() < size) buffer.resize(size);
      data_ = buffer.data();
    } else {
      owned_ = std::make_unique_for_overwrite<std::byte[]>(size);
      data_ = owned_.get();
    }
    size_ = size;
  }
  [[nodiscard]] std::span<std::byte> span() const noexcept { return {data_, size_}; }

 private:
  static constexpr std::size_t kKeepLimit = std::size_t{4} << 20;
  std::unique_ptr<std::byte[]> owned_;
  std::byte* data_ = nullptr;
  std::size_t size_ = 0;
};

CodecResult decode(std::span<const std::byte> in, std::span<std::byte> out) {
  if (in.empty()) return CodecResult::success(0);
  const auto expanded = compress1d::scan_tokens(in);
  if (!expanded) return CodecResult::failure(CodecStatus::kCorrupt);
  const auto n = compress1d::original_size(*expanded);
  if (!n) return CodecResult::failure(CodecStatus::kCorrupt);
  if (*n > out.size()) return CodecResult::failure(CodecStatus::kOutputTooSmall);
  // At most 4 bytes per token byte, so the scratch is bounded by the input.
  const Scratch e(Slot::kDecode, *expanded);
  const std::span<std::byte> e_span = e.span();
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
    const Scratch e(Slot::kEncode, m);
    const std::span<std::byte> e_span = e.span();
    // Tokens never outgrow m, so a large enough `out` takes them directly.
    const bool spill = out.size() < m;
    const Scratch spill_buffer(Slot::kSpill, spill ? m : 0);
    const std::span<std::byte> target = spill ? spill_buffer.span() : out.first(m);
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
    const Scratch check(Slot::kCheck, in.size());
    const CodecResult r = decode(tokens, check.span());
    return r.ok() && r.bytes == in.size() &&
           std::memcmp(check.span().data(), in.data(), in.size()) == 0;
  }
};

}  // namespace

const Codec& compress1d_codec() noexcept {
  static const Compress1dCodec codec;
  return codec;
}

}  // namespace squeezefs::codecs
