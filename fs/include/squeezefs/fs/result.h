#pragma once

// Forwarding header while the code moves to squeezefs/common/result.h.
// TODO(#16): removed once every user includes the common header.
#include "squeezefs/common/result.h"
#include "squeezefs/common/storage_error.h"

namespace squeezefs::fs {
using squeezefs::fail;
using squeezefs::Result;
using squeezefs::Unexpected;
inline std::error_code storage_error(const std::exception& e) noexcept {
  return posix_error_of(e);
}
}  // namespace squeezefs::fs
