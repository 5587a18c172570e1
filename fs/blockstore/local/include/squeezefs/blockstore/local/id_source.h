#pragma once

#include <cstdint>
#include <functional>
#include <utility>

namespace squeezefs::blockstore {

// Hands out the ids of new data files (the groups of a LocalBlockStore). Each id must be one the
// store never used before, or the local store appends after whatever that file already holds.
//
// Called under the store's lock: an implementation must not call back into the store.
class IdSource {
 public:
  IdSource() = default;
  IdSource(const IdSource&) = delete;
  IdSource& operator=(const IdSource&) = delete;
  virtual ~IdSource() = default;

  [[nodiscard]] virtual std::uint32_t next_id() = 0;
};

// Ids from outside the store: today the index records each new data file and returns its row id.
// TODO(#16): replaced in step 6 by LedgerIdSource (ids from the store's own ledger, a persisted
// high-water mark) once the composition root opens stores with a ledger, which also ends the index
// lock being taken under the store's lock. Until then an id can come
// back when the index transaction that recorded it is lost, so the store appends after the
// file's current end instead of overwriting it; a block that was never synced and then lost in a
// crash can thus see its address handed out again. And since that source takes the index lock
// under the store's lock, no caller may call the store while holding the index lock (as with the
// FileBlockStore today).
class ExternalIdSource final : public IdSource {
 public:
  explicit ExternalIdSource(std::function<std::uint32_t()> next) : next_(std::move(next)) {}
  [[nodiscard]] std::uint32_t next_id() override { return next_(); }

 private:
  std::function<std::uint32_t()> next_;
};

}  // namespace squeezefs::blockstore
