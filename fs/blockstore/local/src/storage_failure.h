#pragma once

#include <system_error>

#include "squeezefs/common/storage_error.h"

namespace squeezefs::blockstore {

// The StorageError a failed file operation stands for: kNoSpace for ENOSPC and EDQUOT (the file
// system under the store is full), kIo for everything else.
[[nodiscard]] inline StorageError storage_failure(const std::system_error& e,
                                                  const char* file = __builtin_FILE(),
                                                  int line = __builtin_LINE()) {
  const bool full = posix_error_of(e) == std::errc::no_space_on_device;
  return StorageError(full ? StorageErrc::kNoSpace : StorageErrc::kIo, e.what(), {}, file, line);
}

}  // namespace squeezefs::blockstore
