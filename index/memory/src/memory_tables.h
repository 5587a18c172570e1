#pragma once

#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "squeezefs/index/metadata_store.h"

namespace squeezefs::index {

// The rows of a MemoryMetadataStore, with the lookups its queries need. The rules SQLite's schema
// enforces (unique names, rows naming existing inodes and data files) are checked by MemoryTxn.
struct MemoryTables {
  StoreConfig config;
  std::map<Ino, InodeRecord> inodes;
  std::map<EntryId, DirEntry> entries;
  std::map<Ino, std::map<std::string, EntryId, std::less<>>> names;  // parent -> name -> id
  std::map<Ino, std::set<EntryId>> by_parent;
  std::map<Ino, std::set<EntryId>> by_child;
  // The highest entry id ever handed out (SQLite's AUTOINCREMENT sequence): ids are not reused.
  EntryId entry_sequence = 0;
  std::map<Ino, std::string> symlinks;
  std::map<Ino, std::map<std::string, std::string, std::less<>>> xattrs;
  std::map<Ino, std::map<BlockIndex, BlockRef>> blocks;
  std::map<std::uint32_t, DataFileRecord> data_files;
};

// What undoes one change: applied in reverse order, a list of them puts the tables back as they
// were before the changes.
using UndoLog = std::vector<std::function<void(MemoryTables&)>>;

void roll_back(MemoryTables& tables, UndoLog& undo);

// A transaction (or, with no undo log, a read) over MemoryTables. Writes change the tables at
// once and record how to undo themselves, so reads see them and a rollback is exact. The caller
// holds the store's lock for the whole transaction.
class MemoryTxn final : public MetadataTxn {
 public:
  // `next_ino` is the store's allocation mark (see MetadataTxn::allocate_inode); `undo` may be
  // null for a read, which never writes.
  MemoryTxn(MemoryTables& tables, UndoLog* undo, Ino& next_ino)
      : t_(tables), undo_(undo), next_ino_(next_ino) {}

  std::optional<InodeRecord> inode(Ino ino) override;
  std::optional<DirEntry> lookup(Ino parent, std::string_view name) override;
  std::vector<DirEntry> list_entries(Ino parent, EntryId after, std::size_t limit,
                                     EntryId last) override;
  EntryId last_entry_id() override;
  bool has_entries(Ino parent) override;
  std::optional<Ino> parent_of(Ino dir) override;
  std::optional<std::string> symlink(Ino ino) override;
  std::optional<std::string> xattr(Ino ino, std::string_view name) override;
  std::vector<std::string> xattr_names(Ino ino) override;
  std::optional<BlockRef> block(Ino ino, BlockIndex block) override;
  std::vector<std::pair<BlockIndex, BlockRef>> blocks(Ino ino, BlockIndex first,
                                                      BlockIndex last) override;
  std::uint64_t stored_bytes(Ino ino) override;
  std::vector<Ino> orphan_inodes() override;
  std::vector<DataFileRecord> data_files() override;
  std::optional<DataFileRecord> data_file(std::uint32_t id) override;
  std::vector<StoredBlock> blocks_in_data_file(std::uint32_t id) override;

  Ino allocate_inode(const InodeRecord& record) override;
  void insert_inode(const InodeRecord& record) override;
  void update_inode(const InodeRecord& record) override;
  std::vector<BlockRef> remove_inode(Ino ino) override;
  EntryId add_entry(Ino parent, std::string_view name, Ino child) override;
  bool remove_entry(Ino parent, std::string_view name) override;
  void retarget_entry(Ino parent, std::string_view name, Ino child) override;
  void move_entry(Ino parent, std::string_view name, Ino new_parent,
                  std::string_view new_name) override;
  void set_symlink(Ino ino, std::string_view target) override;
  void set_xattr(Ino ino, std::string_view name, std::string_view value) override;
  bool remove_xattr(Ino ino, std::string_view name) override;
  std::optional<BlockRef> put_block(Ino ino, BlockIndex block, const BlockRef& ref) override;
  std::optional<BlockRef> remove_block(Ino ino, BlockIndex block) override;
  std::vector<BlockRef> remove_blocks_from(Ino ino, BlockIndex first) override;
  bool relocate_block(Ino ino, BlockIndex block, const BlockRef& expected,
                      BlockAddress to) override;
  void set_default_codec(std::uint16_t codec, int level) override;
  std::uint32_t add_data_file() override;
  void account_written(std::uint32_t id, std::uint64_t written) override;
  void account_freed(std::uint32_t id, std::uint64_t freed) override;
  void account_dead(std::uint32_t id, std::uint64_t dead) override;
  void set_data_file_accounting(const DataFileRecord& record) override;
  void remove_data_file(std::uint32_t id) override;

 private:
  void record(std::function<void(MemoryTables&)> undo);
  // Each saves how to restore one row before it is changed.
  void save_inode(Ino ino);
  void save_entry(EntryId id);
  void save_symlink(Ino ino);
  void save_xattr(Ino ino, std::string_view name);
  void save_block(Ino ino, BlockIndex block);
  void save_data_file(std::uint32_t id);
  void require_inode(Ino ino, const char* what);
  DataFileRecord& existing_data_file(std::uint32_t id);
  void unlink_entry(EntryId id);

  MemoryTables& t_;
  UndoLog* undo_;
  Ino& next_ino_;
};

}  // namespace squeezefs::index
