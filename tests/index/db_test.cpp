#include "squeezefs/index/db.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <string>
#include <system_error>
#include <utility>

#include "squeezefs/index/error.h"

namespace squeezefs::index {
namespace {

std::int64_t count_rows(Db& db) {
  Stmt& st = db.cached("SELECT COUNT(*) FROM t");
  st.step();
  return st.column_int64(0);
}

TEST(DbTest, given_cached_statement_when_reused_then_bindings_are_cleared) {
  Db db(":memory:");
  db.exec("CREATE TABLE t(a INTEGER)");
  db.cached("INSERT INTO t(a) VALUES (?1)").bind(1, std::int64_t{7}).run();
  // Reused without binding: the cleared parameter is NULL, not the previous 7.
  db.cached("INSERT INTO t(a) VALUES (?1)").run();
  Stmt& st = db.cached("SELECT a FROM t ORDER BY rowid");
  ASSERT_TRUE(st.step());
  EXPECT_EQ(st.column_int64(0), 7);
  ASSERT_TRUE(st.step());
  EXPECT_TRUE(st.column_is_null(0));
  EXPECT_FALSE(st.step());
}

TEST(DbTest, given_full_database_when_inserting_then_error_says_no_space_and_rows_stay) {
  Db db(":memory:");
  db.exec("CREATE TABLE t(a INTEGER, b BLOB)");
  db.cached("INSERT INTO t(a, b) VALUES (1, zeroblob(100))").run();
  // The database may not grow past its current pages: SQLite answers SQLITE_FULL.
  db.exec("PRAGMA max_page_count = " + std::to_string([&] {
            Stmt& st = db.cached("PRAGMA page_count");
            st.step();
            return st.column_int64(0);
          }()));
  std::error_code code;
  try {
    Txn txn(db);
    for (int i = 0; i < 1000; ++i)
      db.cached("INSERT INTO t(a, b) VALUES (2, zeroblob(4000))").run();
    txn.commit();
  } catch (const IndexError& e) {
    code = e.code();
  }
  EXPECT_EQ(code, std::make_error_code(std::errc::no_space_on_device));
  EXPECT_EQ(count_rows(db), 1);
  // Other failures stay plain I/O errors.
  try {
    db.exec("NOT SQL");
    ADD_FAILURE() << "bad SQL ran";
  } catch (const IndexError& e) {
    EXPECT_EQ(e.code(), std::make_error_code(std::errc::io_error));
  }
}

TEST(DbTest, given_txn_without_commit_when_destroyed_then_rolls_back) {
  Db db(":memory:");
  db.exec("CREATE TABLE t(a INTEGER)");
  {
    Txn txn(db);
    db.cached("INSERT INTO t(a) VALUES (1)").run();
  }
  EXPECT_EQ(count_rows(db), 0);
  {
    Txn txn(db);
    db.cached("INSERT INTO t(a) VALUES (1)").run();
    txn.commit();
  }
  EXPECT_EQ(count_rows(db), 1);
}

TEST(DbTest, given_savepoint_when_not_released_then_inner_changes_are_undone) {
  Db db(":memory:");
  db.exec("CREATE TABLE t(a INTEGER)");
  Txn txn(db);
  db.cached("INSERT INTO t(a) VALUES (1)").run();
  {
    Savepoint sp(db, "inner");
    db.cached("INSERT INTO t(a) VALUES (2)").run();
  }
  {
    Savepoint sp(db, "kept");
    db.cached("INSERT INTO t(a) VALUES (3)").run();
    sp.release();
  }
  txn.commit();
  EXPECT_EQ(count_rows(db), 2);
}

// A database file in a fresh directory, removed afterwards (group commit needs a second
// connection to show what is committed).
class DbFile {
 public:
  DbFile() {
    std::string templ = (std::filesystem::temp_directory_path() / "squeezefs-db-XXXXXX").string();
    dir_ = ::mkdtemp(templ.data());
    path_ = dir_ + "/test.db";
  }
  DbFile(const DbFile&) = delete;
  DbFile& operator=(const DbFile&) = delete;
  ~DbFile() { std::filesystem::remove_all(dir_); }
  [[nodiscard]] const std::string& path() const { return path_; }

 private:
  std::string dir_;
  std::string path_;
};

// The values of t, in insertion order, comma-separated.
std::string values(Db& db) {
  Stmt& st = db.cached("SELECT group_concat(a) FROM t");
  st.step();
  std::string out = st.column_blob(0);
  st.reset();
  return out;
}

// A connection to `file` with table t (of `column`) and group commit on.
Db open_grouped(const DbFile& file, const std::string& column = "a INTEGER") {
  Db db(file.path());
  db.exec("CREATE TABLE t(" + column + ")");
  db.set_group_commit(true);
  return db;
}

void insert_committed(Db& db, std::int64_t value) {
  Txn txn(db);
  db.cached("INSERT INTO t(a) VALUES (?1)").bind(1, value).run();
  txn.commit();
}

TEST(DbTest, given_group_commit_when_txns_commit_then_others_see_them_at_the_group_commit) {
  const DbFile file;
  Db db = open_grouped(file);
  Db reader(file.path());
  insert_committed(db, 1);
  insert_committed(db, 2);
  EXPECT_TRUE(db.group_open());
  EXPECT_EQ(count_rows(db), 2);      // the writer sees its own changes
  EXPECT_EQ(count_rows(reader), 0);  // nobody else yet
  db.commit_group();
  EXPECT_FALSE(db.group_open());
  EXPECT_EQ(count_rows(reader), 2);
  insert_committed(db, 3);
  db.sync();  // commits the group first
  EXPECT_EQ(count_rows(reader), 3);
  EXPECT_EQ(db.lost_groups(), 0U);
}

TEST(DbTest, given_group_commit_when_a_txn_is_rolled_back_then_only_its_changes_go) {
  const DbFile file;
  Db db = open_grouped(file, "a INTEGER UNIQUE");
  insert_committed(db, 1);
  {
    Txn txn(db);
    db.cached("INSERT INTO t(a) VALUES (2)").run();
  }                                                   // not committed
  EXPECT_THROW(insert_committed(db, 1), IndexError);  // fails inside its own savepoint
  insert_committed(db, 3);
  db.commit_group();
  Db reader(file.path());
  EXPECT_EQ(values(reader), "1,3");
}

TEST(DbTest, given_group_commit_when_closed_then_the_open_group_is_committed) {
  const DbFile file;
  {
    Db db = open_grouped(file);
    insert_committed(db, 1);
    EXPECT_TRUE(db.group_open());
  }
  Db reader(file.path());
  EXPECT_EQ(count_rows(reader), 1);
}

TEST(DbTest, given_group_commit_turned_off_then_group_committed_and_txns_commit_at_once) {
  const DbFile file;
  Db db = open_grouped(file);
  Db reader(file.path());
  insert_committed(db, 1);
  EXPECT_EQ(count_rows(reader), 0);
  db.set_group_commit(false);
  EXPECT_FALSE(db.group_open());
  EXPECT_EQ(count_rows(reader), 1);
  insert_committed(db, 2);
  EXPECT_FALSE(db.group_open());
  EXPECT_EQ(count_rows(reader), 2);
}

TEST(DbTest, given_group_dropped_by_sqlite_when_committing_then_reported_and_next_group_works) {
  const DbFile file;
  Db db = open_grouped(file);
  insert_committed(db, 1);
  db.commit_group();
  insert_committed(db, 2);
  Txn open(db);
  // What SQLite does to a transaction after some full-disk or I/O errors.
  db.exec("ROLLBACK");
  EXPECT_THROW(open.commit(), IndexError);  // its change went with the group
  EXPECT_THROW(db.commit_group(), IndexError);
  EXPECT_EQ(db.lost_groups(), 1U);
  insert_committed(db, 3);
  db.commit_group();
  EXPECT_EQ(db.lost_groups(), 1U);
  Db reader(file.path());
  EXPECT_EQ(values(reader), "1,3");
}

TEST(DbTest, given_bad_sql_when_prepared_then_throws_index_error) {
  Db db(":memory:");
  EXPECT_THROW(db.cached("SELECT FROM nowhere"), IndexError);
  EXPECT_THROW(db.exec("CREATE TABLE"), IndexError);
}

// Messages reach users (stderr, fsck reports, control replies): the throw site stays out of
// what() and is kept for the log.
TEST(DbTest, given_sqlite_error_when_thrown_then_message_names_no_source_file) {
  Db db(":memory:");
  db.exec("CREATE TABLE t(a INTEGER UNIQUE)");
  db.cached("INSERT INTO t(a) VALUES (1)").run();
  for (const char* sql : {"SELECT FROM nowhere", "INSERT INTO t(a) VALUES (1)"}) {
    try {
      db.cached(sql).run();
      ADD_FAILURE() << sql << " ran";
    } catch (const IndexError& e) {
      const std::string what = e.what();
      EXPECT_EQ(what.find(".cpp"), std::string::npos) << what;
      EXPECT_EQ(what.find("/src/"), std::string::npos) << what;
      EXPECT_EQ(what.find('/'), std::string::npos) << what;
      EXPECT_TRUE(e.where().starts_with("db.cpp:")) << e.where();
      EXPECT_EQ(log_text(e), what + " (" + e.where() + ")");
    }
  }
}

TEST(DbTest, given_constraint_violation_when_stepped_then_throws_and_statement_is_reusable) {
  Db db(":memory:");
  db.exec("CREATE TABLE t(a INTEGER UNIQUE)");
  db.cached("INSERT INTO t(a) VALUES (?1)").bind(1, std::int64_t{1}).run();
  EXPECT_THROW(db.cached("INSERT INTO t(a) VALUES (?1)").bind(1, std::int64_t{1}).run(),
               IndexError);
  db.cached("INSERT INTO t(a) VALUES (?1)").bind(1, std::int64_t{2}).run();
  EXPECT_EQ(count_rows(db), 2);
}

TEST(DbTest, given_stmt_when_moved_then_source_is_empty_and_target_works) {
  Db db(":memory:");
  db.exec("CREATE TABLE t(a INTEGER); INSERT INTO t VALUES (5)");
  Stmt a(db.handle(), "SELECT a FROM t");
  Stmt b(std::move(a));
  ASSERT_TRUE(b.step());
  EXPECT_EQ(b.column_int64(0), 5);
  Stmt c;
  c = std::move(b);
  c.reset();
  ASSERT_TRUE(c.step());
  EXPECT_EQ(c.column_int64(0), 5);
}

TEST(DbTest, given_blob_with_nul_bytes_when_round_tripped_then_identical) {
  Db db(":memory:");
  db.exec("CREATE TABLE t(b BLOB)");
  const std::string raw("a\0b\xff", 4);
  db.cached("INSERT INTO t VALUES (?1)")
      .bind_blob(1, std::as_bytes(std::span(raw.data(), raw.size())))
      .run();
  db.cached("INSERT INTO t VALUES (?1)").bind_blob(1, {}).run();
  Stmt& st = db.cached("SELECT b, typeof(b) FROM t ORDER BY rowid");
  ASSERT_TRUE(st.step());
  EXPECT_EQ(st.column_blob(0), raw);
  ASSERT_TRUE(st.step());
  EXPECT_EQ(st.column_blob(0), "");
  EXPECT_FALSE(st.column_is_null(0));
}

// A file database in a directory whose name holds URI syntax ('?', '#', '%', a space).
class DbFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ =
        std::filesystem::temp_directory_path() /
        ("squeezefs db ?#%41 " + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
         ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    path_ = (dir_ / "x.db").string();
    Db db(path_);
    db.exec("CREATE TABLE t(a INTEGER); INSERT INTO t VALUES (1), (2), (3);");
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  [[nodiscard]] bool exists(const std::string& suffix) const {
    return std::filesystem::exists(path_ + suffix);
  }

  std::filesystem::path dir_;
  std::string path_;
};

TEST_F(DbFileTest, given_closed_database_when_opened_immutable_then_reads_and_creates_nothing) {
  ASSERT_FALSE(exists("-wal"));
  Db db(path_, nullptr, DbAccess::kImmutable);
  EXPECT_EQ(count_rows(db), 3);
  EXPECT_THROW(db.exec("INSERT INTO t VALUES (4)"), IndexError);
  EXPECT_FALSE(exists("-wal"));
  EXPECT_FALSE(exists("-shm"));
  EXPECT_EQ(count_rows(db), 3);
}

TEST_F(DbFileTest, given_commits_in_wal_when_opened_read_only_then_sees_them_and_refuses_writes) {
  Db writer(path_);
  writer.exec("PRAGMA wal_autocheckpoint = 0; INSERT INTO t VALUES (4);");
  ASSERT_TRUE(exists("-wal"));
  Db reader(path_, nullptr, DbAccess::kReadOnly);
  EXPECT_EQ(count_rows(reader), 4);
  EXPECT_THROW(reader.exec("DELETE FROM t"), IndexError);
  // Immutable ignores the WAL: why it is only for cleanly closed databases.
  Db immutable(path_, nullptr, DbAccess::kImmutable);
  EXPECT_EQ(count_rows(immutable), 3);
}

}  // namespace
}  // namespace squeezefs::index
