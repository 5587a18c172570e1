#include "index_txn.h"

#include <limits>

namespace squeezefs::index {

std::optional<InodeRecord> IndexTxn::inode(Ino ino) {
  return index_.inode(ino);
}

std::optional<DirEntry> IndexTxn::lookup(Ino parent, std::string_view name) {
  return index_.lookup(parent, name);
}

std::vector<DirEntry> IndexTxn::list_entries(Ino parent, EntryId after, std::size_t limit,
                                             EntryId last) {
  return index_.list_entries(parent, after, limit, last);
}

EntryId IndexTxn::last_entry_id() {
  return index_.last_entry_id();
}

bool IndexTxn::has_entries(Ino parent) {
  return index_.has_entries(parent);
}

std::optional<Ino> IndexTxn::parent_of(Ino dir) {
  return index_.parent_of(dir);
}

std::optional<std::string> IndexTxn::symlink(Ino ino) {
  return index_.symlink(ino);
}

std::optional<std::string> IndexTxn::xattr(Ino ino, std::string_view name) {
  return index_.xattr(ino, name);
}

std::vector<std::string> IndexTxn::xattr_names(Ino ino) {
  return index_.xattr_names(ino);
}

std::optional<BlockRef> IndexTxn::block(Ino ino, BlockIndex block) {
  return index_.block(ino, block);
}

std::vector<std::pair<BlockIndex, BlockRef>> IndexTxn::blocks(Ino ino, BlockIndex first,
                                                              BlockIndex last) {
  return index_.blocks(ino, first, last);
}

std::uint64_t IndexTxn::stored_bytes(Ino ino) {
  return index_.stored_bytes(ino);
}

std::vector<Ino> IndexTxn::orphan_inodes() {
  return index_.orphan_inodes();
}

std::vector<DataFileRecord> IndexTxn::data_files() {
  return index_.data_files();
}

std::optional<DataFileRecord> IndexTxn::data_file(std::uint32_t id) {
  return index_.data_file(id);
}

std::vector<StoredBlock> IndexTxn::blocks_in_data_file(std::uint32_t id) {
  return index_.blocks_in_data_file(id);
}

Ino IndexTxn::allocate_inode(const InodeRecord& record) {
  return index_.allocate_inode(record);
}

void IndexTxn::insert_inode(const InodeRecord& record) {
  index_.insert_inode(record);
}

void IndexTxn::update_inode(const InodeRecord& record) {
  index_.update_inode(record);
}

std::vector<BlockRef> IndexTxn::remove_inode(Ino ino) {
  return index_.remove_inode(ino);
}

EntryId IndexTxn::add_entry(Ino parent, std::string_view name, Ino child) {
  return index_.add_entry(parent, name, child);
}

bool IndexTxn::remove_entry(Ino parent, std::string_view name) {
  return index_.remove_entry(parent, name);
}

void IndexTxn::retarget_entry(Ino parent, std::string_view name, Ino child) {
  index_.retarget_entry(parent, name, child);
}

void IndexTxn::move_entry(Ino parent, std::string_view name, Ino new_parent,
                          std::string_view new_name) {
  index_.move_entry(parent, name, new_parent, new_name);
}

void IndexTxn::set_symlink(Ino ino, std::string_view target) {
  index_.set_symlink(ino, target);
}

void IndexTxn::set_xattr(Ino ino, std::string_view name, std::string_view value) {
  index_.set_xattr(ino, name, value);
}

bool IndexTxn::remove_xattr(Ino ino, std::string_view name) {
  return index_.remove_xattr(ino, name);
}

std::optional<BlockRef> IndexTxn::put_block(Ino ino, BlockIndex block, const BlockRef& ref) {
  return index_.put_block(ino, block, ref);
}

std::optional<BlockRef> IndexTxn::remove_block(Ino ino, BlockIndex block) {
  return index_.remove_block(ino, block);
}

std::vector<BlockRef> IndexTxn::remove_blocks_from(Ino ino, BlockIndex first) {
  return index_.remove_blocks_from(ino, first);
}

bool IndexTxn::relocate_block(Ino ino, BlockIndex block, const BlockRef& expected,
                              BlockAddress to) {
  // Data file ids are 32-bit in format v1: a larger group cannot be recorded.
  if (to.group > std::numeric_limits<std::uint32_t>::max()) return false;
  if (index_.block(ino, block) != expected) return false;
  BlockRef moved = expected;
  moved.data_file = static_cast<std::uint32_t>(to.group);
  moved.offset = to.offset;
  moved.stored_length = to.length;
  index_.put_block(ino, block, moved);
  return true;
}

void IndexTxn::set_default_codec(std::uint16_t codec, int level) {
  index_.set_default_codec(codec, level);
}

std::uint32_t IndexTxn::add_data_file() {
  return index_.add_data_file();
}

void IndexTxn::account_written(std::uint32_t id, std::uint64_t written) {
  index_.account_written(id, written);
}

void IndexTxn::account_freed(std::uint32_t id, std::uint64_t freed) {
  index_.account_freed(id, freed);
}

void IndexTxn::account_dead(std::uint32_t id, std::uint64_t dead) {
  index_.account_dead(id, dead);
}

void IndexTxn::set_data_file_accounting(const DataFileRecord& record) {
  index_.set_data_file_accounting(record);
}

void IndexTxn::remove_data_file(std::uint32_t id) {
  index_.remove_data_file(id);
}

}  // namespace squeezefs::index
