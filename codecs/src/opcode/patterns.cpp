#include "patterns.h"

#include <algorithm>
#include <array>
#include <cstring>

#include "bits.h"

namespace squeezefs::codecs::opcode {
namespace {

constexpr unsigned kTableBits = 12;
constexpr std::array<unsigned, 5> kLengths{2, 3, 4, 6, 8};

struct Counter {
  std::uint64_t key = 0;
  std::size_t count = 0;
  std::size_t last = 0;  // end of the last counted occurrence; overlaps are not counted
};

struct Candidate {
  Pattern pattern;
  std::size_t score = 0;
};

bool is_run(std::uint64_t key, unsigned n) noexcept {
  const std::uint64_t mask = n == 8 ? ~std::uint64_t{0} : (std::uint64_t{1} << (8 * n)) - 1;
  return key == 0 || key == mask;
}

// True if a's bytes occur inside b's bytes doubled, i.e. a is a substring of a rotation of b.
bool inside(const Pattern& a, const Pattern& b) noexcept {
  std::array<std::uint8_t, 16> doubled{};
  for (unsigned i = 0; i < 2 * b.length; ++i) {
    doubled[i] = static_cast<std::uint8_t>(b.key >> (8 * (i % b.length)));
  }
  for (unsigned at = 0; at + a.length <= 2 * b.length; ++at) {
    if (load_key(doubled.data() + at, a.length) == a.key) return true;
  }
  return false;
}

}  // namespace

std::uint64_t load_key(const std::uint8_t* data, unsigned n) noexcept {
  std::uint64_t key = 0;
  for (unsigned i = 0; i < n; ++i) key |= static_cast<std::uint64_t>(data[i]) << (8 * i);
  return key;
}

std::vector<Pattern> choose_patterns(const std::uint8_t* data, std::size_t n,
                                     std::size_t max_patterns) {
  std::vector<Candidate> candidates;
  std::vector<Counter> table(std::size_t{1} << kTableBits);
  for (const unsigned length : kLengths) {
    if (n < 2 * length) continue;
    std::fill(table.begin(), table.end(), Counter{});
    for (std::size_t q = 0; q + length <= n; ++q) {
      const std::uint64_t key = load_key(data + q, length);
      if (is_run(key, length)) continue;
      Counter& c = table[(key * 0x9E3779B97F4A7C15ULL) >> (64 - kTableBits)];
      if (c.count == 0) {
        c = {key, 1, q + length};
      } else if (c.key == key && q >= c.last) {
        ++c.count;
        c.last = q + length;
      }
    }
    const std::size_t bits = 8 * length;
    const std::size_t save_cost = 5 + len_field_bits(bits);
    for (const Counter& c : table) {
      if (c.count < 2 || (c.count - 1) * (bits - 5) <= save_cost) continue;
      candidates.push_back({{c.key, length, false}, (c.count - 1) * (bits - 5) - save_cost});
    }
  }
  std::sort(candidates.begin(), candidates.end(),
            [](const Candidate& a, const Candidate& b) { return a.score > b.score; });
  std::vector<Pattern> chosen;
  for (const Candidate& c : candidates) {
    if (chosen.size() == max_patterns) break;
    const bool overlaps = std::any_of(chosen.begin(), chosen.end(), [&](const Pattern& p) {
      return p.length >= c.pattern.length ? inside(c.pattern, p) : inside(p, c.pattern);
    });
    if (!overlaps) chosen.push_back(c.pattern);
  }
  return chosen;
}

}  // namespace squeezefs::codecs::opcode
