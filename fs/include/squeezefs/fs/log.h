#pragma once

// Forwarding header while the code moves to squeezefs/common/log.h.
// TODO(#16): removed once every user includes the common header.
#include "squeezefs/common/log.h"

namespace squeezefs::fs {
using squeezefs::log;
}  // namespace squeezefs::fs
