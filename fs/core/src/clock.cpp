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

}  // namespace squeezefs::fs
