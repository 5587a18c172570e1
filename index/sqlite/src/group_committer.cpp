#include "group_committer.h"

#include <sys/statvfs.h>

#include <utility>

#include "squeezefs/common/mutex.h"

namespace squeezefs::index {
namespace {

// Whether at least `min_free` bytes are available to unprivileged users under `dir`. True when
// statvfs fails: a check that cannot measure must not change how commits are made.
bool has_room(const std::filesystem::path& dir, std::uint64_t min_free) {
  struct statvfs st {};
  if (::statvfs(dir.c_str(), &st) != 0) return true;
  const std::uint64_t unit = st.f_frsize != 0 ? st.f_frsize : st.f_bsize;
  const std::uint64_t blocks = st.f_bavail;
  return unit == 0 || blocks >= (min_free + unit - 1) / unit;
}

}  // namespace

GroupCommitter::GroupCommitter(std::filesystem::path dir, std::function<void(bool room)> tick)
    : dir_(std::move(dir)),
      tick_(std::move(tick)),
      thread_([this](const std::stop_token& stop) { loop(stop); }) {}

void GroupCommitter::loop(const std::stop_token& stop) {
  Mutex sleep_mutex;
  CondVar wake;
  MutexLock sleep_lock(sleep_mutex);
  while (!stop.stop_requested()) {
    wake.wait_for(sleep_lock, stop, kPeriod, [] { return false; });
    if (stop.stop_requested()) break;
    tick_(has_room(dir_, kMinFree));
  }
}

}  // namespace squeezefs::index
