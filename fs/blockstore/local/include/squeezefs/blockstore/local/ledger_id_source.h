#pragma once

#include <cstdint>
#include <functional>

#include "squeezefs/blockstore/local/id_source.h"

namespace squeezefs::blockstore {

// Ids from the store's own ledger: a high-water mark below which every id may have been used.
// Before it hands out an id at or above the mark, it moves the mark kReserve ids on through
// `reserve(new_mark)`, which must make the mark durable before returning (one ledger write per
// kReserve data files, so about one fdatasync per 16 GiB written). An id is therefore never
// handed out twice, not even across a power loss, as long as the next open starts at the mark.
//
// Called under the store's lock, and `reserve` runs under it too. When `reserve` throws, no id is
// handed out and the next call tries again.
class LedgerIdSource final : public IdSource {
 public:
  static constexpr std::uint32_t kReserve = 16;

  // Hands out `first`, first + 1, ...; ids below `reserved_end` are already reserved durably.
  LedgerIdSource(std::uint32_t first, std::uint64_t reserved_end,
                 std::function<void(std::uint64_t new_mark)> reserve);

  [[nodiscard]] std::uint32_t next_id() override;

 private:
  std::uint64_t next_;
  std::uint64_t reserved_end_;
  std::function<void(std::uint64_t)> reserve_;
};

}  // namespace squeezefs::blockstore
