#include "squeezefs/index/memory/memory_metadata_store.h"

#include <gtest/gtest.h>

#include <memory>

#include "contracts/metadata_store_contract.h"

namespace squeezefs::index {
namespace {

struct MemoryFactory {
  static constexpr bool kCanReopen = true;
  static constexpr bool kCanCrash = true;

  MetadataStore& make() {
    store = std::make_unique<MemoryMetadataStore>();
    return *store;
  }
  MetadataStore& reopen(bool read_only) {
    store = store->reopened(read_only);
    return *store;
  }
  MetadataStore& crash() {
    store->crash();
    store = store->reopened();
    return *store;
  }
  bool start_failing(StorageErrc kind) {
    store->fail_next_commits(1000, kind);
    return true;
  }
  void stop_failing() { store->fail_next_commits(0, StorageErrc::kIo); }
  bool lose_unsynced_commits() {
    // A failed commit under grouped durability drops the commits since the last sync.
    store->fail_next_commits(1, StorageErrc::kIo);
    EXPECT_THROW(store->transact([](MetadataTxn& txn) { txn.set_default_codec(1, 1); }),
                 StorageError);
    return true;
  }
  bool force_retries(int n) {
    store->force_retries(n);
    return true;
  }

  std::unique_ptr<MemoryMetadataStore> store;
};

using Memory = ::testing::Types<MemoryFactory>;
}  // namespace
namespace contract {
INSTANTIATE_TYPED_TEST_SUITE_P(Memory, MetadataStoreContract, Memory);
}  // namespace contract
namespace {

// Knobs specific to the memory store.

TEST(MemoryMetadataStoreTest, given_commits_then_commit_count_counts_only_commits) {
  MemoryMetadataStore store;
  store.transact([](MetadataTxn& txn) { txn.insert_inode(contract::dir_record(contract::kRoot)); });
  (void)store.transact([](MetadataTxn&) -> Result<void> { return fail(std::errc::io_error); });
  store.read([](MetadataReader& r) { return r.inode(contract::kRoot); });
  EXPECT_EQ(store.commit_count(), 1U);
}

TEST(MemoryMetadataStoreTest, given_crash_then_unsynced_commits_go_and_loss_is_reported) {
  MemoryMetadataStore store;
  store.transact([](MetadataTxn& txn) { txn.insert_inode(contract::dir_record(contract::kRoot)); });
  store.sync();
  store.transact([](MetadataTxn& txn) { txn.set_default_codec(4, 2); });
  store.crash();
  EXPECT_EQ(store.config(), StoreConfig{});
  EXPECT_TRUE(store.read([](MetadataReader& r) { return r.inode(contract::kRoot); }).has_value());
  EXPECT_TRUE(store.sync().lost_commits);
  EXPECT_FALSE(store.sync().lost_commits);
}

TEST(MemoryMetadataStoreTest, given_failing_commit_under_each_commit_then_earlier_commits_stay) {
  MemoryMetadataStore store;
  store.set_durability(Durability::kEachCommit);
  store.transact([](MetadataTxn& txn) { txn.insert_inode(contract::dir_record(contract::kRoot)); });
  store.fail_next_commits(1, StorageErrc::kNoSpace);
  try {
    store.transact([](MetadataTxn& txn) { txn.set_default_codec(4, 2); });
    ADD_FAILURE() << "the commit did not fail";
  } catch (const StorageError& e) {
    EXPECT_EQ(e.kind(), StorageErrc::kNoSpace);
  }
  EXPECT_TRUE(store.read([](MetadataReader& r) { return r.inode(contract::kRoot); }).has_value());
  EXPECT_FALSE(store.sync().lost_commits);
}

}  // namespace
}  // namespace squeezefs::index
