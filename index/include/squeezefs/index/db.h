#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

struct sqlite3;
struct sqlite3_stmt;

namespace squeezefs::index {

// One prepared statement. Movable, not copyable; finalizes on destruction. Not thread-safe:
// a Stmt belongs to the connection (and so the thread) that prepared it.
class Stmt {
 public:
  Stmt() = default;
  Stmt(sqlite3* db, std::string_view sql);
  Stmt(Stmt&& other) noexcept;
  Stmt& operator=(Stmt&& other) noexcept;
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  ~Stmt();

  // Resets the statement and clears all bindings so it can be reused.
  void reset() noexcept;

  // Parameters are 1-based, as in SQLite.
  Stmt& bind(int index, std::int64_t value);
  Stmt& bind(int index, std::string_view text);
  Stmt& bind_blob(int index, std::span<const std::byte> blob);
  Stmt& bind_null(int index);

  // Advances; returns true when a row is available, false when done. Throws IndexError on error.
  bool step();
  // Runs to completion, ignoring rows.
  void run();

  // Columns are 0-based.
  [[nodiscard]] std::int64_t column_int64(int column) const;
  [[nodiscard]] std::string column_blob(int column) const;
  [[nodiscard]] bool column_is_null(int column) const;

 private:
  sqlite3* db_ = nullptr;
  sqlite3_stmt* stmt_ = nullptr;
};

// How a Db opens its file.
enum class DbAccess {
  kReadWrite,  // created if missing, switched to WAL mode
  // Read-only; reads what the WAL holds, so SQLite still opens (and may create) -wal and -shm
  // next to the database, and the directory must be writable when they are missing.
  kReadOnly,
  // Read-only and immutable (SQLite's `immutable=1`): no lock, no -wal or -shm, nothing written,
  // so it works on read-only media. The WAL is ignored, so the caller must know it holds no
  // commits, and nothing else may change the file while it is open.
  kImmutable,
};

// A connection. Owns sqlite3* through unique_ptr with a close deleter. Configures WAL, a busy
// timeout (so busy/locked never reach users) and foreign keys. Not thread-safe; use one per thread
// or guard it with a mutex.
class Db {
 public:
  // Opens the database at `path` (with kReadWrite, creating it if needed); ":memory:" gives a
  // private database. `vfs` names a registered SQLite VFS (tests use a fault-injecting one); null
  // is the default. A read-only Db refuses every write (PRAGMA query_only).
  explicit Db(const std::string& path, const char* vfs = nullptr,
              DbAccess access = DbAccess::kReadWrite);
  Db(Db&& other) noexcept = default;
  Db& operator=(Db&& other) noexcept = default;
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;
  // Commits an open group (best effort: a failure loses it, as a crash would).
  ~Db();

  // Runs one or more statements that return no rows.
  void exec(std::string_view sql);

  // Returns the cached prepared statement for `sql`, reset with bindings cleared. The reference
  // stays valid for the life of the Db; do not hold it across another use of the same SQL.
  // Step it to completion or reset() it when done: a statement left mid-result holds its read
  // transaction (and, in WAL mode, an old snapshot) open.
  Stmt& cached(std::string_view sql);

  // Makes every committed transaction durable. Commits in WAL mode with synchronous=NORMAL are
  // written to the WAL but not synced (a power loss may drop the last ones); this syncs the WAL,
  // which is what a commit under synchronous=FULL would have done. Throws IndexError on failure.
  void sync();

  // Group commit, for the mounted file system: while on, every Txn is a savepoint of one open
  // transaction (the group), which commit_group() commits. Many small changes then share one
  // WAL write and no change takes file locks of its own. A crash loses the changes of the open
  // group as it loses unsynced data; sync() commits the group before it syncs. SQLite may roll
  // a whole group back when a commit fails for lack of space, so the caller turns it off while
  // space is short. Turning it off commits the open group (and throws if that fails; the group
  // then stays open until a later commit_group() succeeds).
  void set_group_commit(bool on);
  [[nodiscard]] bool group_open() const { return group_open_; }
  // Commits the open group, if any. Throws IndexError when the commit fails (the group stays
  // open to be committed later, unless SQLite rolled it back) or when SQLite rolled a group
  // back by itself after an error since the last call (its changes are lost).
  void commit_group();
  // How many groups SQLite rolled back by itself after an error (a full disk, an I/O error).
  [[nodiscard]] std::uint64_t lost_groups() const { return lost_groups_; }
  // Counts every group lost so far as reported: commit_group() then throws only for later
  // losses. For callers that report losses themselves, by comparing lost_groups().
  void acknowledge_lost_groups() {
    check_group_alive();
    lost_reported_ = lost_groups_;
  }
  // Moves whenever changes made through this connection were undone: a Txn or Savepoint rolled
  // back, or a group lost (noticed here too, since SQLite may drop a group after any statement).
  // Caches of rows written through it must then forget them.
  [[nodiscard]] std::uint64_t undo_count() {
    check_group_alive();
    return rollbacks_ + lost_groups_;
  }

  [[nodiscard]] std::int64_t last_insert_rowid() const;
  [[nodiscard]] int changes() const;
  // Rows inserted, updated or deleted through this connection since it opened: grows with every
  // write, so a caller can tell whether anything changed since it last looked.
  [[nodiscard]] std::int64_t total_changes() const;
  [[nodiscard]] sqlite3* handle() const { return db_.get(); }

 private:
  struct Closer {
    void operator()(sqlite3* db) const noexcept;
  };
  friend class Txn;
  friend class Savepoint;
  // Starts a transaction for a Txn; returns true when it is a savepoint of the group.
  bool begin_txn();
  // Notices that SQLite rolled the open group back (after a full disk or an I/O error).
  void check_group_alive();

  // Statements must be finalized before the connection closes: declared after db_.
  std::unique_ptr<sqlite3, Closer> db_;
  std::map<std::string, Stmt, std::less<>> cache_;
  bool group_commit_ = false;
  bool group_open_ = false;
  std::uint64_t lost_groups_ = 0;
  std::uint64_t lost_reported_ = 0;  // by commit_group, which reports each loss once
  std::uint64_t rollbacks_ = 0;      // by Txn and Savepoint
};

// BEGIN IMMEDIATE in the constructor; commit() commits it; the destructor rolls back an
// uncommitted transaction and never throws. Under group commit it is a savepoint instead:
// commit() releases it into the group, the destructor rolls back only its own changes.
class Txn {
 public:
  explicit Txn(Db& db);
  Txn(const Txn&) = delete;
  Txn& operator=(const Txn&) = delete;
  ~Txn();

  void commit();

 private:
  Db& db_;
  bool in_group_ = false;
  bool done_ = false;
};

// A nested transaction point; released by release(), rolled back by the destructor otherwise.
class Savepoint {
 public:
  Savepoint(Db& db, std::string name);
  Savepoint(const Savepoint&) = delete;
  Savepoint& operator=(const Savepoint&) = delete;
  ~Savepoint();

  void release();

 private:
  Db& db_;
  std::string name_;
  bool done_ = false;
};

}  // namespace squeezefs::index
