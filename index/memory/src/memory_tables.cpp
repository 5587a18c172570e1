#include "memory_tables.h"

#include <algorithm>
#include <limits>
#include <utility>

#include "squeezefs/common/storage_error.h"

namespace squeezefs::index {
namespace {

[[noreturn]] void broken_rule(const std::string& what) {
  throw StorageError(StorageErrc::kIo, what);
}

void link(MemoryTables& t, const DirEntry& e) {
  t.entries.emplace(e.entry_id, e);
  t.names[e.parent].emplace(e.name, e.entry_id);
  t.by_parent[e.parent].insert(e.entry_id);
  t.by_child[e.child].insert(e.entry_id);
}

void unlink(MemoryTables& t, EntryId id) {
  const auto it = t.entries.find(id);
  if (it == t.entries.end()) return;
  const DirEntry& e = it->second;
  t.names[e.parent].erase(e.name);
  t.by_parent[e.parent].erase(id);
  t.by_child[e.child].erase(id);
  t.entries.erase(it);
}

const DirEntry* find_entry(MemoryTables& t, Ino parent, std::string_view name) {
  const auto dir = t.names.find(parent);
  if (dir == t.names.end()) return nullptr;
  const auto it = dir->second.find(name);
  return it == dir->second.end() ? nullptr : &t.entries.at(it->second);
}

bool has_any(const std::map<Ino, std::set<EntryId>>& index, Ino ino) {
  const auto it = index.find(ino);
  return it != index.end() && !it->second.empty();
}

}  // namespace

void roll_back(MemoryTables& tables, UndoLog& undo) {
  for (auto it = undo.rbegin(); it != undo.rend(); ++it) (*it)(tables);
  undo.clear();
}

void MemoryTxn::record(std::function<void(MemoryTables&)> undo) {
  undo_->push_back(std::move(undo));
}

void MemoryTxn::save_inode(Ino ino) {
  const auto it = t_.inodes.find(ino);
  std::optional<InodeRecord> old;
  if (it != t_.inodes.end()) old = it->second;
  record([ino, old](MemoryTables& t) {
    if (old) {
      t.inodes.insert_or_assign(ino, *old);
    } else {
      t.inodes.erase(ino);
    }
  });
}

void MemoryTxn::save_entry(EntryId id) {
  const auto it = t_.entries.find(id);
  std::optional<DirEntry> old;
  if (it != t_.entries.end()) old = it->second;
  record([id, old](MemoryTables& t) {
    unlink(t, id);
    if (old) link(t, *old);
  });
}

void MemoryTxn::save_symlink(Ino ino) {
  const auto it = t_.symlinks.find(ino);
  std::optional<std::string> old;
  if (it != t_.symlinks.end()) old = it->second;
  record([ino, old](MemoryTables& t) {
    if (old) {
      t.symlinks.insert_or_assign(ino, *old);
    } else {
      t.symlinks.erase(ino);
    }
  });
}

void MemoryTxn::save_xattr(Ino ino, std::string_view name) {
  std::optional<std::string> old = xattr(ino, name);
  record([ino, key = std::string(name), old](MemoryTables& t) {
    if (old) {
      t.xattrs[ino].insert_or_assign(key, *old);
    } else {
      t.xattrs[ino].erase(key);
    }
  });
}

void MemoryTxn::save_block(Ino ino, BlockIndex index) {
  std::optional<BlockRef> old = block(ino, index);
  record([ino, index, old](MemoryTables& t) {
    if (old) {
      t.blocks[ino].insert_or_assign(index, *old);
    } else {
      t.blocks[ino].erase(index);
    }
  });
}

void MemoryTxn::save_data_file(std::uint32_t id) {
  std::optional<DataFileRecord> old = data_file(id);
  record([id, old](MemoryTables& t) {
    if (old) {
      t.data_files.insert_or_assign(id, *old);
    } else {
      t.data_files.erase(id);
    }
  });
}

void MemoryTxn::require_inode(Ino ino, const char* what) {
  if (!t_.inodes.contains(ino))
    broken_rule(std::string(what) + " names missing inode " + std::to_string(ino));
}

DataFileRecord& MemoryTxn::existing_data_file(std::uint32_t id) {
  const auto it = t_.data_files.find(id);
  if (it == t_.data_files.end())
    broken_rule("accounting for missing data file " + std::to_string(id));
  return it->second;
}

void MemoryTxn::unlink_entry(EntryId id) {
  save_entry(id);
  unlink(t_, id);
}

// Reads.

std::optional<InodeRecord> MemoryTxn::inode(Ino ino) {
  const auto it = t_.inodes.find(ino);
  if (it == t_.inodes.end()) return std::nullopt;
  return it->second;
}

std::optional<DirEntry> MemoryTxn::lookup(Ino parent, std::string_view name) {
  const DirEntry* e = find_entry(t_, parent, name);
  if (e == nullptr) return std::nullopt;
  return *e;
}

std::vector<DirEntry> MemoryTxn::list_entries(Ino parent, EntryId after, std::size_t limit,
                                              EntryId last) {
  std::vector<DirEntry> out;
  const auto dir = t_.by_parent.find(parent);
  if (dir == t_.by_parent.end() || after == std::numeric_limits<EntryId>::max()) return out;
  for (auto it = dir->second.upper_bound(after);
       it != dir->second.end() && *it <= last && out.size() < limit; ++it) {
    out.push_back(t_.entries.at(*it));
  }
  return out;
}

EntryId MemoryTxn::last_entry_id() {
  return t_.entries.empty() ? 0 : t_.entries.rbegin()->first;
}

bool MemoryTxn::has_entries(Ino parent) {
  return has_any(t_.by_parent, parent);
}

std::optional<Ino> MemoryTxn::parent_of(Ino dir) {
  const auto it = t_.by_child.find(dir);
  if (it == t_.by_child.end() || it->second.empty()) return std::nullopt;
  return t_.entries.at(*it->second.begin()).parent;
}

std::optional<std::string> MemoryTxn::symlink(Ino ino) {
  const auto it = t_.symlinks.find(ino);
  if (it == t_.symlinks.end()) return std::nullopt;
  return it->second;
}

std::optional<std::string> MemoryTxn::xattr(Ino ino, std::string_view name) {
  const auto attrs = t_.xattrs.find(ino);
  if (attrs == t_.xattrs.end()) return std::nullopt;
  const auto it = attrs->second.find(name);
  if (it == attrs->second.end()) return std::nullopt;
  return it->second;
}

std::vector<std::string> MemoryTxn::xattr_names(Ino ino) {
  std::vector<std::string> out;
  const auto attrs = t_.xattrs.find(ino);
  if (attrs == t_.xattrs.end()) return out;
  for (const auto& [name, value] : attrs->second) out.push_back(name);
  return out;
}

std::optional<BlockRef> MemoryTxn::block(Ino ino, BlockIndex index) {
  const auto map = t_.blocks.find(ino);
  if (map == t_.blocks.end()) return std::nullopt;
  const auto it = map->second.find(index);
  if (it == map->second.end()) return std::nullopt;
  return it->second;
}

std::vector<std::pair<BlockIndex, BlockRef>> MemoryTxn::blocks(Ino ino, BlockIndex first,
                                                               BlockIndex last) {
  std::vector<std::pair<BlockIndex, BlockRef>> out;
  const auto map = t_.blocks.find(ino);
  if (map == t_.blocks.end() || first > last) return out;
  for (auto it = map->second.lower_bound(first); it != map->second.end() && it->first <= last;
       ++it) {
    out.emplace_back(*it);
  }
  return out;
}

std::uint64_t MemoryTxn::stored_bytes(Ino ino) {
  std::uint64_t total = 0;
  const auto map = t_.blocks.find(ino);
  if (map == t_.blocks.end()) return 0;
  for (const auto& [index, ref] : map->second) total += ref.stored_length;
  return total;
}

std::vector<Ino> MemoryTxn::orphan_inodes() {
  std::vector<Ino> out;
  for (const auto& [ino, rec] : t_.inodes) {
    if (rec.nlink == 0) out.push_back(ino);
  }
  return out;
}

std::vector<DataFileRecord> MemoryTxn::data_files() {
  std::vector<DataFileRecord> out;
  for (const auto& [id, rec] : t_.data_files) out.push_back(rec);
  return out;
}

std::optional<DataFileRecord> MemoryTxn::data_file(std::uint32_t id) {
  const auto it = t_.data_files.find(id);
  if (it == t_.data_files.end()) return std::nullopt;
  return it->second;
}

std::vector<StoredBlock> MemoryTxn::blocks_in_data_file(std::uint32_t id) {
  std::vector<StoredBlock> out;
  for (const auto& [ino, map] : t_.blocks) {
    for (const auto& [index, ref] : map) {
      if (ref.data_file == id) out.push_back(StoredBlock{ino, index, ref});
    }
  }
  std::stable_sort(out.begin(), out.end(), [](const StoredBlock& a, const StoredBlock& b) {
    return a.ref.offset < b.ref.offset;
  });
  return out;
}

// Writes.

Ino MemoryTxn::allocate_inode(const InodeRecord& record) {
  const Ino highest = t_.inodes.empty() ? 0 : t_.inodes.rbegin()->first;
  const Ino ino = std::max(next_ino_, highest + 1);
  next_ino_ = ino + 1;  // not undone: a rolled-back number does not come back either
  InodeRecord stored = record;
  stored.ino = ino;
  insert_inode(stored);
  return ino;
}

void MemoryTxn::insert_inode(const InodeRecord& record) {
  if (t_.inodes.contains(record.ino))
    broken_rule("inode " + std::to_string(record.ino) + " exists already");
  save_inode(record.ino);
  t_.inodes.emplace(record.ino, record);
}

void MemoryTxn::update_inode(const InodeRecord& record) {
  const auto it = t_.inodes.find(record.ino);
  if (it == t_.inodes.end()) broken_rule("update of missing inode " + std::to_string(record.ino));
  save_inode(record.ino);
  it->second = record;
}

std::vector<BlockRef> MemoryTxn::remove_inode(Ino ino) {
  if (has_any(t_.by_child, ino) || has_any(t_.by_parent, ino))
    broken_rule("inode " + std::to_string(ino) + " is still named by a directory entry");
  std::vector<BlockRef> removed = remove_blocks_from(ino, 0);
  for (const auto& name : xattr_names(ino)) remove_xattr(ino, name);
  if (t_.symlinks.contains(ino)) {
    save_symlink(ino);
    t_.symlinks.erase(ino);
  }
  if (t_.inodes.contains(ino)) {
    save_inode(ino);
    t_.inodes.erase(ino);
  }
  return removed;
}

EntryId MemoryTxn::add_entry(Ino parent, std::string_view name, Ino child) {
  if (name.empty() || name.size() > kMaxNameLength) broken_rule("bad entry name length");
  require_inode(parent, "directory entry");
  require_inode(child, "directory entry");
  if (find_entry(t_, parent, name) != nullptr) broken_rule("duplicate directory entry");
  const EntryId id = std::max(t_.entry_sequence, last_entry_id()) + 1;
  record([old = t_.entry_sequence](MemoryTables& t) { t.entry_sequence = old; });
  t_.entry_sequence = id;
  save_entry(id);
  link(t_, DirEntry{id, parent, std::string(name), child});
  return id;
}

bool MemoryTxn::remove_entry(Ino parent, std::string_view name) {
  const DirEntry* e = find_entry(t_, parent, name);
  if (e == nullptr) return false;
  unlink_entry(e->entry_id);
  return true;
}

void MemoryTxn::retarget_entry(Ino parent, std::string_view name, Ino child) {
  const DirEntry* e = find_entry(t_, parent, name);
  if (e == nullptr) broken_rule("retarget of missing directory entry");
  require_inode(child, "directory entry");
  DirEntry moved = *e;
  moved.child = child;
  unlink_entry(moved.entry_id);
  link(t_, moved);
}

void MemoryTxn::move_entry(Ino parent, std::string_view name, Ino new_parent,
                           std::string_view new_name) {
  const auto entry = lookup(parent, name);
  if (!entry) broken_rule("move of missing directory entry");
  remove_entry(parent, name);
  add_entry(new_parent, new_name, entry->child);
}

void MemoryTxn::set_symlink(Ino ino, std::string_view target) {
  require_inode(ino, "symlink");
  save_symlink(ino);
  t_.symlinks.insert_or_assign(ino, std::string(target));
}

void MemoryTxn::set_xattr(Ino ino, std::string_view name, std::string_view value) {
  require_inode(ino, "xattr");
  save_xattr(ino, name);
  t_.xattrs[ino].insert_or_assign(std::string(name), std::string(value));
}

bool MemoryTxn::remove_xattr(Ino ino, std::string_view name) {
  if (!xattr(ino, name)) return false;
  save_xattr(ino, name);
  const auto attrs = t_.xattrs.find(ino);
  attrs->second.erase(attrs->second.find(name));
  return true;
}

std::optional<BlockRef> MemoryTxn::put_block(Ino ino, BlockIndex index, const BlockRef& ref) {
  require_inode(ino, "block map entry");
  if (!t_.data_files.contains(ref.data_file))
    broken_rule("block map entry names missing data file " + std::to_string(ref.data_file));
  auto previous = block(ino, index);
  save_block(ino, index);
  t_.blocks[ino].insert_or_assign(index, ref);
  return previous;
}

std::optional<BlockRef> MemoryTxn::remove_block(Ino ino, BlockIndex index) {
  auto previous = block(ino, index);
  if (previous) {
    save_block(ino, index);
    t_.blocks[ino].erase(index);
  }
  return previous;
}

std::vector<BlockRef> MemoryTxn::remove_blocks_from(Ino ino, BlockIndex first) {
  std::vector<BlockRef> removed;
  for (const auto& [index, ref] : blocks(ino, first, std::numeric_limits<BlockIndex>::max())) {
    remove_block(ino, index);
    removed.push_back(ref);
  }
  return removed;
}

bool MemoryTxn::relocate_block(Ino ino, BlockIndex index, const BlockRef& expected,
                               BlockAddress to) {
  if (to.group > std::numeric_limits<std::uint32_t>::max()) return false;
  if (block(ino, index) != expected) return false;
  BlockRef moved = expected;
  moved.data_file = static_cast<std::uint32_t>(to.group);
  moved.offset = to.offset;
  moved.stored_length = to.length;
  put_block(ino, index, moved);
  return true;
}

void MemoryTxn::set_default_codec(std::uint16_t codec, int level) {
  record([old = t_.config](MemoryTables& t) { t.config = old; });
  t_.config.default_codec = codec;
  t_.config.codec_level = level;
}

std::uint32_t MemoryTxn::add_data_file() {
  const std::uint32_t id = t_.data_files.empty() ? 1 : t_.data_files.rbegin()->first + 1;
  save_data_file(id);
  t_.data_files.emplace(id, DataFileRecord{id, 0, 0});
  return id;
}

void MemoryTxn::account_written(std::uint32_t id, std::uint64_t written) {
  DataFileRecord& row = existing_data_file(id);
  save_data_file(id);
  row.live_bytes += written;
  row.total_bytes += written;
}

void MemoryTxn::account_freed(std::uint32_t id, std::uint64_t freed) {
  const auto it = t_.data_files.find(id);
  if (it == t_.data_files.end()) return;
  save_data_file(id);
  it->second.live_bytes -= std::min(it->second.live_bytes, freed);
}

void MemoryTxn::account_dead(std::uint32_t id, std::uint64_t dead) {
  DataFileRecord& row = existing_data_file(id);
  save_data_file(id);
  row.total_bytes += dead;
}

void MemoryTxn::set_data_file_accounting(const DataFileRecord& record) {
  DataFileRecord& row = existing_data_file(record.id);
  save_data_file(record.id);
  row = record;
}

void MemoryTxn::remove_data_file(std::uint32_t id) {
  for (const auto& [ino, map] : t_.blocks) {
    for (const auto& [index, ref] : map) {
      if (ref.data_file == id)
        broken_rule("data file " + std::to_string(id) + " still holds blocks");
    }
  }
  if (!t_.data_files.contains(id)) return;
  save_data_file(id);
  t_.data_files.erase(id);
}

}  // namespace squeezefs::index
