#pragma once

// The contract every BlockStore meets, written once and instantiated for each implementation:
//   INSTANTIATE_TYPED_TEST_SUITE_P(Name, BlockStoreContract, ::testing::Types<MyFactory>);
//
// A factory provides:
//   static constexpr bool kCanCrash;  // whether crash() is possible
//   // Whether compaction()'s accounting survives a clean close (a ledger kept with the store).
//   static constexpr bool kPersistsAccounting;
//   std::unique_ptr<BlockStore> make();  // a new, empty store (called once per test)
//   // Closes `store` and opens the same storage again, as a restart after a clean stop.
//   std::unique_ptr<BlockStore> reopen(std::unique_ptr<BlockStore> store);
//   // Closes `store` as a power loss would (what was not synced may be lost; `seed` picks what)
//   // and opens the same storage again.
//   std::unique_ptr<BlockStore> crash(std::unique_ptr<BlockStore> store, std::uint64_t seed);
// Compaction cases run only for stores whose compaction() is not null.

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <stdexcept>
#include <thread>
#include <utility>
#include <vector>

#include "squeezefs/blockstore/block_store.h"
#include "squeezefs/blockstore/compaction.h"

namespace squeezefs::blockstore::testing {

// `n` bytes of a pattern that depends on `seed`, never all zero.
inline std::vector<std::byte> block_bytes(std::size_t n, std::uint64_t seed) {
  std::vector<std::byte> v(n);
  std::uint64_t x = seed * 0x9E3779B97F4A7C15ULL + 1;
  for (auto& b : v) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    b = static_cast<std::byte>(x);
  }
  v.front() |= std::byte{1};
  return v;
}

// The block at `address`, or std::nullopt for kMissing.
inline std::optional<std::vector<std::byte>> read_block(BlockStore& store,
                                                        const BlockAddress& address) {
  std::vector<std::byte> out(address.length);
  if (store.get(address, out) != GetStatus::kOk) return std::nullopt;
  return out;
}

template <class Factory>
class BlockStoreContract : public ::testing::Test {
 protected:
  void reopen() { store_ = factory_.reopen(std::move(store_)); }
  // Only for factories with kCanCrash.
  void crash(std::uint64_t seed) { store_ = factory_.crash(std::move(store_), seed); }

  BlockAddress put(std::size_t n, std::uint64_t seed) {
    return store_->put(block_bytes(n, seed), BlockTag{1, seed, 0});
  }

  Factory factory_;
  std::unique_ptr<BlockStore> store_ = factory_.make();
};

TYPED_TEST_SUITE_P(BlockStoreContract);

TYPED_TEST_P(BlockStoreContract, given_lengths_from_1_byte_to_1_mib_when_put_then_get_reads_them) {
  std::map<BlockAddress, std::vector<std::byte>> put;
  std::uint64_t seed = 0;
  for (const std::size_t n : {1UL, 2UL, 511UL, 4096UL, 65537UL, 1UL << 20}) {
    auto bytes = block_bytes(n, ++seed);
    const auto address = this->store_->put(bytes, BlockTag{1, seed, 0});
    EXPECT_EQ(address.length, n);
    put.emplace(address, std::move(bytes));
  }
  ASSERT_EQ(put.size(), 6U);
  for (const auto& [address, bytes] : put) EXPECT_EQ(read_block(*this->store_, address), bytes);
  this->store_->sync();
  for (const auto& [address, bytes] : put) EXPECT_EQ(read_block(*this->store_, address), bytes);
}

TYPED_TEST_P(BlockStoreContract, given_10000_puts_across_a_reopen_then_no_address_repeats) {
  std::set<BlockAddress> seen;
  std::map<BlockAddress, std::uint64_t> sample;
  for (std::uint64_t i = 0; i < 10000; ++i) {
    if (i == 5000) {
      this->store_->sync();
      this->reopen();
    }
    const auto address = this->put(1 + i % 700, i);
    EXPECT_TRUE(seen.insert(address).second) << "address handed out twice at put " << i;
    if (i % 997 == 0) sample.emplace(address, i);
  }
  for (const auto& [address, seed] : sample)
    EXPECT_EQ(read_block(*this->store_, address), block_bytes(address.length, seed));
}

TYPED_TEST_P(BlockStoreContract, given_released_blocks_when_putting_more_then_no_address_reused) {
  std::set<BlockAddress> seen;
  for (std::uint64_t round = 0; round < 5; ++round) {
    std::vector<ReleasedBlock> released;
    for (std::uint64_t i = 0; i < 50; ++i) {
      const auto address = this->put(100, round * 100 + i);
      EXPECT_TRUE(seen.insert(address).second);
      released.push_back(ReleasedBlock{address, ReleaseReason::kRemoved});
    }
    this->store_->sync();
    this->store_->release(released);
  }
  this->reopen();
  for (std::uint64_t i = 0; i < 50; ++i) EXPECT_TRUE(seen.insert(this->put(100, 900 + i)).second);
}

TYPED_TEST_P(BlockStoreContract, given_unknown_address_when_get_then_missing_without_throwing) {
  const auto address = this->put(100, 1);
  this->store_->sync();
  std::vector<std::byte> out(100);
  auto missing = [&](BlockAddress a) {
    out.resize(a.length);
    return this->store_->get(a, out) == GetStatus::kMissing;
  };
  EXPECT_TRUE(missing({address.group + 1000, address.offset, 100}));
  EXPECT_TRUE(missing({address.group, address.offset + (1U << 20), 100}));  // past the end
  EXPECT_TRUE(missing({address.group, address.offset, 200}));               // runs past the end
  EXPECT_TRUE(missing({address.group, address.offset, 0}));
  EXPECT_TRUE(missing({address.group, UINT64_MAX - 10, 100}));
  EXPECT_TRUE(missing({UINT64_MAX, 0, 100}));
  // `out` not of the address's length.
  out.resize(50);
  EXPECT_EQ(this->store_->get(address, out), GetStatus::kMissing);
  // The real one still reads.
  EXPECT_EQ(read_block(*this->store_, address), block_bytes(100, 1));
}

TYPED_TEST_P(BlockStoreContract, given_released_block_when_get_then_missing_or_its_old_bytes) {
  std::map<BlockAddress, std::uint64_t> kept;
  std::map<BlockAddress, std::uint64_t> gone;
  std::vector<ReleasedBlock> released;
  const ReleaseReason reasons[] = {ReleaseReason::kRemoved, ReleaseReason::kReplaced,
                                   ReleaseReason::kNeverReferenced};
  for (std::uint64_t i = 0; i < 30; ++i) {
    // Odd lengths, so released ranges never line up with pages.
    const auto address = this->put(777 + i * 1001, i);
    if (i % 2 == 0) {
      kept.emplace(address, i);
    } else {
      gone.emplace(address, i);
      released.push_back(ReleasedBlock{address, reasons[i % 3]});
    }
  }
  this->store_->sync();
  this->store_->release(released);
  for (const auto& [address, seed] : gone) {
    const auto got = read_block(*this->store_, address);
    EXPECT_TRUE(!got || *got == block_bytes(address.length, seed))
        << "released block " << seed << " read other bytes";
  }
  // Releasing never touches the neighbours.
  for (const auto& [address, seed] : kept)
    EXPECT_EQ(read_block(*this->store_, address), block_bytes(address.length, seed));
}

TYPED_TEST_P(BlockStoreContract, given_blocks_released_twice_then_nothing_else_changes) {
  const auto gone = this->put(5000, 1);
  const auto next = this->put(5000, 2);
  this->store_->sync();
  const ReleasedBlock released[] = {{gone, ReleaseReason::kRemoved}};
  this->store_->release(released);
  this->store_->release(released);
  // Unknown addresses are ignored too.
  const ReleasedBlock unknown[] = {
      {BlockAddress{gone.group + 1000, 0, 10}, ReleaseReason::kRemoved},
      {BlockAddress{UINT64_MAX, UINT64_MAX, 10}, ReleaseReason::kReplaced}};
  this->store_->release(unknown);
  const auto got = read_block(*this->store_, gone);
  EXPECT_TRUE(!got || *got == block_bytes(5000, 1));
  EXPECT_EQ(read_block(*this->store_, next), block_bytes(5000, 2));
}

TYPED_TEST_P(BlockStoreContract, given_invalid_block_when_put_then_refused) {
  const std::vector<std::byte> zeros(4096);
  EXPECT_THROW(this->store_->put({}, BlockTag{}), std::invalid_argument);
  EXPECT_THROW(this->store_->put(zeros, BlockTag{}), std::invalid_argument);
}

TYPED_TEST_P(BlockStoreContract, given_synced_blocks_when_power_fails_then_they_read_back) {
  if (!TypeParam::kCanCrash) GTEST_SKIP() << "this store cannot simulate a power loss";
  for (std::uint64_t seed = 0; seed < 4; ++seed) {
    std::vector<BlockAddress> synced;
    for (std::uint64_t i = 0; i < 40; ++i) synced.push_back(this->put(3000 + i, seed * 100 + i));
    this->store_->sync();
    for (std::uint64_t i = 0; i < 10; ++i) this->put(3000, 50 + i);  // not synced
    this->crash(seed);
    for (std::uint64_t i = 0; i < synced.size(); ++i) {
      EXPECT_EQ(read_block(*this->store_, synced[i]), block_bytes(3000 + i, seed * 100 + i))
          << "seed " << seed << " block " << i;
    }
  }
}

TYPED_TEST_P(BlockStoreContract, given_unsynced_blocks_when_power_fails_then_missing_or_exact) {
  if (!TypeParam::kCanCrash) GTEST_SKIP() << "this store cannot simulate a power loss";
  std::size_t lost = 0;
  std::size_t kept = 0;
  for (std::uint64_t seed = 0; seed < 8; ++seed) {
    this->put(1000, 7);
    this->store_->sync();
    std::vector<BlockAddress> unsynced;
    for (std::uint64_t i = 0; i < 30; ++i)
      unsynced.push_back(this->put(1500 + i * 97, seed * 100 + i));
    this->crash(seed);
    for (std::uint64_t i = 0; i < unsynced.size(); ++i) {
      const auto got = read_block(*this->store_, unsynced[i]);
      if (!got) {
        ++lost;
        continue;
      }
      ++kept;
      EXPECT_EQ(*got, block_bytes(1500 + i * 97, seed * 100 + i))
          << "seed " << seed << ": block " << i << " read torn bytes as kOk";
    }
  }
  // The power losses must have lost something, or the case proves nothing.
  EXPECT_GT(lost, 0U);
  ::testing::Test::RecordProperty("kept", static_cast<int>(kept));
}

TYPED_TEST_P(BlockStoreContract, given_power_loss_then_no_address_is_handed_out_again) {
  if (!TypeParam::kCanCrash) GTEST_SKIP() << "this store cannot simulate a power loss";
  std::set<BlockAddress> seen;
  for (std::uint64_t seed = 0; seed < 4; ++seed) {
    // One length throughout, so that an address that comes back compares equal.
    for (std::uint64_t i = 0; i < 20; ++i) {
      EXPECT_TRUE(seen.insert(this->put(200, seed * 100 + i)).second) << "seed " << seed;
      if (i == 9) this->store_->sync();
    }
    this->crash(seed);  // loses some of the last ten, whose addresses must stay unused
  }
  for (std::uint64_t i = 0; i < 20; ++i) EXPECT_TRUE(seen.insert(this->put(200, i)).second);
}

TYPED_TEST_P(BlockStoreContract, given_store_then_capacity_and_description_make_sense) {
  const auto capacity = this->store_->capacity();
  EXPECT_GT(capacity.total_bytes, 0U);
  EXPECT_LE(capacity.available_bytes, capacity.total_bytes);
  EXPECT_FALSE(this->store_->describe().empty());
}

TYPED_TEST_P(BlockStoreContract, given_fresh_store_when_for_each_then_every_block_once) {
  std::map<BlockAddress, std::vector<std::byte>> put;
  for (std::uint64_t i = 0; i < 50; ++i) {
    auto bytes = block_bytes(100 + i, i);
    put.emplace(this->store_->put(bytes, BlockTag{2, i, 0}), std::move(bytes));
  }
  auto visit_all = [&](std::map<BlockAddress, int>& visits) {
    this->store_->for_each([&](const BlockAddress& address, std::span<const std::byte> bytes) {
      ++visits[address];
      const auto it = put.find(address);
      ASSERT_NE(it, put.end()) << "visited a block never put";
      EXPECT_TRUE(std::equal(bytes.begin(), bytes.end(), it->second.begin(), it->second.end()));
      // A visitor may read.
      EXPECT_EQ(read_block(*this->store_, address), it->second);
    });
  };
  std::map<BlockAddress, int> visits;
  if (!this->store_->lists_blocks()) {
    // A store that cannot list says so instead of visiting nothing.
    EXPECT_THROW(visit_all(visits), std::logic_error);
    return;
  }
  visit_all(visits);
  EXPECT_EQ(visits.size(), put.size());
  for (const auto& [address, n] : visits) EXPECT_EQ(n, 1);
}

TYPED_TEST_P(BlockStoreContract, given_threads_putting_reading_releasing_syncing_then_consistent) {
  constexpr int kThreads = 4;
  constexpr std::uint64_t kRounds = 300;
  std::vector<std::vector<BlockAddress>> put(kThreads);
  std::vector<std::set<BlockAddress>> released(kThreads);
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      auto& mine = put[static_cast<std::size_t>(t)];
      auto& gone = released[static_cast<std::size_t>(t)];
      for (std::uint64_t i = 0; i < kRounds; ++i) {
        const std::uint64_t seed = static_cast<std::uint64_t>(t) * 100000 + i;
        const auto address = this->store_->put(block_bytes(300 + i, seed), BlockTag{1, seed, 0});
        mine.push_back(address);
        if (read_block(*this->store_, address) != block_bytes(300 + i, seed)) ++wrong;
        if (i % 3 == 2) {
          const ReleasedBlock r[] = {
              {mine[i - 1], i % 2 == 0 ? ReleaseReason::kRemoved : ReleaseReason::kReplaced}};
          this->store_->release(r);
          gone.insert(mine[i - 1]);
        }
        if (i % 50 == 0) this->store_->sync();
        if (i % 20 == 0) (void)this->store_->capacity();
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(wrong.load(), 0);
  std::set<BlockAddress> all;
  for (int t = 0; t < kThreads; ++t) {
    const auto& mine = put[static_cast<std::size_t>(t)];
    for (std::uint64_t i = 0; i < mine.size(); ++i) {
      EXPECT_TRUE(all.insert(mine[i]).second) << "address handed out twice";
      if (released[static_cast<std::size_t>(t)].contains(mine[i])) continue;
      EXPECT_EQ(read_block(*this->store_, mine[i]),
                block_bytes(300 + i, static_cast<std::uint64_t>(t) * 100000 + i));
    }
  }
}

// --- Compaction, for stores that have it ---

TYPED_TEST_P(BlockStoreContract, given_seal_active_when_putting_then_a_new_group_starts) {
  auto* compaction = this->store_->compaction();
  if (compaction == nullptr) GTEST_SKIP() << "no compaction";
  const auto before = this->put(100, 1);
  compaction->seal_active();
  const auto after = this->put(100, 2);
  EXPECT_NE(after.group, before.group);
  for (const auto& c : compaction->containers()) {
    if (c.group == before.group) {
      EXPECT_TRUE(c.sealed);
    } else if (c.group == after.group) {
      EXPECT_FALSE(c.sealed);
    }
  }
  this->store_->sync();
  EXPECT_EQ(read_block(*this->store_, before), block_bytes(100, 1));
}

TYPED_TEST_P(BlockStoreContract, given_copy_out_sync_retire_then_old_missing_and_copies_read) {
  auto* compaction = this->store_->compaction();
  if (compaction == nullptr) GTEST_SKIP() << "no compaction";
  std::vector<BlockAddress> live;
  std::set<BlockAddress> seen;
  for (std::uint64_t i = 0; i < 20; ++i) {
    const auto address = this->put(400 + i, i);
    seen.insert(address);
    if (i % 2 == 0) live.push_back(address);
  }
  const auto group = live.front().group;
  this->store_->sync();
  compaction->seal_active();
  EXPECT_THROW((void)compaction->copy_out(group + 1000, live), std::invalid_argument);
  const auto copied = compaction->copy_out(group, live);
  ASSERT_FALSE(copied.unreadable);
  ASSERT_EQ(copied.to.size(), live.size());
  compaction->sync();
  const std::uint64_t groups[] = {group};
  compaction->retire(groups);
  for (std::size_t i = 0; i < live.size(); ++i) {
    EXPECT_EQ(read_block(*this->store_, live[i]), std::nullopt);
    EXPECT_TRUE(seen.insert(copied.to[i]).second) << "a copy reused an address";
    EXPECT_NE(copied.to[i].group, group);
    EXPECT_EQ(read_block(*this->store_, copied.to[i]), block_bytes(400 + 2 * i, 2 * i));
  }
  for (const auto& c : compaction->containers()) EXPECT_NE(c.group, group);
  // Nor afterwards, nor after a restart.
  for (std::uint64_t i = 0; i < 20; ++i) EXPECT_TRUE(seen.insert(this->put(400, i)).second);
  this->store_->sync();
  this->reopen();
  for (std::uint64_t i = 0; i < 20; ++i) EXPECT_TRUE(seen.insert(this->put(400, i)).second);
}

TYPED_TEST_P(BlockStoreContract, given_unreadable_block_when_copy_out_then_its_index_is_reported) {
  auto* compaction = this->store_->compaction();
  if (compaction == nullptr) GTEST_SKIP() << "no compaction";
  std::vector<BlockAddress> blocks;
  for (std::uint64_t i = 0; i < 5; ++i) blocks.push_back(this->put(5000, i));
  this->store_->sync();
  compaction->seal_active();
  const ReleasedBlock gone[] = {{blocks[3], ReleaseReason::kRemoved}};
  this->store_->release(gone);
  if (read_block(*this->store_, blocks[3])) GTEST_SKIP() << "released blocks stay readable here";
  const auto copied = compaction->copy_out(blocks.front().group, blocks);
  EXPECT_EQ(copied.unreadable, std::optional<std::size_t>(3));
  EXPECT_EQ(copied.to.size(), 3U);
}

TYPED_TEST_P(BlockStoreContract, given_leftovers_then_only_unreferenced_sealed_groups_go) {
  auto* compaction = this->store_->compaction();
  if (compaction == nullptr) GTEST_SKIP() << "no compaction";
  const auto referenced = this->put(100, 1);
  compaction->seal_active();
  const auto leftover = this->put(100, 2);
  compaction->seal_active();
  const auto active = this->put(100, 3);
  this->store_->sync();
  ASSERT_NE(referenced.group, leftover.group);
  ASSERT_NE(leftover.group, active.group);
  std::set<std::uint64_t> asked;
  const auto removed = compaction->remove_leftovers([&](std::uint64_t group) {
    asked.insert(group);
    return group == referenced.group;
  });
  EXPECT_EQ(removed, 1U);
  EXPECT_FALSE(asked.contains(active.group)) << "the active group is never a leftover";
  EXPECT_EQ(read_block(*this->store_, referenced), block_bytes(100, 1));
  EXPECT_EQ(read_block(*this->store_, leftover), std::nullopt);
  EXPECT_EQ(read_block(*this->store_, active), block_bytes(100, 3));
}

TYPED_TEST_P(BlockStoreContract, given_puts_and_releases_then_accounting_follows_until_reset) {
  auto* compaction = this->store_->compaction();
  if (compaction == nullptr) GTEST_SKIP() << "no compaction";
  EXPECT_TRUE(compaction->accounting_trusted()) << "a store that started empty knows its ledger";
  const auto a = this->put(1000, 1);
  const auto b = this->put(300, 2);
  const auto c = this->put(50, 3);
  ASSERT_EQ(a.group, c.group);
  const ReleasedBlock released[] = {{a, ReleaseReason::kReplaced},
                                    {b, ReleaseReason::kNeverReferenced}};
  this->store_->release(released);
  auto find = [&](std::uint64_t group) {
    for (const auto& container : compaction->containers())
      if (container.group == group) return std::optional(container);
    return std::optional<Compaction::Container>();
  };
  const auto before = find(a.group);
  ASSERT_TRUE(before);
  EXPECT_EQ(before->total_bytes, 1350U);
  EXPECT_EQ(before->live_bytes, 50U);
  compaction->reset_accounting({{a.group, 700}});
  EXPECT_EQ(find(a.group)->live_bytes, 700U);
  EXPECT_TRUE(compaction->accounting_trusted());
}

TYPED_TEST_P(BlockStoreContract, given_power_loss_then_accounting_is_not_trusted) {
  auto* compaction = this->store_->compaction();
  if (compaction == nullptr || !TypeParam::kCanCrash) GTEST_SKIP() << "no compaction or crash";
  this->put(100, 1);
  this->store_->sync();
  this->crash(0);
  EXPECT_FALSE(this->store_->compaction()->accounting_trusted());
}

TYPED_TEST_P(BlockStoreContract, given_clean_close_then_accounting_is_trusted_and_kept) {
  auto* compaction = this->store_->compaction();
  if (compaction == nullptr || !TypeParam::kPersistsAccounting)
    GTEST_SKIP() << "no compaction or no accounting kept across a close";
  const auto a = this->put(1000, 1);
  const auto b = this->put(300, 2);
  const ReleasedBlock released[] = {{b, ReleaseReason::kReplaced}};
  this->store_->release(released);
  const auto before = compaction->containers();
  this->reopen();
  compaction = this->store_->compaction();
  EXPECT_TRUE(compaction->accounting_trusted());
  std::map<std::uint64_t, std::pair<std::uint64_t, std::uint64_t>> kept;
  for (const auto& container : compaction->containers())
    kept[container.group] = {container.live_bytes, container.total_bytes};
  ASSERT_TRUE(kept.contains(a.group));
  EXPECT_EQ(kept[a.group], std::make_pair(std::uint64_t{1000}, std::uint64_t{1300}));
  EXPECT_EQ(kept.size(), before.size());
  EXPECT_EQ(read_block(*this->store_, a), block_bytes(1000, 1));
}

TYPED_TEST_P(BlockStoreContract, given_power_loss_after_clean_reopen_then_accounting_untrusted) {
  auto* compaction = this->store_->compaction();
  if (compaction == nullptr || !TypeParam::kCanCrash || !TypeParam::kPersistsAccounting)
    GTEST_SKIP() << "no compaction, crash or accounting kept across a close";
  this->put(100, 1);
  this->reopen();
  ASSERT_TRUE(this->store_->compaction()->accounting_trusted());
  this->crash(0);  // nothing put since the reopen: only the open itself can mark the ledger
  EXPECT_FALSE(this->store_->compaction()->accounting_trusted());
}

TYPED_TEST_P(BlockStoreContract, given_active_group_when_copied_or_retired_then_refused) {
  auto* compaction = this->store_->compaction();
  if (compaction == nullptr) GTEST_SKIP() << "no compaction";
  const auto active = this->put(100, 1);
  const BlockAddress blocks[] = {active};
  EXPECT_THROW((void)compaction->copy_out(active.group, blocks), std::invalid_argument);
  const std::uint64_t groups[] = {active.group};
  EXPECT_THROW(compaction->retire(groups), std::invalid_argument);
  EXPECT_EQ(read_block(*this->store_, active), block_bytes(100, 1));
}

REGISTER_TYPED_TEST_SUITE_P(BlockStoreContract,
                            given_lengths_from_1_byte_to_1_mib_when_put_then_get_reads_them,
                            given_10000_puts_across_a_reopen_then_no_address_repeats,
                            given_released_blocks_when_putting_more_then_no_address_reused,
                            given_unknown_address_when_get_then_missing_without_throwing,
                            given_released_block_when_get_then_missing_or_its_old_bytes,
                            given_blocks_released_twice_then_nothing_else_changes,
                            given_invalid_block_when_put_then_refused,
                            given_synced_blocks_when_power_fails_then_they_read_back,
                            given_unsynced_blocks_when_power_fails_then_missing_or_exact,
                            given_power_loss_then_no_address_is_handed_out_again,
                            given_store_then_capacity_and_description_make_sense,
                            given_fresh_store_when_for_each_then_every_block_once,
                            given_threads_putting_reading_releasing_syncing_then_consistent,
                            given_seal_active_when_putting_then_a_new_group_starts,
                            given_copy_out_sync_retire_then_old_missing_and_copies_read,
                            given_unreadable_block_when_copy_out_then_its_index_is_reported,
                            given_leftovers_then_only_unreferenced_sealed_groups_go,
                            given_puts_and_releases_then_accounting_follows_until_reset,
                            given_power_loss_then_accounting_is_not_trusted,
                            given_clean_close_then_accounting_is_trusted_and_kept,
                            given_power_loss_after_clean_reopen_then_accounting_untrusted,
                            given_active_group_when_copied_or_retired_then_refused);

}  // namespace squeezefs::blockstore::testing
