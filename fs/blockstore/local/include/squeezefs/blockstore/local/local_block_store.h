#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "squeezefs/blockstore/block_store.h"
#include "squeezefs/blockstore/local/id_source.h"
#include "squeezefs/blockstore/local/local_compaction.h"
#include "squeezefs/common/file_io.h"
#include "squeezefs/common/mutex.h"

namespace squeezefs::blockstore {

class AppendStream;

struct LocalBlockStoreOptions {
  static constexpr std::uint64_t kDefaultFileLimit = std::uint64_t{1} << 30;
  // A new data file starts before one would pass this size.
  std::uint64_t file_limit = kDefaultFileLimit;
  // How long a retired data file stays readable for readers that looked an address up in it
  // just before the metadata switched away from it.
  std::chrono::milliseconds retire_grace{200};
};

// Blocks in local data files, STORE/data/NNNNNN.dat, appended back to back without padding or
// framing; a new file starts with each opened store and before a file would pass the file
// limit. An address is {group = data file id, offset in the file, length}: the same layout the
// FileBlockStore has always written, so existing stores read unchanged.
//
// release() punches holes for kRemoved blocks (their space goes back at once) and only accounts
// the others, for compaction (compaction() is a LocalCompaction). A punched block reads as zeros,
// which get() reports as kMissing (no stored block is all zero).
//
// What get() can tell after a crash: a block that did not reach the disk, or reached it only in
// part, reads short (kMissing) as long as each data file keeps a prefix of its appends. If a later
// block of the same file reached the disk and an earlier unsynced one did not, the earlier one
// reads as zeros (kMissing) or, written in part, as torn bytes with kOk: the data files carry no
// checksum, so only the caller's checksum catches that. TODO(#18): the self-describing block
// header lets the store tell on its own.
//
// for_each() is not supported (lists_blocks() is false): the extents of the blocks in a data file
// are known only to the metadata until blocks carry a header (TODO(#18)). Container-level views
// (files, sizes, accounting) are in compaction()->containers().
//
// All file access goes through `io` (tests put a power-loss layer there); `io` must outlive the
// store. capacity() asks statvfs of the data directory directly.
//
// Thread-safe. Lock order: mutex_ is a leaf, except that the id source runs under it (today the
// index lock, see ExternalIdSource).
class LocalBlockStore final : public BlockStore {
 public:
  LocalBlockStore(std::filesystem::path data_dir, std::unique_ptr<IdSource> ids,
                  LocalBlockStoreOptions options = {}, FileIo& io = posix_file_io());
  ~LocalBlockStore() override;

  BlockAddress put(std::span<const std::byte> bytes, const BlockTag& tag) override;
  [[nodiscard]] GetStatus get(const BlockAddress& address, std::span<std::byte> out) override;
  void sync() override;
  void release(std::span<const ReleasedBlock> blocks) override;
  [[nodiscard]] Capacity capacity() override;
  [[nodiscard]] std::string describe() const override;
  [[nodiscard]] bool lists_blocks() const override { return false; }
  void for_each(FunctionRef<void(const BlockAddress&, std::span<const std::byte>)> visit) override;
  [[nodiscard]] Compaction* compaction() override { return &compaction_; }

  [[nodiscard]] const std::filesystem::path& data_dir() const { return dir_; }

 private:
  friend class LocalCompaction;

  struct Ledger {
    std::uint64_t live = 0;
    std::uint64_t total = 0;
  };

  // Null when the file does not exist.
  std::shared_ptr<IoFile> reader(std::uint32_t id) REQUIRES(mutex_);
  // Drops what the store keeps about data file `id`, about to be deleted.
  void forget(std::uint32_t id) REQUIRES(mutex_);
  void punch(std::uint32_t id, const std::vector<BlockAddress>& blocks);

  const std::filesystem::path dir_;
  FileIo& io_;
  const std::unique_ptr<IdSource> ids_;
  const LocalBlockStoreOptions options_;

  mutable Mutex mutex_;
  const std::unique_ptr<AppendStream> puts_ PT_GUARDED_BY(mutex_);
  const std::unique_ptr<AppendStream> copies_ PT_GUARDED_BY(mutex_);  // compaction's output
  std::map<std::uint32_t, std::shared_ptr<IoFile>> readers_ GUARDED_BY(mutex_);
  std::map<std::uint32_t, Ledger> ledger_ GUARDED_BY(mutex_);
  bool accounting_trusted_ GUARDED_BY(mutex_) = false;
  std::atomic<bool> punch_failure_logged_{false};

  LocalCompaction compaction_{*this};
};

}  // namespace squeezefs::blockstore
