#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <system_error>
#include <thread>
#include <vector>

#include "squeezefs/common/mutex.h"
#include "squeezefs/index/records.h"

namespace squeezefs::fs {

// One block encoded by a worker, waiting for its index update.
struct EncodedBlock {
  std::uint64_t ino = 0;
  std::uint64_t block = 0;
  std::uint64_t seq = 0;                              // version of the block it encodes
  std::optional<index::BlockRef> ref;                 // nullopt: all zeros, a hole
  std::shared_ptr<const std::vector<std::byte>> raw;  // the decoded bytes (for the cache)
  bool failed = false;                                // encoding or appending threw
  std::error_code error{};                            // why it failed (ENOSPC or EIO)
};

// Groups the index updates of encoded blocks: a thread takes everything queued since the last
// batch (up to `max_batch`) and hands it to `commit` in one call, which syncs the data files once
// and commits one transaction for the lot. While a batch commits, new blocks queue up for the
// next, so the batch size grows with the load. With a `gather` time, the thread also lets a batch
// gather for that long before it commits, unless somebody waits for it (a Waiter): a copy of
// many small files then costs one data-file sync per batch instead of one per file, and nobody
// waits for those blocks (close does not wait for its file's blocks; fsync does).
//
// Thread-safe. `commit` runs on the committer's thread and must not throw (exceptions are logged
// and the batch is dropped). The destructor commits what is queued, then joins.
class Committer {
 public:
  using CommitFn = std::function<void(std::vector<EncodedBlock>&)>;

  explicit Committer(CommitFn commit, std::size_t max_batch = 1024,
                     std::chrono::milliseconds gather = std::chrono::milliseconds(0));
  Committer(const Committer&) = delete;
  Committer& operator=(const Committer&) = delete;
  ~Committer();

  void enqueue(EncodedBlock block) EXCLUDES(mutex_);
  // Held by whoever waits for blocks to commit (fsync, sync, a writer held at the memory cap):
  // while one exists, batches commit as soon as blocks arrive.
  class Waiter {
   public:
    explicit Waiter(Committer& committer);
    Waiter(const Waiter&) = delete;
    Waiter& operator=(const Waiter&) = delete;
    ~Waiter();

   private:
    Committer& committer_;
  };
  // Batches committed so far.
  [[nodiscard]] std::uint64_t batches() EXCLUDES(mutex_);

 private:
  void run() EXCLUDES(mutex_);

  CommitFn commit_;
  const std::size_t max_batch_;
  const std::chrono::milliseconds gather_;
  Mutex mutex_;  // a leaf: commit_ runs without it
  CondVar cv_;
  std::vector<EncodedBlock> queue_ GUARDED_BY(mutex_);
  std::uint64_t batches_ GUARDED_BY(mutex_) = 0;
  bool stopping_ GUARDED_BY(mutex_) = false;
  std::size_t waiters_ GUARDED_BY(mutex_) = 0;
  std::thread thread_;
};

}  // namespace squeezefs::fs
