#pragma once

#include <cstddef>
#include <span>
#include <string_view>

#include "squeezefs/codecs/codec_id.h"

namespace squeezefs::codecs {

enum class CodecStatus {
  kOk,
  kCorrupt,         // the input is not a valid stream of this codec
  kOutputTooSmall,  // the output buffer cannot hold the result
  kIncompressible,  // the encoder gave up; store the input raw
};

struct CodecResult {
  CodecStatus status = CodecStatus::kOk;
  std::size_t bytes = 0;  // bytes written to the output when status is kOk

  [[nodiscard]] bool ok() const noexcept { return status == CodecStatus::kOk; }
  static CodecResult success(std::size_t n) noexcept { return {CodecStatus::kOk, n}; }
  static CodecResult failure(CodecStatus s) noexcept { return {s, 0}; }
};

[[nodiscard]] std::string_view to_string(CodecStatus status) noexcept;

struct LevelRange {
  int min = 0;
  int max = 0;
  int fallback = 0;  // the default level

  [[nodiscard]] bool contains(int level) const noexcept { return level >= min && level <= max; }
};

// A block codec. Implementations are immutable and reentrant: any number of threads may call
// compress/decompress on one instance at once; per-call scratch state is local to the call
// (or thread-local), never shared.
//
// Contracts:
// - compress writes at most out.size() bytes. With out.size() >= max_compressed_size(in.size())
//   it never returns kOutputTooSmall. `level` must lie in levels().
// - decompress treats its input as hostile: it never reads outside `in`, never writes outside
//   `out`, uses memory bounded by the sizes involved, always terminates, and reports a malformed
//   stream as kCorrupt and output that would not fit into `out` as kOutputTooSmall. It returns
//   the number of bytes produced; callers that know the original size check it.
class Codec {
 public:
  Codec() = default;
  Codec(const Codec&) = delete;
  Codec& operator=(const Codec&) = delete;
  virtual ~Codec() = default;

  [[nodiscard]] virtual CodecId id() const noexcept = 0;
  [[nodiscard]] virtual std::string_view name() const noexcept = 0;
  [[nodiscard]] virtual std::string_view description() const noexcept = 0;
  [[nodiscard]] virtual LevelRange levels() const noexcept = 0;
  [[nodiscard]] virtual std::size_t max_compressed_size(std::size_t input_size) const noexcept = 0;

  [[nodiscard]] virtual CodecResult compress(std::span<const std::byte> in,
                                             std::span<std::byte> out, int level) const = 0;
  [[nodiscard]] virtual CodecResult decompress(std::span<const std::byte> in,
                                               std::span<std::byte> out) const = 0;
};

}  // namespace squeezefs::codecs
