#include "squeezefs/fs/store_lock.h"

#include <fcntl.h>
#include <sys/file.h>

#include <cerrno>
#include <system_error>

namespace squeezefs::fs {

std::optional<StoreLock> StoreLock::try_acquire(const StoreLayout& layout) {
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
