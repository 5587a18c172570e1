#include "lzh_tree.h"

#include <array>

#include "lzh_format.h"

namespace squeezefs::codecs::lzh {
namespace {

constexpr int kMaxNodes = 2 * kNc;

struct TreeState {
  int n = 0;
  int heapsize = 0;
  std::span<std::uint32_t> freq;
  std::array<int, kNc + 1> heap{};
  std::array<int, kMaxNodes> left{};
  std::array<int, kMaxNodes> right{};
  std::array<int, kMaxCodeLen + 1> len_cnt{};

  // The right child is taken only when strictly lighter; stop when not heavier.
  void downheap(int i) {
    const int k = heap[static_cast<std::size_t>(i)];
    int j = 0;
    while ((j = 2 * i) <= heapsize) {
      if (j < heapsize && weight(heap_at(j)) > weight(heap_at(j + 1))) ++j;
      if (weight(k) <= weight(heap_at(j))) break;
      heap[static_cast<std::size_t>(i)] = heap_at(j);
      i = j;
    }
    heap[static_cast<std::size_t>(i)] = k;
  }
  [[nodiscard]] int heap_at(int i) const { return heap[static_cast<std::size_t>(i)]; }
  [[nodiscard]] std::uint32_t weight(int node) const {
    return freq[static_cast<std::size_t>(node)];
  }

  // Leaves deeper than 16 count as 16; make_len repairs the Kraft sum afterwards.
  void count_len(int root) {
    std::array<std::pair<int, int>, kMaxNodes> stack{};
    std::size_t top = 0;
    stack[top++] = {root, 0};
    while (top > 0) {
      const auto [node, depth] = stack[--top];
      if (node < n) {
        ++len_cnt[static_cast<std::size_t>(depth < kMaxCodeLen ? depth : kMaxCodeLen)];
      } else {
        stack[top++] = {right[static_cast<std::size_t>(node)], depth + 1};
        stack[top++] = {left[static_cast<std::size_t>(node)], depth + 1};
      }
    }
  }
};

}  // namespace

void make_code(int n, std::span<const std::uint8_t> len, std::span<std::uint16_t> code) {
  std::array<std::uint32_t, kMaxCodeLen + 2> start{};
  std::array<std::uint32_t, kMaxCodeLen + 1> count{};
  for (int i = 0; i < n; ++i) ++count[len[static_cast<std::size_t>(i)]];
  for (std::size_t i = 1; i <= kMaxCodeLen; ++i) {
    start[i + 1] = start[i] + (count[i] << (kMaxCodeLen - i));
  }
  for (int i = 0; i < n; ++i) {
    const std::size_t l = len[static_cast<std::size_t>(i)];
    if (l == 0) {
      code[static_cast<std::size_t>(i)] = 0;
      continue;
    }
    code[static_cast<std::size_t>(i)] = static_cast<std::uint16_t>(start[l] >> (kMaxCodeLen - l));
    start[l] += 1U << (kMaxCodeLen - l);
  }
}

int make_tree(int n, std::span<std::uint32_t> freq, std::span<std::uint8_t> len,
              std::span<std::uint16_t> code) {
  TreeState s;
  s.n = n;
  s.freq = freq;
  s.heap[1] = 0;
  for (int i = 0; i < n; ++i) {
    len[static_cast<std::size_t>(i)] = 0;
    code[static_cast<std::size_t>(i)] = 0;
    if (freq[static_cast<std::size_t>(i)] != 0) s.heap[static_cast<std::size_t>(++s.heapsize)] = i;
  }
  if (s.heapsize < 2) return s.heap[1];
  for (int i = s.heapsize / 2; i >= 1; --i) s.downheap(i);

  // Leaves in pop order; lengths are later handed out longest first in this order.
  std::array<int, kNc> sort{};
  std::size_t sorted = 0;
  int avail = n;
  int k = 0;
  do {
    const int i = s.heap[1];
    if (i < n) sort[sorted++] = i;
    s.heap[1] = s.heap_at(s.heapsize--);
    s.downheap(1);
    const int j = s.heap[1];
    if (j < n) sort[sorted++] = j;
    k = avail++;
    freq[static_cast<std::size_t>(k)] = s.weight(i) + s.weight(j);
    s.heap[1] = k;
    s.downheap(1);
    s.left[static_cast<std::size_t>(k)] = i;
    s.right[static_cast<std::size_t>(k)] = j;
  } while (s.heapsize > 1);

  // make_len: force the Kraft sum to exactly 2^16.
  s.count_len(k);
  std::uint32_t cum = 0;
  for (std::size_t i = kMaxCodeLen; i > 0; --i) {
    cum += static_cast<std::uint32_t>(s.len_cnt[i]) << (kMaxCodeLen - i);
  }
  cum &= 0xFFFFU;
  while (cum != 0) {
    --s.len_cnt[kMaxCodeLen];
    for (std::size_t i = kMaxCodeLen - 1; i > 0; --i) {
      if (s.len_cnt[i] != 0) {
        --s.len_cnt[i];
        s.len_cnt[i + 1] += 2;
        break;
      }
    }
    --cum;
  }
  std::size_t next = 0;
  for (std::size_t i = kMaxCodeLen; i > 0; --i) {
    for (int c = s.len_cnt[i]; c > 0; --c) {
      len[static_cast<std::size_t>(sort[next++])] = static_cast<std::uint8_t>(i);
    }
  }
  make_code(n, len, code);
  return k;
}

}  // namespace squeezefs::codecs::lzh
