#include "squeezefs/fs/space_guard.h"

#include <sys/statvfs.h>

#include <limits>
#include <utility>

namespace squeezefs::fs {

SpaceGuard::SpaceGuard(std::filesystem::path dir, std::uint64_t reserve)
    : dir_(std::move(dir)), reserve_(reserve) {}

bool SpaceGuard::fits(std::uint64_t pending, std::uint64_t bytes, bool fresh) {
  if (dir_.empty()) return true;
  const std::uint64_t needed = pending + bytes + reserve_;
  const auto now = std::chrono::steady_clock::now();
  const MutexLock lock(mutex_);
  // A recent reading is good enough while the room left is large next to what is asked for: the
  // space consumed since it was taken cannot have used up the margin.
  const bool recent = measured_.time_since_epoch().count() != 0 && now - measured_ < kReuse;
  if (!fresh && recent && available_ >= needed + kPlenty) return true;
  struct statvfs st {};
  if (::statvfs(dir_.c_str(), &st) != 0) return true;
  const std::uint64_t unit = st.f_frsize != 0 ? st.f_frsize : st.f_bsize;
  const std::uint64_t blocks = st.f_bavail;
  available_ = blocks > std::numeric_limits<std::uint64_t>::max() / (unit == 0 ? 1 : unit)
                   ? std::numeric_limits<std::uint64_t>::max()
                   : blocks * unit;
  measured_ = now;
  return available_ >= needed;
}

}  // namespace squeezefs::fs
