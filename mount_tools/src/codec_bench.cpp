#include "codec_bench.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <fstream>
#include <iterator>
#include <limits>
#include <string>

namespace squeezefs::tools {
namespace {

using Clock = std::chrono::steady_clock;

std::vector<std::byte> read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open '" + path.string() + "'");
  std::vector<char> chars((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) throw std::runtime_error("cannot read '" + path.string() + "'");
  std::vector<std::byte> data(chars.size());
  if (!chars.empty()) std::memcpy(data.data(), chars.data(), chars.size());
  return data;
}

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// One block's stored form, as the framed format would keep it.
struct StoredBlock {
  std::vector<std::byte> bytes;
  bool raw = false;
};

}  // namespace

BenchCorpus BenchCorpus::load(const std::vector<std::filesystem::path>& paths,
                              std::uint32_t block_size) {
  BenchCorpus corpus;
  corpus.block_size_ = block_size;
  std::vector<std::filesystem::path> files;
  for (const auto& path : paths) {
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) {
      for (auto it = std::filesystem::recursive_directory_iterator(path, ec);
           !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
        if (it->is_regular_file(ec)) files.push_back(it->path());
      }
      if (ec) throw std::runtime_error("cannot list '" + path.string() + "': " + ec.message());
    } else if (std::filesystem::is_regular_file(path, ec)) {
      files.push_back(path);
    } else {
      throw std::runtime_error("cannot read '" + path.string() + "': not a file or directory");
    }
  }
  std::sort(files.begin(), files.end());  // stable block order whatever the directory order
  for (const auto& file : files) corpus.add_file(read_file(file));
  return corpus;
}

BenchCorpus BenchCorpus::from_bytes(std::vector<std::byte> data, std::uint32_t block_size) {
  BenchCorpus corpus;
  corpus.block_size_ = block_size;
  corpus.add_file(std::move(data));
  return corpus;
}

void BenchCorpus::add_file(std::vector<std::byte> data) {
  raw_bytes_ += data.size();
  files_.push_back(std::move(data));
  // Spans stay valid: the vector's heap buffer does not move when files_ grows.
  const std::span<const std::byte> all = files_.back();
  for (std::size_t at = 0; at < all.size(); at += block_size_) {
    blocks_.push_back(all.subspan(at, std::min<std::size_t>(block_size_, all.size() - at)));
  }
}

double BenchResult::ratio() const noexcept {
  return stored_bytes == 0 ? 1.0
                           : static_cast<double>(raw_bytes) / static_cast<double>(stored_bytes);
}

double BenchResult::compress_mbps() const noexcept {
  return compress_seconds <= 0 ? 0.0 : static_cast<double>(raw_bytes) / 1e6 / compress_seconds;
}

double BenchResult::decompress_mbps() const noexcept {
  return decompress_seconds <= 0 ? 0.0 : static_cast<double>(raw_bytes) / 1e6 / decompress_seconds;
}

BenchResult run_bench(const BenchCorpus& corpus, const codecs::CodecChoice& choice,
                      double min_seconds) {
  const codecs::Codec& codec = *choice.codec;
  BenchResult result;
  result.choice = choice;
  result.raw_bytes = corpus.raw_bytes();
  const auto& blocks = corpus.blocks();
  std::vector<StoredBlock> stored(blocks.size());
  std::vector<std::byte> scratch(codec.max_compressed_size(corpus.block_size()));

  double best = std::numeric_limits<double>::infinity();
  const Clock::time_point compress_start = Clock::now();
  for (int pass = 0; pass == 0 || seconds_since(compress_start) < min_seconds; ++pass) {
    const Clock::time_point start = Clock::now();
    for (std::size_t i = 0; i < blocks.size(); ++i) {
      const codecs::CodecResult r = codec.compress(blocks[i], scratch, choice.level);
      if (pass == 0) {
        stored[i].raw = !r.ok() || r.bytes == 0 || r.bytes >= blocks[i].size();
        if (!stored[i].raw)
          stored[i].bytes.assign(scratch.begin(),
                                 scratch.begin() + static_cast<std::ptrdiff_t>(r.bytes));
      }
    }
    best = std::min(best, seconds_since(start));
  }
  result.compress_seconds = best;
  for (std::size_t i = 0; i < blocks.size(); ++i) {
    result.stored_bytes += stored[i].raw ? blocks[i].size() : stored[i].bytes.size();
    if (stored[i].raw) ++result.raw_blocks;
  }

  std::vector<std::byte> out(corpus.block_size());
  best = std::numeric_limits<double>::infinity();
  const Clock::time_point decompress_start = Clock::now();
  // Pass 0 also verifies every block; later passes time decoding alone.
  for (int pass = 0; pass < 2 || seconds_since(decompress_start) < min_seconds; ++pass) {
    const Clock::time_point start = Clock::now();
    for (std::size_t i = 0; i < blocks.size(); ++i) {
      if (stored[i].raw) {
        // A reader still copies a raw block out of its buffer; count that, not zero.
        std::memcpy(out.data(), blocks[i].data(), blocks[i].size());
        continue;
      }
      const codecs::CodecResult r =
          codec.decompress(stored[i].bytes, std::span(out).first(blocks[i].size()));
      if (pass == 0 && (!r.ok() || r.bytes != blocks[i].size() ||
                        std::memcmp(out.data(), blocks[i].data(), blocks[i].size()) != 0)) {
        throw BenchError("codec " + std::string(codec.name()) + ":" + std::to_string(choice.level) +
                         " did not restore block " + std::to_string(i) + " exactly");
      }
    }
    const double elapsed = seconds_since(start);
    if (pass > 0) best = std::min(best, elapsed);
  }
  result.decompress_seconds = best;
  return result;
}

}  // namespace squeezefs::tools
