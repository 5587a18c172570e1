#include "lzh_block.h"

#include "lzh_tree.h"

namespace squeezefs::codecs::lzh {
namespace {

struct Tables {
  std::array<std::uint8_t, kNc> c_len{};
  std::array<std::uint16_t, kNc> c_code{};
  std::array<std::uint8_t, kNp + kNt> pt_len{};
  std::array<std::uint16_t, kNp + kNt> pt_code{};
};

void put_code(BitWriter& out, const Tables& t, std::size_t sym) {
  out.put(t.pt_code[sym], t.pt_len[sym]);
}

// The number of c lengths the c table transmits: up to the last non-zero one.
int c_len_count(const Tables& t) {
  int n = kNc;
  while (n > 0 && t.c_len[static_cast<std::size_t>(n - 1)] == 0) --n;
  return n;
}

// t frequencies of the c lengths exactly as write_c_len walks them, so only up to the last
// non-zero length: the trailing zeros are never written and must not be counted (LHA
// count_t_freq; counting them changes the t code of every block but the last).
void count_t_freq(const Tables& t, std::span<std::uint32_t> t_freq) {
  const int n = c_len_count(t);
  for (int i = 0; i < n;) {
    const unsigned k = t.c_len[static_cast<std::size_t>(i++)];
    if (k != 0) {
      ++t_freq[k + 2];
      continue;
    }
    unsigned count = 1;
    while (i < n && t.c_len[static_cast<std::size_t>(i)] == 0) {
      ++i;
      ++count;
    }
    if (count <= 2) {
      t_freq[0] += count;
    } else if (count <= 18) {
      ++t_freq[1];
    } else if (count == 19) {
      ++t_freq[0];
      ++t_freq[1];
    } else {
      ++t_freq[2];
    }
  }
}

void write_pt_len(BitWriter& out, const Tables& t, int n, unsigned nbit, int i_special) {
  while (n > 0 && t.pt_len[static_cast<std::size_t>(n - 1)] == 0) --n;
  out.put(static_cast<unsigned>(n), nbit);
  int i = 0;
  while (i < n) {
    const unsigned k = t.pt_len[static_cast<std::size_t>(i++)];
    if (k <= 6) {
      out.put(k, 3);
    } else {
      out.put(0xFFFFFFFEU, k - 3);  // 111, then k-7 ones, then 0
    }
    if (i == i_special) {
      while (i < 6 && t.pt_len[static_cast<std::size_t>(i)] == 0) ++i;
      out.put(static_cast<unsigned>(i - 3), 2);
    }
  }
}

void write_c_len(BitWriter& out, const Tables& t) {
  const int n = c_len_count(t);
  out.put(static_cast<unsigned>(n), kCbit);
  for (int i = 0; i < n;) {
    const unsigned k = t.c_len[static_cast<std::size_t>(i++)];
    if (k != 0) {
      put_code(out, t, k + 2);
      continue;
    }
    unsigned count = 1;
    while (i < n && t.c_len[static_cast<std::size_t>(i)] == 0) {
      ++i;
      ++count;
    }
    if (count <= 2) {
      for (unsigned r = 0; r < count; ++r) put_code(out, t, 0);
    } else if (count <= 18) {
      put_code(out, t, 1);
      out.put(count - 3, 4);
    } else if (count == 19) {
      put_code(out, t, 0);
      put_code(out, t, 1);
      out.put(15, 4);
    } else {
      put_code(out, t, 2);
      out.put(count - 20, kCbit);
    }
  }
}

}  // namespace

void BlockBuilder::send_block() {
  Tables t;
  out_.put(items_, 16);
  const int c_root = make_tree(kNc, cfreq_, t.c_len, t.c_code);
  if (c_root >= kNc) {
    std::array<std::uint32_t, 2 * kNt> t_freq{};
    count_t_freq(t, t_freq);
    const int t_root = make_tree(kNt, t_freq, t.pt_len, t.pt_code);
    if (t_root >= kNt) {
      write_pt_len(out_, t, kNt, kTbit, 3);
    } else {
      out_.put(0, kTbit);
      out_.put(static_cast<unsigned>(t_root), kTbit);
    }
    write_c_len(out_, t);
  } else {
    out_.put(0, kTbit);
    out_.put(0, kTbit);
    out_.put(0, kCbit);
    out_.put(static_cast<unsigned>(c_root), kCbit);
  }
  const int p_root = make_tree(kNp, pfreq_, t.pt_len, t.pt_code);
  if (p_root >= kNp) {
    write_pt_len(out_, t, kNp, kPbit, -1);
  } else {
    out_.put(0, kPbit);
    out_.put(static_cast<unsigned>(p_root), kPbit);
  }

  unsigned flags = 0;
  for (std::size_t i = 0, item = 0; i < pos_; ++item) {
    if (item % 8 == 0) flags = buf_[i++];
    if ((flags & (0x80U >> (item % 8))) == 0) {
      const std::uint8_t b = buf_[i++];
      out_.put(t.c_code[b], t.c_len[b]);
      continue;
    }
    const std::size_t c = 256U + buf_[i];
    const unsigned offset = buf_[i + 1] | (static_cast<unsigned>(buf_[i + 2]) << 8);
    i += 3;
    out_.put(t.c_code[c], t.c_len[c]);
    const unsigned k = bit_length(offset);
    out_.put(t.pt_code[k], t.pt_len[k]);
    if (k > 1) out_.put(offset, k - 1);
  }

  pos_ = 0;
  items_ = 0;
  cfreq_.fill(0);
  pfreq_.fill(0);
}

}  // namespace squeezefs::codecs::lzh
