#pragma once

// Forwarding header while the code moves to squeezefs/common/unique_fd.h.
// TODO(#16): removed once every user includes the common header.
#include "squeezefs/common/unique_fd.h"

namespace squeezefs::fs {
using squeezefs::UniqueFd;
}  // namespace squeezefs::fs
