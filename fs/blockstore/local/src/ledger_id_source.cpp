#include "squeezefs/blockstore/local/ledger_id_source.h"

#include <limits>
#include <stdexcept>
#include <utility>

namespace squeezefs::blockstore {

LedgerIdSource::LedgerIdSource(std::uint32_t first, std::uint64_t reserved_end,
                               std::function<void(std::uint64_t)> reserve)
    : next_(first), reserved_end_(reserved_end), reserve_(std::move(reserve)) {
  if (first == 0) throw std::invalid_argument("data file ids start at 1");
}

std::uint32_t LedgerIdSource::next_id() {
  if (next_ > std::numeric_limits<std::uint32_t>::max())
    throw std::length_error("every data file id has been used");
  if (next_ >= reserved_end_) {
    const std::uint64_t mark = next_ + kReserve;
    reserve_(mark);
    reserved_end_ = mark;
  }
  return static_cast<std::uint32_t>(next_++);
}

}  // namespace squeezefs::blockstore
