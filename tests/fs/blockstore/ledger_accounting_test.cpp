#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <map>
#include <vector>

#include "contracts/block_store_contract.h"
#include "fs/blockstore/block_store_factories.h"
#include "squeezefs/blockstore/local/data_file_names.h"
#include "squeezefs/blockstore/local/ledger.h"
#include "squeezefs/blockstore/local/local_block_store.h"

// The accounting of a local store with a ledger: what puts, releases, retires and resets do to it,
// what survives a close, and what LocalCompaction::check() finds and repairs.
namespace squeezefs::blockstore::testing {
namespace {

namespace stdfs = std::filesystem;
using Kind = ContainerProblem::Kind;

class LedgerAccountingTest : public ::testing::Test {
 protected:
  void open() {
    store_.reset();
    store_ = std::make_unique<LocalBlockStore>(
        data(), LedgerAccess::kReadWrite,
        LocalBlockStoreOptions{1000, std::chrono::milliseconds(0)});
  }
  void close() { store_.reset(); }
  [[nodiscard]] stdfs::path data() const { return dir_.path() / "data"; }
  [[nodiscard]] LocalCompaction& compaction() {
    return static_cast<LocalCompaction&>(*store_->compaction());
  }
  [[nodiscard]] LedgerRecord on_disk() const {
    const auto record = LedgerFile(data(), posix_file_io()).read();
    if (!record) throw std::runtime_error("no ledger");
    return *record;
  }
  [[nodiscard]] std::map<std::uint64_t, Compaction::Container> containers() {
    std::map<std::uint64_t, Compaction::Container> out;
    for (const auto& container : compaction().containers()) out[container.group] = container;
    return out;
  }
  BlockAddress put(std::size_t n, std::uint64_t seed) {
    return store_->put(block_bytes(n, seed), BlockTag{});
  }
  void release(const BlockAddress& address, ReleaseReason reason) {
    const ReleasedBlock blocks[] = {{address, reason}};
    store_->release(blocks);
  }
  std::vector<ContainerProblem> check(const std::map<std::uint64_t, std::uint64_t>& live,
                                      const std::map<std::uint64_t, std::uint64_t>& ends,
                                      bool repair) {
    std::vector<ContainerProblem> out;
    compaction().check(live, ends, repair, out);
    return out;
  }

  TempDir dir_;
  std::unique_ptr<LocalBlockStore> store_;
};

TEST_F(LedgerAccountingTest, given_puts_and_each_release_reason_then_live_total_dead_follow) {
  open();
  const auto removed = put(100, 1);
  const auto replaced = put(200, 2);
  const auto never = put(300, 3);
  put(400, 4);
  release(removed, ReleaseReason::kRemoved);
  release(replaced, ReleaseReason::kReplaced);
  release(never, ReleaseReason::kNeverReferenced);
  EXPECT_EQ(containers().at(1).total_bytes, 1000U);
  EXPECT_EQ(containers().at(1).live_bytes, 400U);
  close();
  EXPECT_EQ(on_disk().containers.at(1), (ContainerAccount{400, 1000, 300}))
      << "only the never-referenced block counts as dead";
}

TEST_F(LedgerAccountingTest, given_changes_then_sync_writes_the_ledger_only_when_changed) {
  open();
  put(100, 1);
  store_->sync();
  EXPECT_EQ(on_disk().containers.at(1).total, 100U);
  // Each write carries a new sequence number, so the copies' bytes tell whether one happened
  // (time stamps might not: the kernel's clock for them is coarse).
  const auto stamp = [&] {
    std::vector<std::vector<char>> copies;
    for (int copy = 0; copy < 2; ++copy) {
      std::ifstream in(LedgerFile::copy_path(data(), copy), std::ios::binary);
      copies.emplace_back(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
    return copies;
  };
  const auto before = stamp();
  store_->sync();  // nothing changed
  EXPECT_EQ(stamp(), before);
  put(50, 2);
  store_->sync();
  EXPECT_EQ(on_disk().containers.at(1).total, 150U);
  EXPECT_NE(stamp(), before);
}

TEST_F(LedgerAccountingTest, given_retired_container_then_it_leaves_the_ledger) {
  open();
  const auto old = put(100, 1);
  compaction().seal_active();
  put(100, 2);
  store_->sync();
  ASSERT_TRUE(on_disk().containers.contains(static_cast<std::uint32_t>(old.group)));
  const std::uint64_t groups[] = {old.group};
  compaction().retire(groups);
  EXPECT_FALSE(containers().contains(old.group));
  store_->sync();
  EXPECT_FALSE(on_disk().containers.contains(static_cast<std::uint32_t>(old.group)));
  close();
  EXPECT_FALSE(on_disk().containers.contains(static_cast<std::uint32_t>(old.group)));
  EXPECT_TRUE(on_disk().clean);
  open();
  EXPECT_TRUE(compaction().accounting_trusted());
  EXPECT_FALSE(containers().contains(old.group));
}

TEST_F(LedgerAccountingTest, given_reset_then_live_bytes_are_the_metadata_s_after_a_close_too) {
  open();
  const auto a = put(600, 1);
  compaction().seal_active();
  const auto b = put(600, 2);
  compaction().reset_accounting({{a.group, 123}});
  EXPECT_EQ(containers().at(a.group).live_bytes, 123U);
  EXPECT_EQ(containers().at(b.group).live_bytes, 0U) << "a group the metadata does not name";
  open();  // clean close and reopen
  EXPECT_TRUE(compaction().accounting_trusted());
  EXPECT_EQ(containers().at(a.group).live_bytes, 123U);
  EXPECT_EQ(containers().at(a.group).total_bytes, 600U);
}

TEST_F(LedgerAccountingTest, given_consistent_store_when_checked_then_no_problems) {
  open();
  const auto a = put(300, 1);
  const auto b = put(200, 2);
  store_->sync();
  EXPECT_TRUE(check({{a.group, 500}}, {{a.group, b.offset + b.length}}, false).empty());
}

TEST_F(LedgerAccountingTest,
       given_missing_short_stray_and_miscounted_when_checked_then_each_found) {
  open();
  const auto short_block = put(900, 1);  // group 1, will be cut short
  compaction().seal_active();
  const auto stray = put(900, 2);  // group 2, referenced by nothing
  compaction().seal_active();
  const auto counted = put(900, 3);  // group 3, ledger says 900 live
  compaction().seal_active();
  store_->sync();
  stdfs::resize_file(data_file_path(data(), 1), 500);
  const std::map<std::uint64_t, std::uint64_t> live = {{1, 900}, {3, 400}, {77, 10}};
  const std::map<std::uint64_t, std::uint64_t> ends = {{1, 900}, {3, 900}, {77, 10}};
  const auto problems = check(live, ends, false);
  const auto has = [&](Kind kind, std::uint64_t group) {
    for (const auto& p : problems)
      if (p.kind == kind && p.group == group) return std::optional(p);
    return std::optional<ContainerProblem>();
  };
  ASSERT_TRUE(has(Kind::kMissing, 77));
  ASSERT_TRUE(has(Kind::kShort, short_block.group));
  EXPECT_EQ(has(Kind::kShort, 1)->found, 500U);
  EXPECT_EQ(has(Kind::kShort, 1)->expected, 900U);
  ASSERT_TRUE(has(Kind::kStray, stray.group));
  ASSERT_TRUE(has(Kind::kAccounting, counted.group));
  EXPECT_EQ(has(Kind::kAccounting, 3)->expected, 400U);
  EXPECT_EQ(has(Kind::kAccounting, 3)->found, 900U);
  EXPECT_FALSE(has(Kind::kAccounting, 1));
  EXPECT_FALSE(has(Kind::kShort, 3));
  for (const auto& p : problems) EXPECT_FALSE(p.repaired);
  EXPECT_TRUE(stdfs::exists(data_file_path(data(), 2))) << "without repair nothing is deleted";
  EXPECT_EQ(containers().at(3).live_bytes, 900U);
}

TEST_F(LedgerAccountingTest, given_repair_then_strays_deleted_and_accounting_reset) {
  open();
  const auto kept = put(900, 1);
  compaction().seal_active();
  const auto stray = put(900, 2);
  compaction().seal_active();
  store_->sync();
  const std::map<std::uint64_t, std::uint64_t> live = {{kept.group, 400}};
  const std::map<std::uint64_t, std::uint64_t> ends = {{kept.group, 900}};
  const auto problems = check(live, ends, true);
  ASSERT_FALSE(problems.empty());
  for (const auto& p : problems) EXPECT_TRUE(p.repaired);
  EXPECT_FALSE(stdfs::exists(data_file_path(data(), static_cast<std::uint32_t>(stray.group))));
  EXPECT_EQ(containers().at(kept.group).live_bytes, 400U);
  EXPECT_FALSE(containers().contains(stray.group));
  EXPECT_TRUE(check(live, ends, false).empty()) << "a second check finds nothing";
}

TEST_F(LedgerAccountingTest, given_active_group_unreferenced_when_checked_then_not_a_stray) {
  open();
  const auto active = put(100, 1);  // put, not yet committed by any metadata
  for (const auto& p : check({}, {}, true)) EXPECT_NE(p.kind, Kind::kStray);
  EXPECT_EQ(read_block(*store_, active), block_bytes(100, 1));
}

}  // namespace
}  // namespace squeezefs::blockstore::testing
