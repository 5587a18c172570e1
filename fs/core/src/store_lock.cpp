#include "squeezefs/fs/store_lock.h"

#include <fcntl.h>
#include <sys/file.h>

#include <algorithm>
#include <cerrno>
#include <system_error>
#include <thread>

namespace squeezefs::fs {

std::optional<StoreLock> StoreLock::try_acquire(const StoreLayout& layout) {
  // The lock is an flock on index.db opened read-only, not a lock file: it creates and writes
  // nothing, so a store on read-only media (a read-only bind mount, loop device or snapshot) can
  // be locked too. It stays exclusive for read-only mounts: a read-only mount opens a cleanly
  // closed index immutable (SQLite then takes no locks of its own and ignores the WAL), so
  // nothing but this lock keeps a read-write mount, fsck or compact reaching the same files
  // through a writable path (flock belongs to the inode, whichever mount reaches it) from
  // changing them under it. A read-only copy (snapshot, loop device) is other inodes that no
  // read-write mount can change.
  UniqueFd fd(::open(layout.index().c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) {
    throw std::system_error(errno, std::generic_category(), "open " + layout.index().string());
  }
  if (::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
    if (errno == EWOULDBLOCK) return std::nullopt;
    throw std::system_error(errno, std::generic_category(), "flock " + layout.index().string());
  }
  return StoreLock(std::move(fd));
}

std::optional<StoreLock> StoreLock::acquire_waiting(const StoreLayout& layout,
                                                    std::chrono::milliseconds timeout,
                                                    const WaitFn& keep_waiting) {
  // Polled rather than a blocking flock: the holder's state (a live mount or a finishing daemon)
  // must be looked at again while waiting, and a blocking flock cannot time out.
  constexpr auto kPoll = std::chrono::milliseconds(50);
  const auto start = std::chrono::steady_clock::now();
  for (;;) {
    if (auto lock = try_acquire(layout)) return lock;
    const auto waited = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - start);
    if (!keep_waiting(waited) || waited >= timeout) return std::nullopt;
    std::this_thread::sleep_for(std::min<std::chrono::milliseconds>(kPoll, timeout - waited));
  }
}

}  // namespace squeezefs::fs
