// FileData: admission control of writes against the free space of the store's file system.
#include "squeezefs/fs/file_data.h"

namespace squeezefs::fs {
namespace {

// How long a write that finds the disk nearly full waits for the buffered blocks to be written
// back before it measures again. Bounded, so writers that keep the buffer busy cannot stall it.
constexpr std::chrono::seconds kDrainWait{10};

}  // namespace

Result<void> FileData::admit(std::size_t bytes) {
  if (space_.fits(dirty_bytes(), bytes)) return {};
  // Buffered blocks count at their raw size but may compress well, and failed ones give their
  // share back: write everything back, then look again.
  const auto deadline = std::chrono::steady_clock::now() + kDrainWait;
  const Committer::Waiter waiter(committer_);
  std::unique_lock lock(progress_mutex_);
  while (dirty_bytes_ != 0 && std::chrono::steady_clock::now() < deadline) {
    const std::uint64_t seen = epoch_;
    lock.unlock();
    submit_everything();
    lock.lock();
    progress_cv_.wait_until(lock, deadline, [&] { return epoch_ != seen || dirty_bytes_ == 0; });
  }
  const std::size_t pending = dirty_bytes_;
  lock.unlock();
  if (space_.fits(pending, bytes, true)) return {};
  return fail(std::errc::no_space_on_device);
}

}  // namespace squeezefs::fs
