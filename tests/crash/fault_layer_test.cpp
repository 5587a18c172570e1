// The fault-injecting layers themselves: what they keep and drop at a simulated power loss.

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "power_loss_file_io.h"
#include "squeezefs/index/db.h"
#include "squeezefs/index/testing/fault_vfs.h"

namespace squeezefs::testing {
namespace {

using index::testing::FaultOp;
using index::testing::UnsyncedChanges;

class FaultLayerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "squeezefs-fault-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  static std::string slurp(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
  }
  static std::span<const std::byte> bytes(const std::string& s) {
    return std::as_bytes(std::span(s.data(), s.size()));
  }

  std::filesystem::path dir_;
};

TEST_F(FaultLayerTest, given_synced_and_unsynced_writes_when_power_fails_then_only_synced_remain) {
  UnsyncedChanges changes;
  PowerLossFileIo io(changes, {});
  const auto path = dir_ / "f";
  {
    auto file = io.open(path, OpenMode::kCreate);
    file->pwrite(bytes("hello"), 0);
    file->datasync();
    io.sync_dir(dir_);
    file->pwrite(bytes(" world"), 5);
    file->truncate(3);
    file->pwrite(bytes("p!"), 3);
  }
  EXPECT_EQ(slurp(path), "help!");
  EXPECT_EQ(changes.pending(), 3U);
  changes.revert({});
  EXPECT_EQ(slurp(path), "hello");
}

TEST_F(FaultLayerTest, given_power_loss_keeping_everything_when_reverting_then_writes_replay) {
  UnsyncedChanges changes;
  PowerLossFileIo io(changes, {});
  const auto path = dir_ / "f";
  auto file = io.open(path, OpenMode::kCreate);
  io.sync_dir(dir_);
  file->pwrite(bytes("hello world"), 0);
  file->truncate(3);
  file->pwrite(bytes("p!"), 3);
  changes.revert({.keep = 1.0});
  EXPECT_EQ(slurp(path), "help!");
  EXPECT_EQ(changes.pending(), 0U);
}

TEST_F(FaultLayerTest, given_new_file_when_directory_was_not_synced_then_power_loss_removes_it) {
  UnsyncedChanges changes;
  PowerLossFileIo io(changes, {});
  io.open(dir_ / "kept", OpenMode::kCreate)->datasync();
  io.sync_dir(dir_);
  io.open(dir_ / "lost", OpenMode::kCreate)->datasync();
  changes.revert({});
  EXPECT_TRUE(std::filesystem::exists(dir_ / "kept"));
  EXPECT_FALSE(std::filesystem::exists(dir_ / "lost"));
}

TEST_F(FaultLayerTest, given_torn_power_loss_when_reverting_then_last_write_survives_in_part) {
  UnsyncedChanges changes;
  PowerLossFileIo io(changes, {});
  const auto path = dir_ / "f";
  auto file = io.open(path, OpenMode::kCreate);
  io.sync_dir(dir_);
  file->pwrite(bytes(std::string(4096, 'x')), 0);
  changes.revert({.tear = true});
  EXPECT_EQ(slurp(path), std::string(2048, 'x'));
}

TEST_F(FaultLayerTest, given_hook_refusing_a_sync_when_writing_then_power_stays_off) {
  UnsyncedChanges changes;
  PowerLossFileIo io(changes, [](FaultOp op, const std::string&) { return op != FaultOp::kSync; });
  auto file = io.open(dir_ / "f", OpenMode::kCreate);
  file->pwrite(bytes("abc"), 0);
  EXPECT_THROW(file->datasync(), std::system_error);
  EXPECT_FALSE(io.powered());
  EXPECT_THROW(file->pwrite(bytes("d"), 3), std::system_error);
  EXPECT_EQ(slurp(dir_ / "f"), "abc");
}

int count_rows(index::Db& db) {
  auto& st = db.cached("SELECT count(*) FROM t");
  EXPECT_TRUE(st.step());
  const auto n = static_cast<int>(st.column_int64(0));
  st.reset();
  return n;
}

TEST_F(FaultLayerTest, given_wal_commits_when_power_fails_then_only_those_before_db_sync_survive) {
  UnsyncedChanges changes;
  index::testing::FaultVfs vfs("squeezefs-fault-layer-test", changes);
  const auto path = (dir_ / "test.db").string();
  {
    index::Db db(path, vfs.name());
    db.exec("CREATE TABLE t (x INTEGER)");
    db.exec("INSERT INTO t VALUES (1)");
    db.sync();
    db.exec("INSERT INTO t VALUES (2)");  // committed, but its WAL frames are not synced
    EXPECT_EQ(count_rows(db), 2);
    vfs.cut_power();
  }
  EXPECT_GT(changes.pending(), 0U);
  changes.revert({});
  vfs.power_on();
  index::Db db(path);
  EXPECT_EQ(count_rows(db), 1);
}

TEST_F(FaultLayerTest, given_synced_wal_when_power_fails_then_every_commit_survives) {
  UnsyncedChanges changes;
  index::testing::FaultVfs vfs("squeezefs-fault-layer-test", changes);
  const auto path = (dir_ / "test.db").string();
  {
    index::Db db(path, vfs.name());
    db.exec("CREATE TABLE t (x INTEGER)");
    db.exec("INSERT INTO t VALUES (1)");
    db.exec("INSERT INTO t VALUES (2)");
    db.sync();
    vfs.cut_power();
  }
  changes.revert({.tear = true});
  vfs.power_on();
  index::Db db(path);
  EXPECT_EQ(count_rows(db), 2);
  auto& check = db.cached("PRAGMA integrity_check");
  ASSERT_TRUE(check.step());
  EXPECT_EQ(check.column_blob(0), "ok");
}

}  // namespace
}  // namespace squeezefs::testing
