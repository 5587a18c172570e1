// Whole-store scans and repairs used by `squeezefs fsck` and `squeezefs compact`, and the check
// of the index at mount.
#include <sqlite3.h>

#include <memory>
#include <string>

#include "row_helpers.h"
#include "squeezefs/index/error.h"
#include "squeezefs/index/index.h"

namespace squeezefs::index {
namespace {

constexpr const char* kStoredBlockColumns =
    "ino, block_index, codec, raw_length, stored_length, checksum, data_file, file_offset";

StoredBlock read_stored_block(const Stmt& st) {
  StoredBlock b;
  b.ino = u64(st.column_int64(0));
  b.block = u64(st.column_int64(1));
  b.ref.codec = static_cast<std::uint16_t>(st.column_int64(2));
  b.ref.raw_length = u32(st.column_int64(3));
  b.ref.stored_length = u32(st.column_int64(4));
  b.ref.checksum = u64(st.column_int64(5));
  b.ref.data_file = u32(st.column_int64(6));
  b.ref.offset = u64(st.column_int64(7));
  return b;
}

// Runs one of SQLite's integrity checks (`pragma`) and returns its findings. The check stops
// with SQLITE_CORRUPT (or NOTADB) on damage it cannot walk past, such as a damaged schema: that
// is a finding too. A fresh statement, as it may fail and the cache should not keep it.
std::vector<std::string> run_check(sqlite3* db, const char* pragma) {
  std::vector<std::string> out;
  sqlite3_stmt* raw = nullptr;
  int rc = sqlite3_prepare_v2(db, pragma, -1, &raw, nullptr);
  const std::unique_ptr<sqlite3_stmt, decltype(&sqlite3_finalize)> st(raw, sqlite3_finalize);
  if (rc == SQLITE_OK) {
    while ((rc = sqlite3_step(raw)) == SQLITE_ROW) {
      const auto* text = sqlite3_column_text(raw, 0);
      std::string line = text != nullptr ? reinterpret_cast<const char*>(text) : "";
      if (line != "ok") out.push_back(std::move(line));
    }
    if (rc == SQLITE_DONE) return out;
  }
  const int primary = rc & 0xff;
  if (primary == SQLITE_CORRUPT || primary == SQLITE_NOTADB) {
    out.emplace_back(sqlite3_errmsg(db));
    return out;
  }
  throw IndexError(std::string("checking the index failed: ") + sqlite3_errmsg(db));
}

}  // namespace

std::vector<std::string> Index::integrity_problems() {
  return run_check(db_.handle(), "PRAGMA integrity_check");
}

std::vector<std::string> Index::quick_check_problems() {
  return run_check(db_.handle(), "PRAGMA quick_check");
}

std::vector<ForeignKeyViolation> Index::foreign_key_violations() {
  Stmt st(db_.handle(), "PRAGMA foreign_key_check");
  std::vector<ForeignKeyViolation> out;
  while (st.step()) {
    ForeignKeyViolation v;
    v.table = st.column_blob(0);
    if (!st.column_is_null(1)) v.rowid = st.column_int64(1);
    v.parent = st.column_blob(2);
    out.push_back(std::move(v));
  }
  return out;
}

std::vector<InodeRecord> Index::all_inodes() {
  Stmt& st = db_.cached(std::string("SELECT ") + kInodeColumns + " FROM inodes ORDER BY ino");
  const ResetGuard reset_guard(st);
  std::vector<InodeRecord> out;
  while (st.step()) out.push_back(read_inode(st));
  return out;
}

std::vector<DirEntry> Index::all_entries() {
  Stmt& st = db_.cached("SELECT entry_id, parent, name, child FROM dirents ORDER BY entry_id");
  const ResetGuard reset_guard(st);
  std::vector<DirEntry> out;
  while (st.step()) {
    out.push_back(DirEntry{st.column_int64(0), u64(st.column_int64(1)), st.column_blob(2),
                           u64(st.column_int64(3))});
  }
  return out;
}

std::uint64_t Index::block_count() {
  Stmt& st = db_.cached("SELECT COUNT(*) FROM blocks");
  const ResetGuard reset_guard(st);
  st.step();
  return u64(st.column_int64(0));
}

void Index::for_each_stored_block(const std::function<void(const StoredBlock&)>& visit) {
  Stmt& st = db_.cached(std::string("SELECT ") + kStoredBlockColumns +
                        " FROM blocks ORDER BY data_file, file_offset, ino, block_index");
  const ResetGuard reset_guard(st);
  while (st.step()) visit(read_stored_block(st));
}

std::vector<StoredBlock> Index::blocks_in_data_file(std::uint32_t id) {
  Stmt& st = db_.cached(std::string("SELECT ") + kStoredBlockColumns +
                        " FROM blocks WHERE data_file = ?1 ORDER BY file_offset");
  const ResetGuard reset_guard(st);
  st.bind(1, id);
  std::vector<StoredBlock> out;
  while (st.step()) out.push_back(read_stored_block(st));
  return out;
}

void Index::set_data_file_accounting(const DataFileRecord& record) {
  db_.cached("UPDATE data_files SET live_bytes = ?2, total_bytes = ?3 WHERE id = ?1")
      .bind(1, record.id)
      .bind(2, static_cast<std::int64_t>(record.live_bytes))
      .bind(3, static_cast<std::int64_t>(record.total_bytes))
      .run();
  if (db_.changes() != 1)
    throw IndexError("accounting for missing data file " + std::to_string(record.id));
}

void Index::remove_data_file(std::uint32_t id) {
  // Foreign keys make this fail while any block still points into the file.
  db_.cached("DELETE FROM data_files WHERE id = ?1").bind(1, id).run();
}

void Index::use_durable_commits() {
  // WAL with synchronous=NORMAL may lose the last commits on power failure; FULL syncs the WAL
  // on every commit.
  db_.exec("PRAGMA synchronous=FULL");
}

void Index::set_durable_commits(bool on) {
  db_.exec(on ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL");
}

}  // namespace squeezefs::index
