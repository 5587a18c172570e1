#include "squeezefs/fs/store_lock.h"

#include <fcntl.h>
#include <sys/file.h>

#include <cerrno>
#include <system_error>

namespace squeezefs::fs {

std::optional<StoreLock> StoreLock::try_acquire(const StoreLayout& layout) {
  UniqueFd fd(::open(layout.lock().c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644));
  if (!fd.valid()) {
    throw std::system_error(errno, std::generic_category(), "open " + layout.lock().string());
  }
  if (::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
    if (errno == EWOULDBLOCK) return std::nullopt;
    throw std::system_error(errno, std::generic_category(), "flock " + layout.lock().string());
  }
  return StoreLock(std::move(fd));
}

}  // namespace squeezefs::fs
