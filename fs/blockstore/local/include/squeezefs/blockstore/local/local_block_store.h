#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "squeezefs/blockstore/block_store.h"
#include "squeezefs/blockstore/local/id_source.h"
#include "squeezefs/blockstore/local/ledger.h"
#include "squeezefs/blockstore/local/local_compaction.h"
#include "squeezefs/common/file_io.h"
#include "squeezefs/common/mutex.h"

namespace squeezefs::blockstore {

class AppendStream;

// How a store with a ledger of its own is opened.
enum class LedgerAccess {
  kReadWrite,  // the ledger is rewritten (clean = false) at open, kept, and closed clean
  kReadOnly,   // nothing is written: not the ledger, not a data file; puts are refused
};

// One row of the accounting a format-1 store keeps in its index (index::DataFileRecord), for
// LocalBlockStore::import_v1_accounting(). Its own struct: the block store does not know the index.
struct V1ContainerRow {
  std::uint32_t id = 0;
  std::uint64_t live = 0;
  std::uint64_t total = 0;
  std::uint64_t dead = 0;
};

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
// Two modes, chosen by the constructor:
// - External ids (an IdSource, today ids from the index's data_files table): no ledger file is
//   read or written, the accounting lives in memory and is trusted only for a store that started
//   empty. This is what stores of format 1 and the current mount path use.
// - Ledger (a LedgerAccess): the store keeps data/ledger (see LedgerFile) with each data file's
//   {live, total, dead} bytes, the id high-water mark and the clean flag, and takes its ids from
//   it (LedgerIdSource, never below an id found in data/). A read-write open rewrites the ledger
//   with clean = false before the first put; sync() writes it when it changed since the last
//   write; the destructor syncs the data files and writes it with clean = true (or with the
//   accounting still untrusted, if it was). The accounting is trusted after an open that read a
//   clean ledger matching the data files, or after reset_accounting(). A read-only open writes
//   nothing. TODO(#16): the composition root switches to this mode with the format upgrade (step
//   6), after import_v1_accounting().
//
// Thread-safe. Lock order: mutex_ is a leaf, except that the id source runs under it (with
// external ids, the index lock, see ExternalIdSource; with the ledger, the store's own ledger
// write).
class LocalBlockStore final : public BlockStore {
 public:
  // External ids, no ledger file.
  LocalBlockStore(std::filesystem::path data_dir, std::unique_ptr<IdSource> ids,
                  LocalBlockStoreOptions options = {}, FileIo& io = posix_file_io());
  // With a ledger of its own. Throws StorageError(kIo) when the ledger cannot be written.
  LocalBlockStore(std::filesystem::path data_dir, LedgerAccess access,
                  LocalBlockStoreOptions options = {}, FileIo& io = posix_file_io());
  // With a ledger: syncs the data files and closes the ledger (see above). A failure is logged and
  // leaves the ledger saying it is not clean.
  ~LocalBlockStore() override;

  // Writes the ledger of a format-1 store from the accounting rows its index kept, before the
  // store is first opened with a ledger. Rows of data files that no longer exist are left out;
  // the high-water mark is above every id in `rows`, on disk or in an existing ledger. The ledger
  // is clean when every data file has a row. Durable when it returns; running it again (after a
  // crash during the upgrade) writes the same ledger. Throws StorageError(kIo).
  static void import_v1_accounting(const std::filesystem::path& data_dir,
                                   std::span<const V1ContainerRow> rows,
                                   FileIo& io = posix_file_io());

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

  // Null when the file does not exist.
  std::shared_ptr<IoFile> reader(std::uint32_t id) REQUIRES(mutex_);
  // Drops what the store keeps about data file `id`, about to be deleted.
  void forget(std::uint32_t id) REQUIRES(mutex_);
  void punch(std::uint32_t id, const std::vector<BlockAddress>& blocks);
  // Throws StorageError(kReadOnly) for a store opened with LedgerAccess::kReadOnly.
  void require_writable() const;
  // With a ledger: writes it with the accounts and the high-water mark held now.
  void write_ledger(bool clean) REQUIRES(mutex_);
  // With a ledger: writes it when something changed since the last write.
  void write_ledger_if_changed() REQUIRES(mutex_);
  // The LedgerIdSource's reserve: called from next_id(), which runs under mutex_.
  void reserve_ids(std::uint64_t new_mark) NO_THREAD_SAFETY_ANALYSIS;
  // With a ledger: the destructor's part.
  void close_ledger() noexcept;

  const std::filesystem::path dir_;
  FileIo& io_;
  std::unique_ptr<IdSource> ids_;  // set once by a constructor
  const LocalBlockStoreOptions options_;
  const bool read_only_ = false;
  const std::unique_ptr<LedgerFile> ledger_file_;  // null with external ids

  mutable Mutex mutex_;
  const std::unique_ptr<AppendStream> puts_ PT_GUARDED_BY(mutex_);
  const std::unique_ptr<AppendStream> copies_ PT_GUARDED_BY(mutex_);  // compaction's output
  std::map<std::uint32_t, std::shared_ptr<IoFile>> readers_ GUARDED_BY(mutex_);
  std::map<std::uint32_t, ContainerAccount> ledger_ GUARDED_BY(mutex_);
  bool accounting_trusted_ GUARDED_BY(mutex_) = false;
  bool ledger_changed_ GUARDED_BY(mutex_) = false;   // since the ledger was last written
  std::uint64_t high_water_ GUARDED_BY(mutex_) = 1;  // as the ledger has it
  std::atomic<bool> punch_failure_logged_{false};

  LocalCompaction compaction_{*this};
};

}  // namespace squeezefs::blockstore
