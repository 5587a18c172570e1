#include <cstdio>
#include <string>

#include "encoder.h"

namespace squeezefs::codecs::opcode {
namespace {

constexpr std::array<const char*, static_cast<std::size_t>(OpKind::kCount)> kKindNames{
    "fill", "literal", "save", "use", "copy", "inverse", "terminate"};

void append_line(std::string& text, const char* name, std::size_t ops, std::size_t bits,
                 std::size_t total) {
  std::array<char, 128> line{};
  const double share =
      total == 0 ? 0.0 : 100.0 * static_cast<double>(bits) / static_cast<double>(total);
  std::snprintf(line.data(), line.size(), "  %-10s %9zu ops %11zu bits %6.2f%%\n", name, ops, bits,
                share);
  text += line.data();
}

}  // namespace

std::string format_stats(const EncodeStats& stats) {
  std::string text;
  for (std::size_t p = 0; p < stats.pass_bits.size(); ++p) {
    const PassBits& pass = stats.pass_bits[p];
    std::array<char, 128> head{};
    std::snprintf(head.data(), head.size(), "pass %zu: %zu -> %zu bits\n", p + 1, pass.input_bits,
                  pass.output_bits);
    text += head.data();
    for (std::size_t k = 0; k < kKindNames.size(); ++k) {
      append_line(text, kKindNames[k], pass.ops[k], pass.bits[k], pass.output_bits);
    }
    append_line(text, "LEN fields", 0, pass.len_bits, pass.output_bits);
    append_line(text, "lit. data", 0, pass.literal_payload, pass.output_bits);
  }
  return text;
}

}  // namespace squeezefs::codecs::opcode
