#include "lzh_spec_writer.h"

#include <algorithm>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <utility>

namespace squeezefs::testing::lzh_spec {
namespace {

// §003 "Constants".
constexpr unsigned kNc = 511;
constexpr unsigned kEof = 0x1FE;
constexpr unsigned kCbit = 9;
constexpr unsigned kNt = 19;
constexpr unsigned kTbit = 5;
constexpr unsigned kNp = 17;
constexpr unsigned kPbit = 5;
constexpr std::size_t kMaxRun = 256;
constexpr std::size_t kWindow = 65536;
constexpr std::size_t kFlushPos = 8162;
constexpr unsigned kLenLimit = 16;

// The stream as a string of '0' and '1'; every field MSB first.
class Bits {
 public:
  void put(unsigned value, unsigned width) {
    for (unsigned i = width; i > 0; --i) text_ += ((value >> (i - 1)) & 1U) != 0 ? '1' : '0';
  }
  [[nodiscard]] Bytes padded() const {
    Bytes out((text_.size() + 7) / 8);
    for (std::size_t i = 0; i < text_.size(); ++i) {
      if (text_[i] == '1') out[i / 8] |= static_cast<std::byte>(0x80U >> (i % 8));
    }
    return out;
  }

 private:
  std::string text_;
};

// A Huffman code per §003 "make_tree": lengths (0 for absent symbols) and canonical codes, or a
// single symbol.
struct Code {
  bool single = false;
  unsigned single_symbol = 0;
  std::vector<unsigned> len;
  std::vector<unsigned> code;

  void put(Bits& out, unsigned symbol) const {
    if (!single) out.put(code[symbol], len[symbol]);  // a single symbol's code has 0 bits
  }
};

Code make_code(std::span<const std::uint64_t> freq) {
  const auto n = static_cast<unsigned>(freq.size());
  Code result;
  result.len.assign(n, 0);
  result.code.assign(n, 0);
  // "The heap holds the symbols with freq > 0 in ascending order" (1-based).
  std::vector<std::uint64_t> weight(freq.begin(), freq.end());
  std::vector<unsigned> heap{0};
  for (unsigned s = 0; s < n; ++s) {
    if (freq[s] > 0) heap.push_back(s);
  }
  std::size_t size = heap.size() - 1;
  if (size < 2) {
    // One symbol, or none ("no runs at all" gives 0).
    result.single = true;
    result.single_symbol = size == 1 ? heap[1] : 0;
    return result;
  }
  // "downheap picks the right child only if freq[left] > freq[right]; it stops when
  // freq[k] <= freq[child]."
  const auto downheap = [&](std::size_t i) {
    const unsigned k = heap[i];
    while (2 * i <= size) {
      std::size_t child = 2 * i;
      if (child < size && weight[heap[child]] > weight[heap[child + 1]]) ++child;
      if (weight[k] <= weight[heap[child]]) break;
      heap[i] = heap[child];
      i = child;
    }
    heap[i] = k;
  };
  for (std::size_t i = size / 2; i >= 1; --i) downheap(i);
  // "Pop i and then j, recording each leaf in a sort list, and create node avail++ = (i, j)."
  std::vector<unsigned> pop_order;
  std::vector<std::pair<unsigned, unsigned>> children;  // of node n + index
  unsigned root = 0;
  while (size > 1) {
    const unsigned i = heap[1];
    if (i < n) pop_order.push_back(i);
    heap[1] = heap[size--];
    downheap(1);
    const unsigned j = heap[1];
    if (j < n) pop_order.push_back(j);
    root = n + static_cast<unsigned>(children.size());
    children.emplace_back(i, j);
    weight.push_back(weight[i] + weight[j]);
    heap[1] = root;
    downheap(1);
  }
  // "Count the leaves per depth (depths above 16 are counted as 16)".
  std::vector<std::size_t> leaves_at(kLenLimit + 1, 0);
  std::vector<std::pair<unsigned, unsigned>> todo{{root, 0}};
  while (!todo.empty()) {
    const auto [node, depth] = todo.back();
    todo.pop_back();
    if (node < n) {
      ++leaves_at[std::min(depth, kLenLimit)];
    } else {
      todo.emplace_back(children[node - n].first, depth + 1);
      todo.emplace_back(children[node - n].second, depth + 1);
    }
  }
  // "... then apply the make_len adjustment so that the Kraft sum is 2^16": while the sum is
  // too large, take a leaf off length 16 and split the longest shorter one into two leaves one
  // level deeper (each step lowers the sum by one unit of 2^-16).
  const auto kraft = [&leaves_at] {
    std::uint64_t sum = 0;
    for (unsigned l = 1; l <= kLenLimit; ++l) sum += leaves_at[l] << (kLenLimit - l);
    return sum;
  };
  while (kraft() > (std::uint64_t{1} << kLenLimit)) {
    --leaves_at[kLenLimit];
    for (unsigned l = kLenLimit - 1; l >= 1; --l) {
      if (leaves_at[l] > 0) {
        --leaves_at[l];
        leaves_at[l + 1] += 2;
        break;
      }
    }
  }
  // "Lengths are handed out longest first in sort order."
  std::size_t next = 0;
  for (unsigned l = kLenLimit; l >= 1; --l) {
    for (std::size_t c = 0; c < leaves_at[l]; ++c) result.len[pop_order[next++]] = l;
  }
  // "make_code is canonical: shorter codes get smaller code values, and within one length
  // symbols are in ascending order."
  unsigned value = 0;
  for (unsigned l = 1; l <= kLenLimit; ++l) {
    for (unsigned s = 0; s < n; ++s) {
      if (result.len[s] == l) result.code[s] = value++;
    }
    value <<= 1;
  }
  return result;
}

// "write_pt_len": n, then each length in 3 bits or as 111 + (l - 7) ones + 0; with
// `skip_after_2`, the 2-bit count of zero lengths among indices 3..5 that follow index 2.
void write_pt_len(Bits& out, const Code& code, unsigned nbit, bool skip_after_2) {
  auto n = static_cast<unsigned>(code.len.size());
  while (n > 0 && code.len[n - 1] == 0) --n;
  out.put(n, nbit);
  for (unsigned i = 0; i < n;) {
    const unsigned l = code.len[i++];
    if (l <= 6) {
      out.put(l, 3);
    } else {
      out.put(7, 3);
      for (unsigned k = 7; k < l; ++k) out.put(1, 1);
      out.put(0, 1);
    }
    if (skip_after_2 && i == 3) {
      unsigned zeros = 0;
      while (i < 6 && code.len[i] == 0) {
        ++zeros;
        ++i;
      }
      out.put(zeros, 2);
    }
  }
}

// A zero run of the c lengths in the t alphabet, for both count_t_freq and write_c_len.
template <typename OnSymbol, typename OnBits>
void zero_run(unsigned run, OnSymbol on_symbol, OnBits on_bits) {
  if (run <= 2) {
    for (unsigned r = 0; r < run; ++r) on_symbol(0);
  } else if (run <= 18) {
    on_symbol(1);
    on_bits(run - 3, 4);
  } else if (run == 19) {
    on_symbol(0);
    on_symbol(1);
    on_bits(15, 4);
  } else {
    on_symbol(2);
    on_bits(run - 20, kCbit);
  }
}

// Walks the first `count` c lengths as t symbols (a length l is t symbol l + 2).
template <typename OnSymbol, typename OnBits>
void walk_c_lengths(const Code& c, unsigned count, OnSymbol on_symbol, OnBits on_bits) {
  for (unsigned i = 0; i < count;) {
    if (c.len[i] != 0) {
      on_symbol(c.len[i++] + 2);
      continue;
    }
    unsigned run = 0;
    while (i < count && c.len[i] == 0) {
      ++run;
      ++i;
    }
    zero_run(run, on_symbol, on_bits);
  }
}

unsigned bit_length(unsigned value) {
  unsigned k = 0;
  for (; value != 0; value >>= 1) ++k;
  return k;
}

BlockInfo write_block(Bits& out, std::span<const Item> items, TFreqSpan span) {
  BlockInfo info;
  info.items = items.size();
  std::vector<std::uint64_t> c_freq(kNc, 0);
  std::vector<std::uint64_t> p_freq(kNp, 0);
  for (const Item& item : items) {
    ++c_freq[item.symbol];
    if (item.symbol >= 0x100) ++p_freq[bit_length(item.offset)];  // EOF too: bitlen(0) = 0
  }
  out.put(static_cast<unsigned>(items.size()), 16);
  const Code c = make_code(c_freq);
  if (c.single) {
    out.put(0, kTbit);
    out.put(0, kTbit);
    out.put(0, kCbit);
    out.put(c.single_symbol, kCbit);
  } else {
    unsigned n = kNc;
    while (n > 0 && c.len[n - 1] == 0) --n;
    info.c_table_count = n;
    info.trailing_zero_c_lengths = kNc - n;
    std::vector<std::uint64_t> t_freq(kNt, 0);
    walk_c_lengths(
        c, span == TFreqSpan::kAllNc ? kNc : n, [&t_freq](unsigned t) { ++t_freq[t]; },
        [](unsigned, unsigned) {});
    const Code t = make_code(t_freq);
    if (t.single) {
      out.put(0, kTbit);
      out.put(t.single_symbol, kTbit);
    } else {
      write_pt_len(out, t, kTbit, true);
    }
    out.put(n, kCbit);
    walk_c_lengths(
        c, n, [&](unsigned sym) { t.put(out, sym); },
        [&out](unsigned value, unsigned width) { out.put(value, width); });
  }
  const Code p = make_code(p_freq);
  if (p.single) {
    out.put(0, kPbit);
    out.put(p.single_symbol, kPbit);
  } else {
    write_pt_len(out, p, kPbit, false);
  }
  for (const Item& item : items) {
    c.put(out, item.symbol);
    if (item.symbol < 0x100) continue;
    const unsigned k = bit_length(item.offset);
    p.put(out, k);
    if (k > 1) out.put(item.offset & ((1U << (k - 1)) - 1), k - 1);  // the top bit is implied
  }
  return info;
}

}  // namespace

std::vector<unsigned> code_lengths(std::span<const std::uint64_t> freq) {
  return make_code(freq).len;
}

std::vector<Item> greedy_items(std::span<const std::byte> in) {
  const auto at = [&in](std::size_t i) { return std::to_integer<unsigned>(in[i]); };
  const auto key = [&at](std::size_t i) { return at(i) << 16 | at(i + 1) << 8 | at(i + 2); };
  std::unordered_map<unsigned, std::vector<std::size_t>> starts;  // of each 3-byte string
  std::vector<Item> items;
  std::size_t indexed = 0;
  for (std::size_t pos = 0; pos < in.size();) {
    std::size_t best = 0;
    std::size_t distance = 0;
    if (in.size() - pos >= 3) {
      const std::size_t limit = std::min(in.size() - pos, kMaxRun);
      const auto found = starts.find(key(pos));
      if (found != starts.end()) {
        for (auto c = found->second.rbegin(); c != found->second.rend(); ++c) {  // nearest first
          if (pos - *c > kWindow) break;
          std::size_t len = 0;
          while (len < limit && at(*c + len) == at(pos + len)) ++len;
          if (len > best) {
            best = len;
            distance = pos - *c;
            if (len == limit) break;  // nothing farther can be longer
          }
        }
      }
    }
    if (best >= 3) {
      items.push_back(
          {static_cast<unsigned>(0x100 + best - 3), static_cast<unsigned>(distance - 1)});
      pos += best;
    } else {
      items.push_back({at(pos), 0});
      ++pos;
    }
    for (; indexed < pos && indexed + 3 <= in.size(); ++indexed)
      starts[key(indexed)].push_back(indexed);
  }
  return items;
}

Stream write_stream(std::span<const Item> items, TFreqSpan span) {
  std::vector<Item> all(items.begin(), items.end());
  all.push_back({kEof, 0});
  Stream stream;
  Bits out;
  // "Start a new block when a new 8-item group would begin at position >= 8162": a group is a
  // flag byte, a literal 1 byte, a run 3 bytes.
  std::size_t first = 0;
  std::size_t pos = 0;
  for (std::size_t i = 0; i < all.size(); ++i) {
    if ((i - first) % 8 == 0) {
      if (pos >= kFlushPos) {
        stream.blocks.push_back(write_block(out, std::span(all).subspan(first, i - first), span));
        first = i;
        pos = 0;
      }
      pos += 1;
    }
    pos += all[i].symbol < 0x100 ? 1U : 3U;
  }
  stream.blocks.push_back(write_block(out, std::span(all).subspan(first), span));
  stream.bytes = out.padded();
  return stream;
}

}  // namespace squeezefs::testing::lzh_spec
