#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <vector>

#include "squeezefs/common/block_address.h"
#include "squeezefs/common/function_ref.h"

namespace squeezefs::blockstore {

// Container-level space management of a BlockStore that packs blocks into containers (groups).
// Blocks are never rewritten in place, so the space of released blocks comes back only when their
// container is rewritten: the live blocks are copied out, the metadata is pointed at the copies,
// and the old container is retired. The orchestration and its crash-safe order (copies durable,
// then the metadata switch durable, then retire) belong to the caller, which also knows which
// blocks are live; this part only moves bytes and keeps a ledger.
//
// Thread-safety: as the BlockStore it belongs to; may run beside puts and gets.
// Errors: StorageError (kNoSpace, kIo); std::invalid_argument for a broken caller contract.
class Compaction {
 public:
  struct Container {
    std::uint64_t group = 0;
    std::uint64_t live_bytes = 0;   // put minus released: a hint, see accounting_trusted()
    std::uint64_t total_bytes = 0;  // bytes ever put into it
    std::uint64_t media_bytes = 0;  // what it occupies on the medium now (after hole punching)
    bool sealed = false;            // nothing is appended to it any more
  };
  struct Copied {
    std::vector<BlockAddress> to;           // new addresses, in the order of the blocks given
    std::optional<std::size_t> unreadable;  // index of the first block that could not be read
  };

  Compaction() = default;
  Compaction(const Compaction&) = delete;
  Compaction& operator=(const Compaction&) = delete;
  virtual ~Compaction() = default;

  // Every container the store holds, in group order.
  [[nodiscard]] virtual std::vector<Container> containers() = 0;

  // Closes the containers being appended to, so that a later pass can rewrite them; the next put
  // starts a new container.
  virtual void seal_active() = 0;

  // Copies the stored bytes of `blocks` (all in `group`, which must be sealed) into containers of
  // their own, without decoding them. Stops at the first block that cannot be read. The copies
  // are new addresses, durable once sync() returns; a copy the caller does not switch to is
  // released like any block put and never referenced.
  virtual Copied copy_out(std::uint64_t group, std::span<const BlockAddress> blocks) = 0;
  // Makes every copy made so far durable.
  virtual void sync() = 0;

  // Deletes the containers, which no durable metadata references any more. Readers that looked an
  // address up in them just before still read it for a grace period (200 ms for local data
  // files); this call waits that period once for all `groups`, then deletes them. Afterwards
  // their addresses are kMissing, and the addresses are never handed out again.
  virtual void retire(std::span<const std::uint64_t> groups) = 0;

  // Deletes the containers that an interrupted write or compaction left and that no metadata
  // references (`referenced(group)` asks the metadata). Never deletes a container being appended
  // to. Run once at mount, before any put: a container of blocks put but not yet committed is
  // unreferenced too. Returns how many it deleted.
  virtual std::size_t remove_leftovers(FunctionRef<bool(std::uint64_t group)> referenced) = 0;

  // Whether containers()' live_bytes are exact. They are after reset_accounting() and for a store
  // that started empty; otherwise (a store opened with containers and no ledger of its own, or
  // after a crash) the caller rebuilds them from the metadata.
  [[nodiscard]] virtual bool accounting_trusted() = 0;
  // Sets each container's live bytes to `live[group]` (0 for groups not in `live`): the bytes the
  // metadata references in it. The accounting is then trusted.
  virtual void reset_accounting(const std::map<std::uint64_t, std::uint64_t>& live) = 0;
};

}  // namespace squeezefs::blockstore
