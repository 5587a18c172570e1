#include "squeezefs/fs/clock.h"

#include <time.h>

#include <algorithm>

namespace squeezefs::fs {

std::int64_t now_ns() {
  timespec ts{};
  ::clock_gettime(CLOCK_REALTIME_COARSE, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

std::int64_t now_after_ns(std::int64_t stored) {
  return std::max(now_ns(), stored);
}

std::int64_t now_past_ns(std::int64_t latest) {
  // Two ticks: a stamp of this tick, or of the kernel's floor up to a tick ahead.
  static const std::int64_t kNear = [] {
    timespec res{};
    ::clock_getres(CLOCK_REALTIME_COARSE, &res);
    return 2 * (static_cast<std::int64_t>(res.tv_sec) * 1'000'000'000 + res.tv_nsec);
  }();
  const std::int64_t now = now_ns();
  if (latest >= now && latest - now < kNear) return latest + 1;
  return now;
}

}  // namespace squeezefs::fs
