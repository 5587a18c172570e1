#include "codecs/test_inputs.h"

#include <fstream>
#include <iterator>
#include <random>
#include <stdexcept>

namespace squeezefs::testing {

std::string to_string(Shape shape) {
  switch (shape) {
    case Shape::kRandom:
      return "random";
    case Shape::kZeros:
      return "zeros";
    case Shape::kRuns:
      return "runs";
    case Shape::kPeriodic:
      return "periodic";
    case Shape::kSkewed:
      return "skewed";
    case Shape::kText:
      return "text";
  }
  return "unknown";
}

const std::vector<Shape>& all_shapes() {
  static const std::vector<Shape> shapes = {Shape::kRandom,   Shape::kZeros,  Shape::kRuns,
                                            Shape::kPeriodic, Shape::kSkewed, Shape::kText};
  return shapes;
}

const std::vector<std::size_t>& boundary_sizes() {
  static const std::vector<std::size_t> sizes = {0,    1,    2,    7,     8,     255,   256,
                                                 8161, 8162, 8163, 65535, 65536, 65537, 1U << 20};
  return sizes;
}

Bytes make_input(Shape shape, std::size_t size, std::uint64_t seed) {
  std::mt19937_64 rng(seed * std::uint64_t{0x9E3779B97F4A7C15} + static_cast<std::uint64_t>(shape));
  Bytes out(size);
  switch (shape) {
    case Shape::kRandom:
      for (auto& b : out) b = static_cast<std::byte>(rng());
      break;
    case Shape::kZeros:
      break;
    case Shape::kRuns: {
      std::size_t i = 0;
      while (i < size) {
        const auto value = static_cast<std::byte>(rng() % 4 == 0 ? 0xFF : rng());
        const std::size_t len = 1 + rng() % 300;
        for (std::size_t j = 0; j < len && i < size; ++j) out[i++] = value;
      }
      break;
    }
    case Shape::kPeriodic: {
      const std::size_t period = 1 + seed % 37;
      for (std::size_t i = 0; i < size; ++i) out[i] = static_cast<std::byte>('A' + i % period);
      break;
    }
    case Shape::kSkewed: {
      // Geometric distribution: a few very common bytes, a long tail (deep Huffman codes).
      std::geometric_distribution<int> dist(0.35);
      for (auto& b : out) b = static_cast<std::byte>(dist(rng) & 0xFF);
      break;
    }
    case Shape::kText: {
      static const char* const kWords[] = {
          "the ",  "quick ", "brown ", "fox ", "jumps ", "over ",  "lazy ", "dog ", "and ",  "a ",
          "file ", "store ", "block ", "\n",   "codec ", "mount ", "of ",   "is ",  "data ", ", "};
      std::size_t i = 0;
      while (i < size) {
        const char* word = kWords[rng() % std::size(kWords)];
        for (const char* c = word; *c != '\0' && i < size; ++c)
          out[i++] = static_cast<std::byte>(*c);
      }
      break;
    }
  }
  return out;
}

Bytes from_hex(const std::string& hex) {
  if (hex.size() % 2 != 0) throw std::invalid_argument("odd hex length");
  Bytes out(hex.size() / 2);
  for (std::size_t i = 0; i < out.size(); ++i) {
    out[i] = static_cast<std::byte>(std::stoi(hex.substr(2 * i, 2), nullptr, 16));
  }
  return out;
}

Bytes from_string(const std::string& text) {
  Bytes out(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) out[i] = static_cast<std::byte>(text[i]);
  return out;
}

Bytes read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open " + path.string());
  std::vector<char> chars((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  Bytes out(chars.size());
  for (std::size_t i = 0; i < chars.size(); ++i) out[i] = static_cast<std::byte>(chars[i]);
  return out;
}

std::optional<std::filesystem::path> corpus_dir() {
  const std::filesystem::path dir = std::filesystem::path(SQUEEZEFS_SHARED_DIR) / "corpus";
  if (std::filesystem::is_directory(dir)) return dir;
  return std::nullopt;
}

}  // namespace squeezefs::testing
