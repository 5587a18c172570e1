#include "squeezefs/common/mutex.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace squeezefs {
namespace {

class Counter {
 public:
  void add() {
    const MutexLock lock(mutex_);
    ++count_;
    changed_.notify_all();
  }
  void wait_for(int n) {
    MutexLock lock(mutex_);
    changed_.wait(lock, [&]() REQUIRES(mutex_) { return count_ >= n; });
  }
  int count() {
    const MutexLock lock(mutex_);
    return count_;
  }

 private:
  Mutex mutex_;
  CondVar changed_;
  int count_ GUARDED_BY(mutex_) = 0;
};

TEST(MutexTest, given_threads_adding_under_the_lock_when_joined_then_no_increment_is_lost) {
  Counter counter;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10000; ++i) counter.add();
    });
  }
  counter.wait_for(40000);
  for (auto& t : threads) t.join();
  EXPECT_EQ(counter.count(), 40000);
}

TEST(MutexTest, given_a_reader_holding_a_shared_mutex_then_other_readers_enter_and_writers_do_not) {
  SharedMutex mutex;
  bool reader_entered = false;
  bool writer_entered = true;
  {
    const ReaderLock reader(mutex);
    std::thread other([&] {
      if (mutex.try_lock_shared()) {
        reader_entered = true;
        mutex.unlock_shared();
      }
      writer_entered = false;
      if (mutex.try_lock()) {
        writer_entered = true;
        mutex.unlock();
      }
    });
    other.join();
  }
  EXPECT_TRUE(reader_entered);
  EXPECT_FALSE(writer_entered);
  const WriterLock writer(mutex);  // free again once the reader left
}

}  // namespace
}  // namespace squeezefs
