#include <algorithm>
#include <array>
#include <cstring>
#include <vector>

#include "huffman_format.h"
#include "huffman_writer.h"

namespace squeezefs::codecs::huffman {
namespace {

struct Entry {
  std::uint64_t weight;
  std::uint32_t node;
};

// Per-depth internal-node counts I_1..I_L of the Huffman tree built by the 002 rule.
std::vector<std::uint32_t> internal_counts(std::span<const std::uint64_t> weights) {
  const auto u = static_cast<std::uint32_t>(weights.size());
  std::vector<Entry> list;
  list.reserve(u);
  for (std::uint32_t i = 0; i < u; ++i) list.push_back({weights[i], i});
  std::vector<std::array<std::uint32_t, 2>> children;  // internal node u + j
  while (list.size() > 1) {
    const Entry a = list[0];
    const Entry b = list[1];
    list.erase(list.begin(), list.begin() + 2);
    const Entry made{a.weight + b.weight, u + static_cast<std::uint32_t>(children.size())};
    children.push_back({b.node, a.node});
    const auto at = std::find_if(list.begin(), list.end(),
                                 [&](const Entry& e) { return e.weight >= made.weight; });
    list.insert(at, made);
  }
  std::vector<std::uint32_t> depth(u + children.size(), 0);
  std::vector<std::uint32_t> counts;
  for (std::size_t j = children.size(); j-- > 0;) {  // parents come after their children
    const std::uint32_t d = depth[u + j];
    if (d > 0) {
      if (counts.size() < d) counts.resize(d, 0);
      ++counts[d - 1];
    }
    for (const std::uint32_t c : children[j]) depth[c] = d + 1;
  }
  return counts;
}

}  // namespace

CodecResult encode(std::span<const std::byte> in, std::span<std::byte> out) {
  if (in.empty()) return CodecResult::success(0);
  std::array<std::uint64_t, 256> freq{};
  for (const std::byte b : in) ++freq[static_cast<std::uint8_t>(b)];
  std::vector<std::uint8_t> symbols;
  for (unsigned s = 0; s < 256; ++s) {
    if (freq[s] != 0) symbols.push_back(static_cast<std::uint8_t>(s));
  }
  const std::size_t u = symbols.size();
  std::array<std::size_t, 256> first{};
  std::size_t seen = 0;
  std::array<bool, 256> found{};
  for (std::size_t i = 0; i < in.size() && seen < u; ++i) {
    const auto s = static_cast<std::uint8_t>(in[i]);
    if (!found[s]) {
      found[s] = true;
      first[s] = i;
      ++seen;
    }
  }
  // Ascending frequency; ties: the later first occurrence comes first.
  std::sort(symbols.begin(), symbols.end(), [&](std::uint8_t x, std::uint8_t y) {
    return freq[x] != freq[y] ? freq[x] < freq[y] : first[x] > first[y];
  });

  std::array<std::uint32_t, 256> code{};
  std::array<unsigned, 256> length{};
  std::vector<std::uint32_t> shape;  // I_1..I_L
  if (u == 1) {
    length[symbols[0]] = 1;
  } else {
    std::vector<std::uint64_t> weights(u);
    for (std::size_t i = 0; i < u; ++i) weights[i] = freq[symbols[i]];
    shape = internal_counts(weights);
    // Leaves deepest first, left to right, in header order.
    std::size_t next = 0;
    for (std::size_t k = shape.size() + 1; k >= 1; --k) {
      const std::uint32_t above = k >= 2 ? shape[k - 2] : 1;
      const std::uint32_t here = k <= shape.size() ? shape[k - 1] : 0;
      for (std::uint32_t i = here; i < 2 * above; ++i) {
        code[symbols[next]] = i;
        length[symbols[next]] = static_cast<unsigned>(k);
        ++next;
      }
    }
  }

  std::uint64_t tree_bits = 0;
  if (u >= 4) {
    std::uint32_t prev = 1;
    for (const std::uint32_t v : shape) {
      tree_bits += flat_code(2 * prev, v).length;
      prev = v;
    }
  }
  std::uint64_t data_bits = 0;
  unsigned max_length = 0;
  for (const std::uint8_t s : symbols) {
    data_bits += freq[s] * length[s];
    max_length = std::max(max_length, length[s]);
  }
  const auto zeros = static_cast<unsigned>(7 - (tree_bits + data_bits) % 8);
  const std::uint64_t total = 1 + u + (zeros + 1 + tree_bits + data_bits) / 8;
  if (total > out.size()) return CodecResult::failure(CodecStatus::kOutputTooSmall);

  out[0] = static_cast<std::byte>(u - 1);
  for (std::size_t i = 0; i < u; ++i) out[1 + i] = static_cast<std::byte>(symbols[i]);
  Writer writer(out.data() + 1 + u);
  writer.put(1, zeros + 1);
  if (u >= 4) {
    std::uint32_t prev = 1;
    for (const std::uint32_t v : shape) {
      const FlatCode f = flat_code(2 * prev, v);
      writer.put(f.bits, f.length);
      prev = v;
    }
  }
  if (max_length <= 32) {
    for (const std::byte b : in) {
      const auto s = static_cast<std::uint8_t>(b);
      writer.put(code[s], length[s]);
    }
  } else {
    for (const std::byte b : in) {
      const auto s = static_cast<std::uint8_t>(b);
      writer.put_long(code[s], length[s]);
    }
  }
  writer.finish();
  return CodecResult::success(static_cast<std::size_t>(total));
}

}  // namespace squeezefs::codecs::huffman
