#pragma once
// Writes opcode ops into a pass's output and charges every bit to the op kind that owns it.
#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "bits.h"
#include "encoder.h"

namespace squeezefs::codecs::opcode {

class Emitter {
 public:
  Emitter(Bits& out, PassBits& bits) : out_(out), bits_(bits), start_(out.size()) {}

  // Starts an op of the given kind; its bits up to the next op are charged to that kind.
  void op(OpKind kind, unsigned code) {
    close();
    kind_ = kind;
    ++bits_.ops[static_cast<std::size_t>(kind)];
    out_.put(code, 3);
  }
  // The op that follows a `101 S` modifier belongs to the modifier's kind.
  void inner_op(unsigned code) { out_.put(code, 3); }
  void slot(unsigned s) { out_.put(s, 2); }
  void len(std::uint64_t value) {
    const unsigned bits = len_field_bits(value);
    bits_.len_bits += bits;
    out_.put((bits - 10) / 8, 2);
    out_.put(value, bits - 2);
  }
  void payload(const Bits& src, std::size_t pos, std::size_t n) {
    out_.append(src, pos, n);
    bits_.literal_payload += n;
  }
  void finish(std::size_t input_bits) {
    op(OpKind::kTerminate, 7);
    close();
    bits_.input_bits = input_bits;
    bits_.output_bits = out_.size();
  }

 private:
  void close() noexcept {
    bits_.bits[static_cast<std::size_t>(kind_)] += out_.size() - start_;
    start_ = out_.size();
  }

  Bits& out_;
  PassBits& bits_;
  OpKind kind_ = OpKind::kTerminate;
  std::size_t start_;
};

}  // namespace squeezefs::codecs::opcode
