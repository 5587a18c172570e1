#include "squeezefs/blockstore/memory/memory_block_store.h"

#include <gtest/gtest.h>

#include "contracts/block_store_contract.h"

namespace squeezefs::blockstore::testing {
namespace {

BlockAddress put(MemoryBlockStore& store, std::size_t n, std::uint64_t seed) {
  return store.put(block_bytes(n, seed), BlockTag{});
}

StorageErrc error_of_put(MemoryBlockStore& store) {
  try {
    put(store, 10, 1);
  } catch (const StorageError& e) {
    return e.kind();
  }
  ADD_FAILURE() << "put did not fail";
  return StorageErrc::kIo;
}

TEST(MemoryBlockStoreTest, given_puts_then_addresses_are_group_0_and_a_counter) {
  MemoryBlockStore store;
  const auto a = put(store, 10, 1);
  const auto b = put(store, 20, 2);
  EXPECT_EQ(a, (BlockAddress{0, 1, 10}));
  EXPECT_EQ(b, (BlockAddress{0, 2, 20}));
  EXPECT_EQ(store.compaction(), nullptr);
}

TEST(MemoryBlockStoreTest, given_failing_puts_then_storage_error_of_that_kind_and_nothing_kept) {
  MemoryBlockStore store;
  store.fail_puts(StorageErrc::kNoSpace);
  EXPECT_EQ(error_of_put(store), StorageErrc::kNoSpace);
  store.fail_puts(StorageErrc::kIo);
  EXPECT_EQ(error_of_put(store), StorageErrc::kIo);
  store.fail_puts(std::nullopt);
  // The failed puts used no address and stored nothing.
  EXPECT_EQ(put(store, 10, 1), (BlockAddress{0, 1, 10}));
  EXPECT_EQ(store.capacity().total_bytes - store.capacity().available_bytes, 10U);
}

TEST(MemoryBlockStoreTest, given_failing_syncs_when_crash_then_blocks_since_last_good_sync_lost) {
  MemoryBlockStore store;
  const auto synced = put(store, 10, 1);
  store.sync();
  const auto unsynced = put(store, 10, 2);
  store.fail_syncs(StorageErrc::kNoSpace);
  try {
    store.sync();
    ADD_FAILURE() << "sync did not fail";
  } catch (const StorageError& e) {
    EXPECT_EQ(e.kind(), StorageErrc::kNoSpace);
  }
  EXPECT_EQ(store.sync_count(), 2);
  store.crash();
  EXPECT_EQ(read_block(store, synced), block_bytes(10, 1));
  EXPECT_EQ(read_block(store, unsynced), std::nullopt);
  // The counter does not go back: the lost block's address stays unused.
  store.fail_syncs(std::nullopt);
  EXPECT_EQ(put(store, 10, 3).offset, 3U);
}

TEST(MemoryBlockStoreTest, given_corrupted_block_when_get_then_other_bytes) {
  MemoryBlockStore store;
  const auto address = put(store, 100, 1);
  EXPECT_TRUE(store.corrupt(address));
  const auto got = read_block(store, address);
  ASSERT_TRUE(got);
  EXPECT_NE(*got, block_bytes(100, 1));
  EXPECT_FALSE(store.corrupt(BlockAddress{0, 99, 100}));
}

TEST(MemoryBlockStoreTest, given_total_set_then_capacity_follows_puts_and_releases) {
  MemoryBlockStore store;
  store.set_total_bytes(1000);
  const auto a = put(store, 300, 1);
  put(store, 200, 2);
  EXPECT_EQ(store.capacity().available_bytes, 500U);
  const ReleasedBlock released[] = {{a, ReleaseReason::kReplaced}};
  store.release(released);
  store.release(released);
  EXPECT_EQ(store.capacity().available_bytes, 800U);
  EXPECT_EQ(store.capacity().total_bytes, 1000U);
}

TEST(MemoryBlockStoreTest, given_store_opened_over_same_media_then_it_sees_the_blocks) {
  MemoryBlockStore first;
  const auto address = put(first, 10, 1);
  MemoryBlockStore second(first.media());
  EXPECT_EQ(read_block(second, address), block_bytes(10, 1));
  EXPECT_NE(put(second, 10, 2), put(first, 10, 3));
}

}  // namespace
}  // namespace squeezefs::blockstore::testing
