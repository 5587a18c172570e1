#include "squeezefs/index/index.h"

#include <sqlite3.h>

#include <span>

#include "row_helpers.h"
#include "schema.h"
#include "squeezefs/index/error.h"

namespace squeezefs::index {
namespace {

// Names and targets are raw bytes: store them as BLOBs so no encoding is applied.
std::span<const std::byte> bytes(std::string_view s) {
  return std::as_bytes(std::span(s.data(), s.size()));
}

int user_version(Db& db) {
  Stmt& st = db.cached("PRAGMA user_version");
  const ResetGuard reset_guard(st);
  st.step();
  return static_cast<int>(st.column_int64(0));
}

void bind_inode_fields(Stmt& st, const InodeRecord& r) {
  st.bind(1, static_cast<std::int64_t>(r.mode))
      .bind(2, static_cast<std::int64_t>(r.uid))
      .bind(3, static_cast<std::int64_t>(r.gid))
      .bind(4, static_cast<std::int64_t>(r.nlink))
      .bind(5, s64(r.size))
      .bind(6, r.atime_ns)
      .bind(7, r.mtime_ns)
      .bind(8, r.ctime_ns)
      .bind(9, s64(r.rdev))
      .bind(10, s64(r.generation));
}

// Runs an INSERT or UPDATE of inode `ino` whose ?1..?10 are the record's fields and ?11 its
// number (NULL lets SQLite pick the next one).
void run_inode_statement(Stmt& st, const InodeRecord& record, std::optional<std::uint64_t> ino) {
  const ResetGuard reset_guard(st);
  bind_inode_fields(st, record);
  if (ino) {
    st.bind(11, s64(*ino));
  } else {
    st.bind_null(11);
  }
  st.run();
}

constexpr const char* kInsertInode =
    "INSERT INTO inodes(mode, uid, gid, nlink, size, atime_ns, mtime_ns, ctime_ns, rdev, "
    "generation, ino) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)";

constexpr const char* kBlockColumns =
    "codec, raw_length, stored_length, checksum, data_file, file_offset";

// Reads a BlockRef from columns starting at `first`.
BlockRef read_block(const Stmt& st, int first) {
  BlockRef b;
  b.codec = static_cast<std::uint16_t>(st.column_int64(first));
  b.raw_length = u32(st.column_int64(first + 1));
  b.stored_length = u32(st.column_int64(first + 2));
  b.checksum = u64(st.column_int64(first + 3));  // stored as the signed bit pattern
  b.data_file = u32(st.column_int64(first + 4));
  b.offset = u64(st.column_int64(first + 5));
  return b;
}

void put_config(Db& db, std::string_view key, std::int64_t value) {
  db.cached(
        "INSERT INTO config(key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = ?2")
      .bind(1, key)
      .bind(2, value)
      .run();
}

std::int64_t get_config(Db& db, std::string_view key) {
  Stmt& st = db.cached("SELECT value FROM config WHERE key = ?1");
  const ResetGuard reset_guard(st);
  st.bind(1, key);
  if (!st.step()) throw IndexError("index has no config key " + std::string(key));
  return st.column_int64(0);
}

// The statements creating the indexes of kAddedIndexes that `db` lacks.
std::vector<const char*> missing_indexes(Db& db) {
  Stmt& exists = db.cached("SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = ?1");
  std::vector<const char*> missing;
  for (const auto& [name, sql] : internal::kAddedIndexes) {
    const ResetGuard reset_guard(exists);
    exists.bind(1, std::string_view(name));
    if (!exists.step()) missing.push_back(sql);
  }
  return missing;
}

// Creates `missing` (from missing_indexes()) in one transaction.
void add_indexes(Db& db, const std::vector<const char*>& missing) {
  Txn txn(db);
  for (const char* sql : missing) db.exec(sql);
  txn.commit();
}

}  // namespace

Index Index::create(const std::string& path, const StoreConfig& config, const char* vfs) {
  Db db(path, vfs);
  if (user_version(db) != 0)
    throw FormatError(path + ": already holds a squeezefs index", StorageErrc::kExists);
  {
    Txn txn(db);
    db.exec(internal::kSchemaV1);
    for (const auto& [name, sql] : internal::kAddedIndexes) db.exec(sql);
    put_config(db, "block_size", config.block_size);
    put_config(db, "default_codec", config.default_codec);
    put_config(db, "codec_level", config.codec_level);
    db.exec("PRAGMA user_version = " + std::to_string(kFormatVersion));
    txn.commit();
  }
  return Index(std::move(db));
}

Index Index::open(const std::string& path, const char* vfs, DbAccess access) {
  // Refuse to create a database where none exists: open would silently make an empty file.
  sqlite3* probe = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &probe, SQLITE_OPEN_READONLY, vfs);
  sqlite3_close_v2(probe);
  if (rc != SQLITE_OK) throw FormatError(path + ": no squeezefs index found");

  std::optional<Db> db;
  int version = 0;
  try {
    db.emplace(path, vfs, access);
    version = user_version(*db);
  } catch (const IndexError& e) {
    // An index whose first page (the schema) is damaged fails here, before any check can run.
    if (e.damaged()) throw DamagedIndexError(path, {e.what()});
    throw FormatError(path + ": not a valid squeezefs index (" + e.what() + ")");
  }
  if (version == 0) throw FormatError(path + ": not a squeezefs index");
  if (version > kFormatVersion) {
    throw FormatError(path + ": index format " + std::to_string(version) +
                          " is newer than this squeezefs (format " +
                          std::to_string(kFormatVersion) + "); upgrade squeezefs to use this store",
                      StorageErrc::kNewerFormat);
  }
  Index index(std::move(*db));
  // A read-only open goes without: listings are slower there, not wrong. A damaged index is not
  // written to: whoever opened it checks it and reports the damage (the check runs only for a
  // store that lacks an index, once).
  if (access == DbAccess::kReadWrite) {
    const auto missing = missing_indexes(index.db_);
    if (!missing.empty() && index.quick_check_problems().empty()) add_indexes(index.db_, missing);
  }
  return index;
}

StoreConfig Index::config() {
  StoreConfig c;
  c.block_size = u32(get_config(db_, "block_size"));
  c.default_codec = static_cast<std::uint16_t>(get_config(db_, "default_codec"));
  c.codec_level = static_cast<int>(get_config(db_, "codec_level"));
  return c;
}

void Index::set_default_codec(std::uint16_t codec, int level) {
  put_config(db_, "default_codec", codec);
  put_config(db_, "codec_level", level);
}

std::uint64_t Index::allocate_inode(const InodeRecord& record) {
  // Never below a number this connection handed out before, even when the highest inode has
  // been removed since: see next_ino_.
  run_inode_statement(
      db_.cached("INSERT INTO inodes(mode, uid, gid, nlink, size, atime_ns, mtime_ns, ctime_ns, "
                 "rdev, generation, ino) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, "
                 "MAX(?11, (SELECT COALESCE(MAX(ino), 0) + 1 FROM inodes)))"),
      record, next_ino_);
  const auto ino = u64(db_.last_insert_rowid());
  next_ino_ = ino + 1;
  inodes_.follow(db_.undo_count());
  InodeRecord stored = record;
  stored.ino = ino;
  inodes_.put(ino, stored);
  return ino;
}

void Index::insert_inode(const InodeRecord& record) {
  run_inode_statement(db_.cached(kInsertInode), record, record.ino);
  inodes_.follow(db_.undo_count());
  inodes_.put(record.ino, record);
}

std::optional<InodeRecord> Index::inode(std::uint64_t ino) {
  inodes_.follow(db_.undo_count());
  if (const auto* cached = inodes_.find(ino)) return *cached;
  static const std::string kSelect =
      std::string("SELECT ") + kInodeColumns + " FROM inodes WHERE ino = ?1";
  Stmt& st = db_.cached(kSelect);
  const ResetGuard reset_guard(st);
  st.bind(1, s64(ino));
  if (!st.step()) return std::nullopt;
  auto record = read_inode(st);
  inodes_.put(ino, record);
  return record;
}

void Index::update_inode(const InodeRecord& record) {
  run_inode_statement(
      db_.cached("UPDATE inodes SET mode = ?1, uid = ?2, gid = ?3, nlink = ?4, size = ?5, "
                 "atime_ns = ?6, mtime_ns = ?7, ctime_ns = ?8, rdev = ?9, generation = ?10 "
                 "WHERE ino = ?11"),
      record, record.ino);
  if (db_.changes() != 1) throw IndexError("update of missing inode " + std::to_string(record.ino));
  inodes_.follow(db_.undo_count());
  inodes_.put(record.ino, record);
}

std::vector<BlockRef> Index::remove_inode(std::uint64_t ino) {
  std::vector<BlockRef> removed = remove_blocks_from(ino, 0);
  inodes_.erase(ino);
  stored_bytes_.erase(ino);
  db_.cached("DELETE FROM inodes WHERE ino = ?1").bind(1, s64(ino)).run();
  return removed;
}

std::vector<std::uint64_t> Index::orphan_inodes() {
  Stmt& st = db_.cached("SELECT ino FROM inodes WHERE nlink = 0");
  const ResetGuard reset_guard(st);
  std::vector<std::uint64_t> out;
  while (st.step()) out.push_back(u64(st.column_int64(0)));
  return out;
}

std::int64_t Index::add_entry(std::uint64_t parent, std::string_view name, std::uint64_t child) {
  db_.cached("INSERT INTO dirents(parent, name, child) VALUES (?1, ?2, ?3)")
      .bind(1, s64(parent))
      .bind_blob(2, bytes(name))
      .bind(3, s64(child))
      .run();
  return db_.last_insert_rowid();
}

std::optional<DirEntry> Index::lookup(std::uint64_t parent, std::string_view name) {
  Stmt& st = db_.cached("SELECT entry_id, child FROM dirents WHERE parent = ?1 AND name = ?2");
  const ResetGuard reset_guard(st);
  st.bind(1, s64(parent)).bind_blob(2, bytes(name));
  if (!st.step()) return std::nullopt;
  return DirEntry{st.column_int64(0), parent, std::string(name), u64(st.column_int64(1))};
}

bool Index::remove_entry(std::uint64_t parent, std::string_view name) {
  db_.cached("DELETE FROM dirents WHERE parent = ?1 AND name = ?2")
      .bind(1, s64(parent))
      .bind_blob(2, bytes(name))
      .run();
  return db_.changes() > 0;
}

void Index::retarget_entry(std::uint64_t parent, std::string_view name, std::uint64_t child) {
  db_.cached("UPDATE dirents SET child = ?3 WHERE parent = ?1 AND name = ?2")
      .bind(1, s64(parent))
      .bind_blob(2, bytes(name))
      .bind(3, s64(child))
      .run();
  if (db_.changes() != 1) throw IndexError("retarget of missing directory entry");
}

void Index::move_entry(std::uint64_t parent, std::string_view name, std::uint64_t new_parent,
                       std::string_view new_name) {
  const auto entry = lookup(parent, name);
  if (!entry) throw IndexError("move of missing directory entry");
  remove_entry(parent, name);
  add_entry(new_parent, new_name, entry->child);
}

std::vector<DirEntry> Index::list_entries(std::uint64_t parent, std::int64_t after,
                                          std::size_t limit, std::int64_t last) {
  Stmt& st = db_.cached(
      "SELECT entry_id, name, child FROM dirents WHERE parent = ?1 AND entry_id > ?2 AND "
      "entry_id <= ?4 ORDER BY entry_id LIMIT ?3");
  const ResetGuard reset_guard(st);
  st.bind(1, s64(parent)).bind(2, after).bind(3, static_cast<std::int64_t>(limit)).bind(4, last);
  std::vector<DirEntry> out;
  while (st.step())
    out.push_back(DirEntry{st.column_int64(0), parent, st.column_blob(1), u64(st.column_int64(2))});
  return out;
}

std::int64_t Index::last_entry_id() {
  Stmt& st = db_.cached("SELECT COALESCE(MAX(entry_id), 0) FROM dirents");
  const ResetGuard reset_guard(st);
  st.step();
  return st.column_int64(0);
}

bool Index::has_entries(std::uint64_t parent) {
  Stmt& st = db_.cached("SELECT 1 FROM dirents WHERE parent = ?1 LIMIT 1");
  const ResetGuard reset_guard(st);
  st.bind(1, s64(parent));
  return st.step();
}

std::optional<std::uint64_t> Index::parent_of(std::uint64_t child) {
  Stmt& st = db_.cached("SELECT parent FROM dirents WHERE child = ?1 LIMIT 1");
  const ResetGuard reset_guard(st);
  st.bind(1, s64(child));
  if (!st.step()) return std::nullopt;
  return u64(st.column_int64(0));
}

void Index::set_symlink(std::uint64_t ino, std::string_view target) {
  db_.cached(
         "INSERT INTO symlinks(ino, target) VALUES (?1, ?2) ON CONFLICT(ino) DO UPDATE SET target "
         "= ?2")
      .bind(1, s64(ino))
      .bind_blob(2, bytes(target))
      .run();
}

std::optional<std::string> Index::symlink(std::uint64_t ino) {
  Stmt& st = db_.cached("SELECT target FROM symlinks WHERE ino = ?1");
  const ResetGuard reset_guard(st);
  st.bind(1, s64(ino));
  if (!st.step()) return std::nullopt;
  return st.column_blob(0);
}

void Index::set_xattr(std::uint64_t ino, std::string_view name, std::string_view value) {
  db_.cached(
         "INSERT INTO xattrs(ino, name, value) VALUES (?1, ?2, ?3) ON CONFLICT(ino, name) DO "
         "UPDATE SET value = ?3")
      .bind(1, s64(ino))
      .bind_blob(2, bytes(name))
      .bind_blob(3, bytes(value))
      .run();
}

std::optional<std::string> Index::xattr(std::uint64_t ino, std::string_view name) {
  Stmt& st = db_.cached("SELECT value FROM xattrs WHERE ino = ?1 AND name = ?2");
  const ResetGuard reset_guard(st);
  st.bind(1, s64(ino)).bind_blob(2, bytes(name));
  if (!st.step()) return std::nullopt;
  return st.column_blob(0);
}

bool Index::remove_xattr(std::uint64_t ino, std::string_view name) {
  db_.cached("DELETE FROM xattrs WHERE ino = ?1 AND name = ?2")
      .bind(1, s64(ino))
      .bind_blob(2, bytes(name))
      .run();
  return db_.changes() > 0;
}

std::vector<std::string> Index::xattr_names(std::uint64_t ino) {
  Stmt& st = db_.cached("SELECT name FROM xattrs WHERE ino = ?1 ORDER BY name");
  const ResetGuard reset_guard(st);
  st.bind(1, s64(ino));
  std::vector<std::string> out;
  while (st.step()) out.push_back(st.column_blob(0));
  return out;
}

std::optional<BlockRef> Index::put_block(std::uint64_t ino, std::uint64_t block_index,
                                         const BlockRef& ref) {
  std::optional<BlockRef> previous = block(ino, block_index);
  stored_bytes_.erase(ino);
  db_.cached(
         "INSERT INTO blocks(ino, block_index, codec, raw_length, stored_length, checksum, "
         "data_file, file_offset) "
         "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT(ino, block_index) DO UPDATE SET "
         "codec = ?3, "
         "raw_length = ?4, stored_length = ?5, checksum = ?6, data_file = ?7, file_offset = ?8")
      .bind(1, s64(ino))
      .bind(2, s64(block_index))
      .bind(3, ref.codec)
      .bind(4, ref.raw_length)
      .bind(5, ref.stored_length)
      .bind(6, s64(ref.checksum))
      .bind(7, ref.data_file)
      .bind(8, s64(ref.offset))
      .run();
  return previous;
}

std::optional<BlockRef> Index::block(std::uint64_t ino, std::uint64_t block_index) {
  Stmt& st = db_.cached(std::string("SELECT ") + kBlockColumns +
                        " FROM blocks WHERE ino = ?1 AND block_index = ?2");
  const ResetGuard reset_guard(st);
  st.bind(1, s64(ino)).bind(2, s64(block_index));
  if (!st.step()) return std::nullopt;
  return read_block(st, 0);
}

std::optional<BlockRef> Index::remove_block(std::uint64_t ino, std::uint64_t block_index) {
  std::optional<BlockRef> previous = block(ino, block_index);
  if (previous) {
    stored_bytes_.erase(ino);
    db_.cached("DELETE FROM blocks WHERE ino = ?1 AND block_index = ?2")
        .bind(1, s64(ino))
        .bind(2, s64(block_index))
        .run();
  }
  return previous;
}

std::vector<std::pair<std::uint64_t, BlockRef>> Index::blocks(std::uint64_t ino,
                                                              std::uint64_t first,
                                                              std::uint64_t last) {
  // Block indices fit in int64 (files are < 2^63 bytes); clamp the open upper end.
  const std::uint64_t kMax = static_cast<std::uint64_t>(INT64_MAX);
  Stmt& st = db_.cached(
      std::string("SELECT block_index, ") + kBlockColumns +
      " FROM blocks WHERE ino = ?1 AND block_index BETWEEN ?2 AND ?3 ORDER BY block_index");
  const ResetGuard reset_guard(st);
  st.bind(1, s64(ino)).bind(2, s64(std::min(first, kMax))).bind(3, s64(std::min(last, kMax)));
  std::vector<std::pair<std::uint64_t, BlockRef>> out;
  while (st.step()) out.emplace_back(u64(st.column_int64(0)), read_block(st, 1));
  return out;
}

std::vector<BlockRef> Index::remove_blocks_from(std::uint64_t ino, std::uint64_t first) {
  std::vector<BlockRef> removed;
  for (auto& [index, ref] : blocks(ino, first, UINT64_MAX)) removed.push_back(ref);
  stored_bytes_.erase(ino);
  db_.cached("DELETE FROM blocks WHERE ino = ?1 AND block_index >= ?2")
      .bind(1, s64(ino))
      .bind(2, s64(first))
      .run();
  return removed;
}

std::uint64_t Index::stored_bytes(std::uint64_t ino) {
  stored_bytes_.follow(db_.undo_count());
  if (const auto* cached = stored_bytes_.find(ino)) return *cached;
  Stmt& st = db_.cached("SELECT COALESCE(SUM(stored_length), 0) FROM blocks WHERE ino = ?1");
  const ResetGuard reset_guard(st);
  st.bind(1, s64(ino));
  st.step();
  const auto total = u64(st.column_int64(0));
  stored_bytes_.put(ino, total);
  return total;
}

std::uint32_t Index::add_data_file() {
  db_.cached("INSERT INTO data_files(live_bytes, total_bytes) VALUES (0, 0)").run();
  return u32(db_.last_insert_rowid());
}

std::optional<DataFileRecord> Index::data_file(std::uint32_t id) {
  Stmt& st = db_.cached("SELECT id, live_bytes, total_bytes FROM data_files WHERE id = ?1");
  const ResetGuard reset_guard(st);
  st.bind(1, id);
  if (!st.step()) return std::nullopt;
  return DataFileRecord{u32(st.column_int64(0)), u64(st.column_int64(1)), u64(st.column_int64(2))};
}

std::vector<DataFileRecord> Index::data_files() {
  Stmt& st = db_.cached("SELECT id, live_bytes, total_bytes FROM data_files ORDER BY id");
  const ResetGuard reset_guard(st);
  std::vector<DataFileRecord> out;
  while (st.step()) {
    out.push_back(
        DataFileRecord{u32(st.column_int64(0)), u64(st.column_int64(1)), u64(st.column_int64(2))});
  }
  return out;
}

void Index::account_written(std::uint32_t id, std::uint64_t written) {
  db_.cached(
         "UPDATE data_files SET live_bytes = live_bytes + ?2, total_bytes = total_bytes + ?2 WHERE "
         "id = ?1")
      .bind(1, id)
      .bind(2, s64(written))
      .run();
  if (db_.changes() != 1)
    throw IndexError("accounting for missing data file " + std::to_string(id));
}

void Index::account_dead(std::uint32_t id, std::uint64_t dead) {
  db_.cached("UPDATE data_files SET total_bytes = total_bytes + ?2 WHERE id = ?1")
      .bind(1, id)
      .bind(2, s64(dead))
      .run();
  if (db_.changes() != 1)
    throw IndexError("accounting for missing data file " + std::to_string(id));
}

void Index::account_freed(std::uint32_t id, std::uint64_t freed) {
  db_.cached("UPDATE data_files SET live_bytes = MAX(live_bytes - ?2, 0) WHERE id = ?1")
      .bind(1, id)
      .bind(2, s64(freed))
      .run();
}

}  // namespace squeezefs::index
