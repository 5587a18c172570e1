#include "squeezefs/fs/store_lock.h"

#include <fcntl.h>
#include <sys/file.h>

#include <cerrno>
#include <system_error>

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

}  // namespace squeezefs::fs
