#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <system_error>
#include <thread>
#include <vector>

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
// next, so the batch size grows with the load.
//
// Thread-safe. `commit` runs on the committer's thread and must not throw (exceptions are logged
// and the batch is dropped). The destructor commits what is queued, then joins.
class Committer {
 public:
  using CommitFn = std::function<void(std::vector<EncodedBlock>&)>;

  explicit Committer(CommitFn commit, std::size_t max_batch = 1024);
  Committer(const Committer&) = delete;
  Committer& operator=(const Committer&) = delete;
  ~Committer();

  void enqueue(EncodedBlock block);
  // Batches committed so far.
  [[nodiscard]] std::uint64_t batches();

 private:
  void run();

  CommitFn commit_;
  const std::size_t max_batch_;
  std::mutex mutex_;  // a leaf: commit_ runs without it
  std::condition_variable cv_;
  std::vector<EncodedBlock> queue_;  // guarded by mutex_
  std::uint64_t batches_ = 0;        // guarded by mutex_
  bool stopping_ = false;            // guarded by mutex_
  std::thread thread_;
};

}  // namespace squeezefs::fs
