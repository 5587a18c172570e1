#include "squeezefs/index/db.h"

#include <sqlite3.h>

#include <cctype>
#include <cerrno>
#include <utility>

#include "squeezefs/index/error.h"

namespace squeezefs::index {
namespace {

// Long enough that a concurrent writer (another thread's transaction) finishes; SQLITE_BUSY then
// only reaches us for a real deadlock, which is a bug and surfaces as IndexError.
constexpr int kBusyTimeoutMs = 30000;

// The POSIX error behind a failed call: a full disk (SQLITE_FULL, or an I/O error whose system
// call failed with ENOSPC or EDQUOT, as when the -shm file cannot grow) or a plain I/O error.
std::errc errc_of(sqlite3* db, int rc) {
  if ((rc & 0xff) == SQLITE_FULL) return std::errc::no_space_on_device;
  if ((rc & 0xff) == SQLITE_IOERR && db != nullptr) {
    const int sys = sqlite3_system_errno(db);
    if (sys == ENOSPC || sys == EDQUOT) return std::errc::no_space_on_device;
  }
  return std::errc::io_error;
}

// A `file:` URI for `path`: everything but unreserved characters and '/' percent-encoded, so a
// '?', '#' or '%' in a store's path is not read as URI syntax.
std::string file_uri(const std::string& path) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string uri = "file:";
  for (const char c : path) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) != 0 || c == '/' || c == '-' || c == '_' || c == '.' || c == '~') {
      uri.push_back(c);
    } else {
      uri.push_back('%');
      uri.push_back(kHex[u >> 4U]);
      uri.push_back(kHex[u & 0xfU]);
    }
  }
  return uri;
}

// An IndexError for a failed call that returned `rc`, marked damaged() when SQLite found the
// database damaged. The throw site is the caller's.
IndexError error_of(sqlite3* db, int rc, const std::string& msg,
                    const char* file = __builtin_FILE(), int line = __builtin_LINE()) {
  IndexError error(msg, errc_of(db, rc), file, line);
  if ((rc & 0xff) == SQLITE_CORRUPT) error.set_damaged();
  return error;
}

[[noreturn]] void fail(sqlite3* db, std::string_view what, int rc = SQLITE_ERROR,
                       const char* file = __builtin_FILE(), int line = __builtin_LINE()) {
  std::string msg(what);
  msg += ": ";
  msg += db != nullptr ? sqlite3_errmsg(db) : "out of memory";
  throw error_of(db, rc, msg, file, line);
}

}  // namespace

Stmt::Stmt(sqlite3* db, std::string_view sql) : db_(db) {
  if (const int rc =
          sqlite3_prepare_v2(db, sql.data(), static_cast<int>(sql.size()), &stmt_, nullptr);
      rc != SQLITE_OK) {
    fail(db, "prepare", rc);
  }
}

Stmt::Stmt(Stmt&& other) noexcept
    : db_(std::exchange(other.db_, nullptr)), stmt_(std::exchange(other.stmt_, nullptr)) {}

Stmt& Stmt::operator=(Stmt&& other) noexcept {
  if (this != &other) {
    sqlite3_finalize(stmt_);
    db_ = std::exchange(other.db_, nullptr);
    stmt_ = std::exchange(other.stmt_, nullptr);
  }
  return *this;
}

Stmt::~Stmt() {
  sqlite3_finalize(stmt_);
}

void Stmt::reset() noexcept {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

Stmt& Stmt::bind(int index, std::int64_t value) {
  if (sqlite3_bind_int64(stmt_, index, value) != SQLITE_OK) fail(db_, "bind");
  return *this;
}

Stmt& Stmt::bind(int index, std::string_view text) {
  if (sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()),
                        SQLITE_TRANSIENT) != SQLITE_OK) {
    fail(db_, "bind");
  }
  return *this;
}

Stmt& Stmt::bind_blob(int index, std::span<const std::byte> blob) {
  // A zero-length blob must still be a blob, not NULL: pass a non-null pointer.
  static constexpr std::byte kEmpty{};
  const void* data = blob.empty() ? &kEmpty : blob.data();
  if (sqlite3_bind_blob(stmt_, index, data, static_cast<int>(blob.size()), SQLITE_TRANSIENT) !=
      SQLITE_OK) {
    fail(db_, "bind");
  }
  return *this;
}

Stmt& Stmt::bind_null(int index) {
  if (sqlite3_bind_null(stmt_, index) != SQLITE_OK) fail(db_, "bind");
  return *this;
}

bool Stmt::step() {
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  // Reset first so the statement is reusable, then report the step's error.
  IndexError error = error_of(db_, rc, std::string("step: ") + sqlite3_errmsg(db_));
  sqlite3_reset(stmt_);
  throw error;
}

void Stmt::run() {
  while (step()) {
  }
}

std::int64_t Stmt::column_int64(int column) const {
  return sqlite3_column_int64(stmt_, column);
}

std::string Stmt::column_blob(int column) const {
  const void* data = sqlite3_column_blob(stmt_, column);
  const int size = sqlite3_column_bytes(stmt_, column);
  if (data == nullptr || size <= 0) return {};
  return {static_cast<const char*>(data), static_cast<std::size_t>(size)};
}

bool Stmt::column_is_null(int column) const {
  return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}

void Db::Closer::operator()(sqlite3* db) const noexcept {
  sqlite3_close_v2(db);
}

Db::Db(const std::string& path, const char* vfs, DbAccess access) {
  sqlite3* raw = nullptr;
  int rc = SQLITE_OK;
  if (access == DbAccess::kReadWrite) {
    rc = sqlite3_open_v2(path.c_str(), &raw,
                         SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, vfs);
  } else {
    const std::string name =
        access == DbAccess::kImmutable ? file_uri(path) + "?immutable=1" : path;
    rc = sqlite3_open_v2(name.c_str(), &raw,
                         SQLITE_OPEN_READONLY | SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX, vfs);
  }
  db_.reset(raw);
  if (rc != SQLITE_OK) fail(raw, "open " + path, rc);
  sqlite3_extended_result_codes(raw, 1);
  sqlite3_busy_timeout(raw, kBusyTimeoutMs);
  if (access == DbAccess::kReadWrite) {
    exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;");
  } else {
    // Setting the journal mode would need a write; the file is already in WAL mode.
    exec("PRAGMA query_only=ON; PRAGMA foreign_keys=ON;");
  }
}

Db::~Db() {
  // A group left open would be rolled back by the close: commit it (errors cannot be reported
  // here; whoever cares has called sync() or commit_group() before).
  if (db_ && group_open_ && sqlite3_get_autocommit(db_.get()) == 0)
    sqlite3_exec(db_.get(), "COMMIT", nullptr, nullptr, nullptr);
}

void Db::exec(std::string_view sql) {
  const std::string text(sql);
  char* err = nullptr;
  if (const int rc = sqlite3_exec(db_.get(), text.c_str(), nullptr, nullptr, &err);
      rc != SQLITE_OK) {
    std::string msg = err != nullptr ? err : "unknown error";
    sqlite3_free(err);
    throw error_of(db_.get(), rc, "exec: " + msg);
  }
}

Stmt& Db::cached(std::string_view sql) {
  auto it = cache_.find(sql);
  if (it == cache_.end()) {
    it = cache_.emplace(std::string(sql), Stmt(db_.get(), sql)).first;
  } else {
    it->second.reset();
  }
  return it->second;
}

void Db::set_group_commit(bool on) {
  group_commit_ = on;
  if (!on) commit_group();
}

void Db::check_group_alive() {
  if (group_open_ && sqlite3_get_autocommit(db_.get()) != 0) {
    group_open_ = false;
    ++lost_groups_;
  }
}

bool Db::begin_txn() {
  check_group_alive();
  if (!group_open_) {
    cached("BEGIN IMMEDIATE").run();
    if (!group_commit_) return false;
    group_open_ = true;
  }
  // A group stays open after a failed commit even with group commit off, until it commits.
  cached("SAVEPOINT txn").run();
  return true;
}

void Db::commit_group() {
  check_group_alive();
  if (lost_groups_ != lost_reported_) {
    lost_reported_ = lost_groups_;
    throw IndexError("changes since the last commit were lost after an error", std::errc::io_error);
  }
  if (!group_open_) return;
  try {
    cached("COMMIT").run();
  } catch (const IndexError&) {
    check_group_alive();  // SQLite may keep it open (to retry) or have rolled it back
    throw;
  }
  group_open_ = false;
}

void Db::sync() {
  commit_group();
  // The WAL is the journal of a WAL-mode database; a null pMethods means it was never opened.
  sqlite3_file* wal = nullptr;
  if (sqlite3_file_control(db_.get(), "main", SQLITE_FCNTL_JOURNAL_POINTER, &wal) != SQLITE_OK) {
    fail(db_.get(), "locate the WAL");
  }
  if (wal == nullptr || wal->pMethods == nullptr) return;
  if (const int rc = wal->pMethods->xSync(wal, SQLITE_SYNC_NORMAL); rc != SQLITE_OK) {
    throw IndexError("sync the WAL failed", errc_of(db_.get(), rc));
  }
}

std::int64_t Db::last_insert_rowid() const {
  return sqlite3_last_insert_rowid(db_.get());
}

int Db::changes() const {
  return sqlite3_changes(db_.get());
}

std::int64_t Db::total_changes() const {
  return sqlite3_total_changes64(db_.get());
}

Txn::Txn(Db& db) : db_(db) {
  in_group_ = db_.begin_txn();
}

Txn::~Txn() {
  if (done_) return;
  ++db_.rollbacks_;
  if (!in_group_) {
    sqlite3_exec(db_.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
    return;
  }
  // Only this change goes; the group's earlier changes stay (unless SQLite dropped them all).
  db_.check_group_alive();
  if (db_.group_open())
    sqlite3_exec(db_.handle(), "ROLLBACK TO txn; RELEASE txn", nullptr, nullptr, nullptr);
}

void Txn::commit() {
  if (in_group_) {
    db_.check_group_alive();
    if (!db_.group_open()) {
      throw IndexError("the change was lost after an error (rolled back with its group)",
                       std::errc::io_error);
    }
    db_.cached("RELEASE txn").run();
  } else {
    db_.cached("COMMIT").run();
  }
  done_ = true;
}

Savepoint::Savepoint(Db& db, std::string name) : db_(db), name_(std::move(name)) {
  db_.exec("SAVEPOINT \"" + name_ + "\"");
}

Savepoint::~Savepoint() {
  if (!done_) {
    ++db_.rollbacks_;
    const std::string sql = "ROLLBACK TO \"" + name_ + "\"; RELEASE \"" + name_ + "\"";
    sqlite3_exec(db_.handle(), sql.c_str(), nullptr, nullptr, nullptr);
  }
}

void Savepoint::release() {
  db_.exec("RELEASE \"" + name_ + "\"");
  done_ = true;
}

}  // namespace squeezefs::index
