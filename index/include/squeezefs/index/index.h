#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "squeezefs/index/db.h"
#include "squeezefs/index/records.h"
#include "squeezefs/index/row_cache.h"

namespace squeezefs::index {

// The store's metadata: configuration, inodes, directories, symlinks, xattrs, block maps and data
// file accounting, kept in one SQLite database.
//
// Thread-safety: none; an Index is one connection. Group related changes with
// `Txn txn(index.db()); ...; txn.commit();`. Environment failures throw IndexError.
class Index {
 public:
  // The on-disk format this build writes and reads (PRAGMA user_version).
  static constexpr int kFormatVersion = 1;

  // Creates a new index at `path` (which must not hold an index yet) with `config`.
  // `vfs` names a registered SQLite VFS (see Db); null is the default.
  static Index create(const std::string& path, const StoreConfig& config,
                      const char* vfs = nullptr);
  // Opens an existing index (see DbAccess for the read-only ways). Throws FormatError when `path`
  // is not an index or was written by a newer format, and DamagedIndexError when SQLite finds it
  // too damaged to open (a damaged schema). Other damage is only found by reading the damaged
  // rows, or by quick_check_problems().
  static Index open(const std::string& path, const char* vfs = nullptr,
                    DbAccess access = DbAccess::kReadWrite);

  [[nodiscard]] StoreConfig config();
  void set_default_codec(std::uint16_t codec, int level);

  Db& db() { return db_; }

  // Inodes. allocate_inode ignores `record.ino` and returns the new number, which is higher than
  // every number in the index and every number this Index allocated before (a removed inode's
  // number does not come back while the Index is open).
  std::uint64_t allocate_inode(const InodeRecord& record);
  // Inserts with a caller-chosen number (the root directory).
  void insert_inode(const InodeRecord& record);
  [[nodiscard]] std::optional<InodeRecord> inode(std::uint64_t ino);
  void update_inode(const InodeRecord& record);
  // Removes the inode with its blocks, xattrs and symlink target. Returns the removed blocks so
  // the caller can update data-file accounting.
  std::vector<BlockRef> remove_inode(std::uint64_t ino);
  // Inodes with no links left (unlinked while open when the store last went down).
  [[nodiscard]] std::vector<std::uint64_t> orphan_inodes();

  // Directory entries. add_entry returns the entry id; a duplicate name throws IndexError
  // (the caller checks lookup first).
  std::int64_t add_entry(std::uint64_t parent, std::string_view name, std::uint64_t child);
  [[nodiscard]] std::optional<DirEntry> lookup(std::uint64_t parent, std::string_view name);
  bool remove_entry(std::uint64_t parent, std::string_view name);
  // Points an existing entry at another inode, keeping its position (rename over, exchange).
  void retarget_entry(std::uint64_t parent, std::string_view name, std::uint64_t child);
  // Moves an entry; the new entry gets a fresh id. An entry's parent and name never change in
  // place: listings (fs::DirListing) rely on it.
  void move_entry(std::uint64_t parent, std::string_view name, std::uint64_t new_parent,
                  std::string_view new_name);
  // Up to `limit` entries of `parent` with `after` < entry_id <= `last`, in entry_id order.
  [[nodiscard]] std::vector<DirEntry> list_entries(
      std::uint64_t parent, std::int64_t after, std::size_t limit,
      std::int64_t last = std::numeric_limits<std::int64_t>::max());
  // The highest entry id in the index (0 when there is none): entries added later get higher
  // ones, as ids are never reused.
  [[nodiscard]] std::int64_t last_entry_id();
  [[nodiscard]] bool has_entries(std::uint64_t parent);
  // The directory holding an entry for `child` (for directories, which have exactly one).
  [[nodiscard]] std::optional<std::uint64_t> parent_of(std::uint64_t child);

  // Symlink targets.
  void set_symlink(std::uint64_t ino, std::string_view target);
  [[nodiscard]] std::optional<std::string> symlink(std::uint64_t ino);

  // Extended attributes.
  void set_xattr(std::uint64_t ino, std::string_view name, std::string_view value);
  [[nodiscard]] std::optional<std::string> xattr(std::uint64_t ino, std::string_view name);
  bool remove_xattr(std::uint64_t ino, std::string_view name);
  [[nodiscard]] std::vector<std::string> xattr_names(std::uint64_t ino);

  // Block maps. put_block returns the block it replaced, if any.
  std::optional<BlockRef> put_block(std::uint64_t ino, std::uint64_t block, const BlockRef& ref);
  [[nodiscard]] std::optional<BlockRef> block(std::uint64_t ino, std::uint64_t block);
  std::optional<BlockRef> remove_block(std::uint64_t ino, std::uint64_t block);
  // Blocks with index in [first, last], ordered by index.
  [[nodiscard]] std::vector<std::pair<std::uint64_t, BlockRef>> blocks(std::uint64_t ino,
                                                                       std::uint64_t first,
                                                                       std::uint64_t last);
  // Removes all blocks with index >= first (truncate); returns them.
  std::vector<BlockRef> remove_blocks_from(std::uint64_t ino, std::uint64_t first);
  // Sum of stored lengths of the inode's blocks (for st_blocks).
  [[nodiscard]] std::uint64_t stored_bytes(std::uint64_t ino);

  // Data files.
  std::uint32_t add_data_file();
  [[nodiscard]] std::optional<DataFileRecord> data_file(std::uint32_t id);
  [[nodiscard]] std::vector<DataFileRecord> data_files();
  // Adds `written` to total and live bytes (a block was appended).
  void account_written(std::uint32_t id, std::uint64_t written);
  // Subtracts `freed` from live bytes (a block is no longer referenced).
  void account_freed(std::uint32_t id, std::uint64_t freed);
  // Adds `dead` to total bytes only (a block was appended but nothing references it: written
  // and freed at once).
  void account_dead(std::uint32_t id, std::uint64_t dead);

  // Whole-store scans and repairs for checking and compaction (index_check.cpp).
  // What SQLite's integrity_check reports; empty for a sound database file. Damage that stops
  // the check itself (a page or schema SQLite cannot parse) is reported too; other failures (an
  // I/O error) throw IndexError. Reads every page and every index: for fsck.
  [[nodiscard]] std::vector<std::string> integrity_problems();
  // The same through SQLite's quick_check, cheap enough to run at every mount: every page of the
  // file is read, and the b-trees, the free list and the rows' NOT NULL and CHECK constraints are
  // checked, but not that each index matches its table nor UNIQUE constraints (integrity_check
  // does, at a higher cost). Linear in the size of the index.
  [[nodiscard]] std::vector<std::string> quick_check_problems();
  // Rows referencing missing rows (PRAGMA foreign_key_check).
  [[nodiscard]] std::vector<ForeignKeyViolation> foreign_key_violations();
  [[nodiscard]] std::vector<InodeRecord> all_inodes();
  [[nodiscard]] std::vector<DirEntry> all_entries();
  [[nodiscard]] std::uint64_t block_count();
  // Calls `visit` for every block map entry in (data file, offset) order. `visit` must not use
  // this Index: the scan holds a statement open.
  void for_each_stored_block(const std::function<void(const StoredBlock&)>& visit);
  // The block map entries stored in data file `id`, in offset order.
  [[nodiscard]] std::vector<StoredBlock> blocks_in_data_file(std::uint32_t id);
  void set_data_file_accounting(const DataFileRecord& record);
  // Drops the data file's row; IndexError while a block still references it.
  void remove_data_file(std::uint32_t id);
  // Makes every later commit durable before it returns (synchronous=FULL), for callers that
  // delete data once a commit stops referencing it.
  void use_durable_commits();
  // use_durable_commits() on or off (synchronous=FULL or the default NORMAL).
  void set_durable_commits(bool on);

 private:
  explicit Index(Db db) : db_(std::move(db)) {}

  Db db_;
  // The lowest number allocate_inode may hand out. SQLite alone reuses the highest rowid once
  // its row is deleted; the mounted file system may still hold buffered state (blocks in flight)
  // under a removed inode's number, so it must not name a new inode. That state lives only in
  // memory, so a per-connection mark suffices and the store format stays unchanged.
  std::uint64_t next_ino_ = 0;
  RowCache<InodeRecord> inodes_;
  RowCache<std::uint64_t> stored_bytes_;  // stored_bytes() of inodes
};

}  // namespace squeezefs::index
