#pragma once

#include "squeezefs/index/index.h"
#include "squeezefs/index/metadata_store.h"

namespace squeezefs::index {

// MetadataTxn (and, through its base, MetadataReader) over one Index: what a transaction body of
// SqliteMetadataStore sees. The store holds its writer mutex and the SQLite transaction while the
// body runs; this class only translates calls.
class IndexTxn final : public MetadataTxn {
 public:
  explicit IndexTxn(Index& index) : index_(index) {}

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
  Index& index_;
};

}  // namespace squeezefs::index
