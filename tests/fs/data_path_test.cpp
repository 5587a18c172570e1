// The data path's building blocks: decoded-block cache, worker pool and grouped committer.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "squeezefs/fs/block_cache.h"
#include "squeezefs/fs/committer.h"
#include "squeezefs/fs/worker_pool.h"

namespace squeezefs::fs {
namespace {

using namespace std::chrono_literals;

BlockCache::Loader filled(std::size_t n, int value, std::atomic<int>* calls = nullptr) {
  return [=]() -> Result<std::vector<std::byte>> {
    if (calls != nullptr) ++*calls;
    return std::vector<std::byte>(n, static_cast<std::byte>(value));
  };
}

TEST(BlockCacheTest, given_cached_block_when_read_again_then_loader_not_called) {
  BlockCache cache(1000);
  std::atomic<int> calls{0};
  auto a = cache.get(CacheKey{1, 0}, filled(100, 7, &calls));
  auto b = cache.get(CacheKey{1, 0}, filled(100, 9, &calls));
  ASSERT_TRUE(a);
  ASSERT_TRUE(b);
  EXPECT_EQ(calls.load(), 1);
  EXPECT_EQ((**b)[0], std::byte{7});
  EXPECT_EQ(cache.bytes(), 100U);
}

TEST(BlockCacheTest, given_full_cache_when_adding_then_least_recently_used_is_evicted) {
  BlockCache cache(300);
  ASSERT_TRUE(cache.get(CacheKey{1, 0}, filled(100, 1)));
  ASSERT_TRUE(cache.get(CacheKey{1, 100}, filled(100, 2)));
  ASSERT_TRUE(cache.get(CacheKey{1, 200}, filled(100, 3)));
  ASSERT_TRUE(cache.get(CacheKey{1, 0}, filled(100, 1)));  // touch: now most recent
  ASSERT_TRUE(cache.get(CacheKey{1, 300}, filled(100, 4)));
  EXPECT_TRUE(cache.contains(CacheKey{1, 0}));
  EXPECT_FALSE(cache.contains(CacheKey{1, 100}));
  EXPECT_TRUE(cache.contains(CacheKey{1, 200}));
  EXPECT_TRUE(cache.contains(CacheKey{1, 300}));
  EXPECT_LE(cache.bytes(), cache.capacity());
  EXPECT_EQ(cache.loads(), 4U);
}

TEST(BlockCacheTest, given_erased_block_when_prefetched_then_skipped_until_wanted_again) {
  BlockCache cache(1000);
  auto held = cache.get(CacheKey{3, 0}, filled(100, 1));
  ASSERT_TRUE(held);
  cache.erase(CacheKey{3, 0});
  EXPECT_FALSE(cache.contains(CacheKey{3, 0}));
  EXPECT_EQ(cache.bytes(), 0U);
  EXPECT_EQ((**held)[0], std::byte{1}) << "a holder keeps its block";
  cache.prefetch(CacheKey{3, 0}, filled(100, 1));
  EXPECT_FALSE(cache.contains(CacheKey{3, 0})) << "streamed past: not decoded again";
  EXPECT_EQ(cache.loads(), 1U);
  cache.prefetch(CacheKey{3, 100}, filled(100, 2));
  EXPECT_TRUE(cache.contains(CacheKey{3, 100}));
  ASSERT_TRUE(cache.get(CacheKey{3, 0}, filled(100, 1)));  // a reader wants it after all
  cache.erase(CacheKey{3, 100});
  cache.erase(CacheKey{3, 0});
  ASSERT_TRUE(cache.get(CacheKey{3, 0}, filled(100, 1)));
  cache.prefetch(CacheKey{3, 0}, filled(100, 9));  // cached: the loader does not run
  EXPECT_EQ((**cache.get(CacheKey{3, 0}, filled(100, 9)))[0], std::byte{1});
  EXPECT_EQ(cache.loads(), 4U);
}

TEST(BlockCacheTest, given_block_larger_than_cache_when_loaded_then_returned_not_kept) {
  BlockCache cache(50);
  auto big = cache.get(CacheKey{2, 0}, filled(100, 5));
  ASSERT_TRUE(big);
  EXPECT_EQ((*big)->size(), 100U);
  EXPECT_EQ(cache.bytes(), 0U);
  cache.put(CacheKey{2, 8}, std::make_shared<const std::vector<std::byte>>(40));
  EXPECT_TRUE(cache.contains(CacheKey{2, 8}));
}

TEST(BlockCacheTest, given_failed_load_when_read_again_then_retried) {
  BlockCache cache(1000);
  auto bad = cache.get(
      CacheKey{3, 0}, []() -> Result<std::vector<std::byte>> { return fail(std::errc::io_error); });
  EXPECT_EQ(bad.error(), std::errc::io_error);
  EXPECT_FALSE(cache.contains(CacheKey{3, 0}));
  EXPECT_TRUE(cache.get(CacheKey{3, 0}, filled(10, 1)));
}

TEST(BlockCacheTest, given_concurrent_readers_of_one_block_when_loading_then_decoded_once) {
  BlockCache cache(1 << 20);
  std::atomic<int> calls{0};
  std::atomic<int> ok{0};
  const auto slow = [&]() -> Result<std::vector<std::byte>> {
    ++calls;
    std::this_thread::sleep_for(50ms);  // keep the flight open while the others arrive
    return std::vector<std::byte>(4096, std::byte{42});
  };
  std::vector<std::thread> readers;
  for (int i = 0; i < 8; ++i) {
    readers.emplace_back([&] {
      auto block = cache.get(CacheKey{4, 4096}, slow);
      if (block && (**block)[100] == std::byte{42}) ++ok;
    });
  }
  for (auto& t : readers) t.join();
  EXPECT_EQ(calls.load(), 1);
  EXPECT_EQ(ok.load(), 8);
}

TEST(WorkerPoolTest, given_tasks_when_waiting_idle_then_all_ran_on_pool_threads) {
  WorkerPool pool(3);
  EXPECT_EQ(pool.size(), 3U);
  std::atomic<int> sum{0};
  std::atomic<int> on_caller{0};
  const auto caller = std::this_thread::get_id();
  for (int i = 1; i <= 100; ++i) {
    pool.submit([&, i] {
      sum += i;
      if (std::this_thread::get_id() == caller) ++on_caller;
    });
  }
  pool.wait_idle();
  EXPECT_EQ(sum.load(), 5050);
  EXPECT_EQ(on_caller.load(), 0);
  EXPECT_EQ(pool.backlog(), 0U);
}

TEST(WorkerPoolTest, given_throwing_task_when_run_then_pool_keeps_working) {
  WorkerPool pool(1);
  std::atomic<int> ran{0};
  pool.submit([] { throw std::runtime_error("boom"); });
  pool.submit([&] { ++ran; });
  pool.wait_idle();
  EXPECT_EQ(ran.load(), 1);
}

TEST(WorkerPoolTest, given_queued_tasks_when_destroyed_then_they_still_run) {
  std::atomic<int> ran{0};
  {
    WorkerPool pool(1);
    for (int i = 0; i < 20; ++i)
      pool.submit([&] {
        std::this_thread::sleep_for(1ms);
        ++ran;
      });
  }
  EXPECT_EQ(ran.load(), 20);
}

TEST(CommitterTest, given_blocks_queued_during_a_commit_when_committed_then_grouped) {
  std::atomic<int> calls{0};
  std::atomic<std::size_t> items{0};
  std::atomic<bool> first_started{false};
  std::atomic<bool> release_first{false};
  Committer committer([&](std::vector<EncodedBlock>& batch) {
    if (calls++ == 0) {
      first_started = true;
      while (!release_first) std::this_thread::sleep_for(1ms);
    }
    items += batch.size();
  });
  committer.enqueue(EncodedBlock{1, 0, 1, std::nullopt, nullptr, false});
  while (!first_started) std::this_thread::sleep_for(1ms);
  // The first batch is busy: everything queued now must go in one second batch.
  for (std::uint64_t b = 1; b <= 50; ++b)
    committer.enqueue(EncodedBlock{1, b, b + 1, std::nullopt, nullptr, false});
  release_first = true;
  while (items.load() < 51) std::this_thread::sleep_for(1ms);
  EXPECT_EQ(calls.load(), 2);
  EXPECT_EQ(committer.batches(), 2U);
}

TEST(CommitterTest, given_batch_limit_when_many_queued_then_split) {
  std::vector<std::size_t> sizes;
  std::mutex m;
  {
    std::atomic<bool> go{false};
    Committer committer(
        [&](std::vector<EncodedBlock>& batch) {
          while (!go) std::this_thread::sleep_for(1ms);
          const std::lock_guard lock(m);
          sizes.push_back(batch.size());
        },
        10);
    for (std::uint64_t b = 0; b < 25; ++b)
      committer.enqueue(EncodedBlock{2, b, b + 1, std::nullopt, nullptr, false});
    go = true;
  }  // the destructor commits what is left
  std::size_t total = 0;
  for (const auto n : sizes) {
    EXPECT_LE(n, 10U);
    total += n;
  }
  EXPECT_EQ(total, 25U);
}

TEST(CommitterTest,
     given_gather_time_when_blocks_trickle_in_then_a_waiter_commits_them_in_one_batch) {
  std::atomic<int> calls{0};
  std::atomic<std::size_t> items{0};
  // Far longer than the test may take: only the waiter can make this batch commit in time.
  Committer committer(
      [&](std::vector<EncodedBlock>& batch) {
        ++calls;
        items += batch.size();
      },
      1024, std::chrono::minutes(10));
  for (std::uint64_t b = 0; b < 10; ++b) {
    committer.enqueue(EncodedBlock{3, b, b + 1, std::nullopt, nullptr, false});
    std::this_thread::sleep_for(1ms);
  }
  EXPECT_EQ(calls.load(), 0);  // still gathering
  {
    const Committer::Waiter waiter(committer);
    for (int i = 0; i < 30'000 && items.load() < 10; ++i) std::this_thread::sleep_for(1ms);
  }
  EXPECT_EQ(items.load(), 10U);
  EXPECT_EQ(calls.load(), 1);
}

TEST(CommitterTest, given_gather_time_when_batch_limit_reached_then_commits_without_waiting) {
  std::atomic<std::size_t> items{0};
  Committer committer([&](std::vector<EncodedBlock>& batch) { items += batch.size(); }, 8,
                      std::chrono::minutes(10));
  for (std::uint64_t b = 0; b < 8; ++b)
    committer.enqueue(EncodedBlock{4, b, b + 1, std::nullopt, nullptr, false});
  for (int i = 0; i < 30'000 && items.load() < 8; ++i) std::this_thread::sleep_for(1ms);
  EXPECT_EQ(items.load(), 8U);
}

}  // namespace
}  // namespace squeezefs::fs
