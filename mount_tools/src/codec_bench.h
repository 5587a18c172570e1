#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <stdexcept>
#include <vector>

#include "squeezefs/codecs/registry.h"

namespace squeezefs::tools {

// The data a benchmark runs on: the contents of some files, cut into blocks of one size (each
// file's last block may be shorter). Holds everything in memory.
class BenchCorpus {
 public:
  // Reads every regular file among `paths`, descending into directories. Throws
  // std::runtime_error naming a path that cannot be read.
  static BenchCorpus load(const std::vector<std::filesystem::path>& paths,
                          std::uint32_t block_size);
  // A corpus of one buffer (for tests).
  static BenchCorpus from_bytes(std::vector<std::byte> data, std::uint32_t block_size);

  [[nodiscard]] const std::vector<std::span<const std::byte>>& blocks() const noexcept {
    return blocks_;
  }
  [[nodiscard]] std::uint64_t raw_bytes() const noexcept { return raw_bytes_; }
  [[nodiscard]] std::uint64_t file_count() const noexcept { return files_.size(); }
  [[nodiscard]] std::uint32_t block_size() const noexcept { return block_size_; }

 private:
  void add_file(std::vector<std::byte> data);

  std::vector<std::vector<std::byte>> files_;
  std::vector<std::span<const std::byte>> blocks_;  // point into files_
  std::uint64_t raw_bytes_ = 0;
  std::uint32_t block_size_ = 0;
};

struct BenchResult {
  codecs::CodecChoice choice;
  std::uint64_t raw_bytes = 0;
  std::uint64_t stored_bytes = 0;  // blocks that do not shrink count at their raw size
  std::uint64_t raw_blocks = 0;
  double compress_seconds = 0;    // best full pass over the corpus
  double decompress_seconds = 0;  // best full pass over the corpus

  [[nodiscard]] double ratio() const noexcept;
  [[nodiscard]] double compress_mbps() const noexcept;
  [[nodiscard]] double decompress_mbps() const noexcept;
};

// Raised when a codec fails to restore a block exactly.
class BenchError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Compresses and decompresses every block of `corpus` with `choice`, repeating full passes until
// each direction has run for at least `min_seconds` (at least two decompress passes), keeping
// the fastest pass. Verifies that every block round-trips exactly; throws BenchError if not.
[[nodiscard]] BenchResult run_bench(const BenchCorpus& corpus, const codecs::CodecChoice& choice,
                                    double min_seconds);

}  // namespace squeezefs::tools
