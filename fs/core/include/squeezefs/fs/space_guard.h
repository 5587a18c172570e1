#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>

#include "squeezefs/common/mutex.h"

namespace squeezefs::fs {

// Admission control for buffered writes: whether the file system holding the store's data files
// can take more bytes while leaving `reserve` bytes free, so that blocks already accepted and
// the index commits that record them still fit. Without it a full disk shows only when a
// buffered block is written back, long after the write(2) that could have failed instead.
//
// The free space comes from statvfs (the space available to unprivileged users, so root's
// reserved blocks stay free too). A reading is reused for a short while when it shows plenty of
// room, so the common case costs no system call per write.
//
// Thread-safe.
class SpaceGuard {
 public:
  // `dir` is any path on the file system to watch; an empty path disables the check.
  SpaceGuard(std::filesystem::path dir, std::uint64_t reserve);

  // Whether `bytes` more fit when `pending` bytes are already promised (buffered or in flight,
  // not yet on disk). `fresh` forces a new statvfs reading. Always true when statvfs fails: a
  // check that cannot measure must not stop writes.
  [[nodiscard]] bool fits(std::uint64_t pending, std::uint64_t bytes, bool fresh = false)
      EXCLUDES(mutex_);

 private:
  static constexpr std::uint64_t kPlenty = std::uint64_t{256} << 20;
  static constexpr std::chrono::milliseconds kReuse{200};

  const std::filesystem::path dir_;
  const std::uint64_t reserve_;
  Mutex mutex_;  // a leaf
  std::uint64_t available_ GUARDED_BY(mutex_) = 0;
  std::chrono::steady_clock::time_point measured_ GUARDED_BY(mutex_);  // epoch: never measured
};

}  // namespace squeezefs::fs
