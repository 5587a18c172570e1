#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "squeezefs/common/block_address.h"
#include "squeezefs/common/function_ref.h"
#include "squeezefs/common/result.h"
#include "squeezefs/index/records.h"

namespace squeezefs::index {

using Ino = std::uint64_t;
using BlockIndex = std::uint64_t;
using EntryId = std::int64_t;

// Everything a transaction or a read may look at. Only valid inside the callback that received
// it. "Absent" is std::optional, never an error; environment failures throw StorageError.
class MetadataReader {
 public:
  virtual std::optional<InodeRecord> inode(Ino ino) = 0;
  virtual std::optional<DirEntry> lookup(Ino parent, std::string_view name) = 0;
  // Up to `limit` entries of `parent` with after < entry_id <= last, in entry_id order.
  virtual std::vector<DirEntry> list_entries(Ino parent, EntryId after, std::size_t limit,
                                             EntryId last) = 0;
  // The highest entry id in the store (0 when there is none). Entry ids only grow and are never
  // reused, so entries added later get higher ones.
  virtual EntryId last_entry_id() = 0;
  virtual bool has_entries(Ino parent) = 0;
  // The directory holding an entry for `dir` (directories have exactly one).
  virtual std::optional<Ino> parent_of(Ino dir) = 0;
  virtual std::optional<std::string> symlink(Ino ino) = 0;
  virtual std::optional<std::string> xattr(Ino ino, std::string_view name) = 0;
  virtual std::vector<std::string> xattr_names(Ino ino) = 0;  // in byte order
  virtual std::optional<BlockRef> block(Ino ino, BlockIndex block) = 0;
  // Blocks with index in [first, last], in index order.
  virtual std::vector<std::pair<BlockIndex, BlockRef>> blocks(Ino ino, BlockIndex first,
                                                              BlockIndex last) = 0;
  virtual std::uint64_t stored_bytes(Ino ino) = 0;  // sum of stored lengths, for st_blocks
  virtual std::vector<Ino> orphan_inodes() = 0;     // nlink == 0

  // --- Bridge while the metadata keeps the data files' accounting. ---
  // TODO(#16): leaves with container accounting (moves to the block store)
  virtual std::vector<DataFileRecord> data_files() = 0;  // in id order
  // TODO(#16): leaves with container accounting (moves to the block store)
  virtual std::optional<DataFileRecord> data_file(std::uint32_t id) = 0;
  // The block map entries stored in data file `id`, in offset order. Scans every block map.
  // TODO(#16): leaves with container accounting (moves to the block store)
  virtual std::vector<StoredBlock> blocks_in_data_file(std::uint32_t id) = 0;

 protected:
  ~MetadataReader() = default;
};

// A write transaction. Reads see this transaction's own writes. Nothing is visible to other
// transactions before the commit, and nothing of it survives a rollback. A write that breaks the
// store's rules (a duplicate name, a row naming a missing inode or data file, an update of a
// missing row) throws StorageError kIo.
class MetadataTxn : public MetadataReader {
 public:
  // Ignores `record.ino` and returns the new number: higher than every inode number in the store
  // and every number handed out before by this store instance (the number of a removed inode does
  // not come back while the store is open, even after a rollback).
  virtual Ino allocate_inode(const InodeRecord& record) = 0;
  virtual void insert_inode(const InodeRecord& record) = 0;  // caller-chosen number (the root)
  virtual void update_inode(const InodeRecord& record) = 0;  // StorageError kIo if missing
  // Removes the inode row with its xattrs, symlink and block map (no entry may name it any more)
  // and returns the removed block refs, whose space the caller releases once the commit is
  // durable.
  virtual std::vector<BlockRef> remove_inode(Ino ino) = 0;
  // Returns the new entry's id. A duplicate name throws StorageError kIo (check lookup first).
  virtual EntryId add_entry(Ino parent, std::string_view name, Ino child) = 0;
  virtual bool remove_entry(Ino parent, std::string_view name) = 0;
  // Points an existing entry at another inode, keeping its id (rename over, exchange).
  virtual void retarget_entry(Ino parent, std::string_view name, Ino child) = 0;
  // Moves an entry; it gets a new id. An entry's parent and name never change in place: listings
  // resume by entry id and rely on it.
  virtual void move_entry(Ino parent, std::string_view name, Ino new_parent,
                          std::string_view new_name) = 0;
  virtual void set_symlink(Ino ino, std::string_view target) = 0;
  virtual void set_xattr(Ino ino, std::string_view name, std::string_view value) = 0;
  virtual bool remove_xattr(Ino ino, std::string_view name) = 0;
  // Block maps. Each returns what it replaced or removed.
  virtual std::optional<BlockRef> put_block(Ino ino, BlockIndex block, const BlockRef& ref) = 0;
  virtual std::optional<BlockRef> remove_block(Ino ino, BlockIndex block) = 0;
  virtual std::vector<BlockRef> remove_blocks_from(Ino ino, BlockIndex first) = 0;
  // Compare-and-swap for compaction: points the entry at `to` (data file = to.group, offset =
  // to.offset, stored length = to.length; codec, raw length and checksum stay) only while it
  // still equals `expected`. Returns whether it did.
  virtual bool relocate_block(Ino ino, BlockIndex block, const BlockRef& expected,
                              BlockAddress to) = 0;
  virtual void set_default_codec(std::uint16_t codec, int level) = 0;

  // --- Bridge while the metadata keeps the data files' accounting. ---
  // A new data file row with nothing accounted; returns its id.
  // TODO(#16): leaves with container accounting (moves to the block store)
  virtual std::uint32_t add_data_file() = 0;
  // Adds `written` to live and total bytes (a block was appended). kIo for a missing file.
  // TODO(#16): leaves with container accounting (moves to the block store)
  virtual void account_written(std::uint32_t id, std::uint64_t written) = 0;
  // Subtracts `freed` from live bytes, never below 0 (a block is no longer referenced).
  // TODO(#16): leaves with container accounting (moves to the block store)
  virtual void account_freed(std::uint32_t id, std::uint64_t freed) = 0;
  // Adds `dead` to total bytes only (appended, but nothing references it). kIo for a missing file.
  // TODO(#16): leaves with container accounting (moves to the block store)
  virtual void account_dead(std::uint32_t id, std::uint64_t dead) = 0;
  // Overwrites a file's accounting (fsck). kIo for a missing file.
  // TODO(#16): leaves with container accounting (moves to the block store)
  virtual void set_data_file_accounting(const DataFileRecord& record) = 0;
  // Drops the file's row; kIo while a block still references it.
  // TODO(#16): leaves with container accounting (moves to the block store)
  virtual void remove_data_file(std::uint32_t id) = 0;

 protected:
  ~MetadataTxn() = default;
};

enum class Durability {
  kGrouped,     // commits are atomic and visible at once, durable at the next sync() (default)
  kEachCommit,  // every commit is durable before transact() returns (mount -o sync, fsck)
};

// A commit's place in the store's commit order; seq 0 means "nothing was committed".
struct CommitTicket {
  std::uint64_t seq = 0;
};

struct SyncResult {
  std::uint64_t durable_seq = 0;  // every commit with seq <= this is durable (unless lost)
  // Commits that transact() reported as done were lost since the previous sync() (SQLite dropped
  // a group after ENOSPC or EIO, a power cut). Reported once. Callers that free space once a
  // commit is durable must not free anything waiting on that interval, and callers that promised
  // durability (fsync) must report an error.
  bool lost_commits = false;
};

namespace internal {
template <class T>
struct IsResult : std::false_type {};
template <class T>
struct IsResult<Result<T>> : std::true_type {};

// Whether a transaction body's return value commits: an error Result rolls back.
template <class R>
bool commits(const R& value) {
  if constexpr (IsResult<R>::value) {
    return value.has_value();
  } else {
    return true;
  }
}
}  // namespace internal

// The filesystem's metadata: the only way the core reads and changes it.
//
// Thread-safety: every member is safe to call from any thread. Callbacks (transaction bodies,
// readers) run with the backend's internal locks held: they must not call this store again (the
// implementations throw StorageError kIo when they do, instead of deadlocking), and must not wait
// for locks that other threads hold while they call this store. The backend's locks come last in
// the lock order.
//
// Errors: StorageError (kIo, kNoSpace, kDamaged, kUnavailable, kReadOnly).
class MetadataStore {
 public:
  virtual ~MetadataStore() = default;

  [[nodiscard]] virtual StoreConfig config() = 0;
  [[nodiscard]] virtual bool read_only() const = 0;
  [[nodiscard]] virtual std::string describe() const = 0;  // for messages: path or URL

  // Runs `fn(MetadataReader&)` against a consistent view and returns what it returns.
  template <class F>
  auto read(F&& fn) -> std::invoke_result_t<F&, MetadataReader&>;

  // Runs `fn(MetadataTxn&)` in a write transaction and returns what it returns. It commits when
  // fn returns a value that is not an error (a Result with a value, or any non-Result type) and
  // rolls back when fn returns an error Result or throws (the exception propagates). A backend
  // may run `fn` more than once (after a conflict or a lost connection; the first runs rolled
  // back): fn must keep its effects inside the transaction and its return value, and change core
  // state only after transact() returns. `ticket`, when given, receives the commit's place (seq 0
  // after a rollback). A read-only store throws StorageError kReadOnly.
  template <class F>
  auto transact(F&& fn, CommitTicket* ticket = nullptr) -> std::invoke_result_t<F&, MetadataTxn&>;

  // Makes every commit so far durable. Throws StorageError when it cannot.
  virtual SyncResult sync() = 0;
  // Whether anything was committed since the last sync() (cheap; for the background sync).
  [[nodiscard]] virtual bool has_unsynced_changes() = 0;
  virtual void set_durability(Durability durability) = 0;

  // Whole-store scans for maintenance (fsck, scrub, compaction). They run outside any
  // transaction and may take long.
  // Every block map entry, in (data file, offset) order. `visit` runs without the store's locks
  // and may use the store.
  virtual void for_each_block(FunctionRef<void(const StoredBlock&)> visit) = 0;
  // The entries stored in one group (data file), in offset order.
  [[nodiscard]] virtual std::vector<StoredBlock> blocks_in_group(std::uint64_t group) = 0;
  [[nodiscard]] virtual std::vector<InodeRecord> all_inodes() = 0;  // in ino order
  [[nodiscard]] virtual std::vector<DirEntry> all_entries() = 0;    // in entry id order
  [[nodiscard]] virtual std::uint64_t block_count() = 0;

  // The backend's check of its own data (SQLite: quick_check or integrity_check). Problems come
  // back in the backend's words; empty means sound.
  enum class CheckDepth { kQuick, kFull };
  [[nodiscard]] virtual std::vector<std::string> check_own_consistency(CheckDepth depth) = 0;
  // Rows naming missing rows (SQLite's foreign_key_check), for fsck.
  // TODO(#16): leaves when fsck checks references over the interface (step 7)
  [[nodiscard]] virtual std::vector<ForeignKeyViolation> foreign_key_violations() = 0;

 protected:
  // What the templates call. FunctionRef keeps the transaction path free of allocations.
  virtual void run_read(FunctionRef<void(MetadataReader&)> body) = 0;
  // `body` returns true to commit, false to roll back; it may be invoked again after a conflict.
  // Returns the commit's ticket (seq 0 after a rollback).
  virtual CommitTicket run_txn(FunctionRef<bool(MetadataTxn&)> body) = 0;
};

template <class F>
auto MetadataStore::read(F&& fn) -> std::invoke_result_t<F&, MetadataReader&> {
  using R = std::invoke_result_t<F&, MetadataReader&>;
  if constexpr (std::is_void_v<R>) {
    run_read([&](MetadataReader& reader) { fn(reader); });
  } else {
    std::optional<R> out;
    run_read([&](MetadataReader& reader) { out.emplace(fn(reader)); });
    return std::move(*out);
  }
}

template <class F>
auto MetadataStore::transact(F&& fn, CommitTicket* ticket)
    -> std::invoke_result_t<F&, MetadataTxn&> {
  using R = std::invoke_result_t<F&, MetadataTxn&>;
  if constexpr (std::is_void_v<R>) {
    const CommitTicket committed = run_txn([&](MetadataTxn& txn) {
      fn(txn);
      return true;
    });
    if (ticket != nullptr) *ticket = committed;
  } else {
    std::optional<R> out;
    const CommitTicket committed = run_txn([&](MetadataTxn& txn) {
      out.reset();  // a rerun starts afresh
      out.emplace(fn(txn));
      return internal::commits(*out);
    });
    if (ticket != nullptr) *ticket = committed;
    return std::move(*out);
  }
}

}  // namespace squeezefs::index
