#pragma once

// Forwarding header while the code moves to squeezefs/common/file_io.h.
// TODO(#16): removed once every user includes the common header.
#include "squeezefs/common/file_io.h"

namespace squeezefs::fs {
using squeezefs::FileIo;
using squeezefs::IoFile;
using squeezefs::OpenMode;
using squeezefs::posix_file_io;
}  // namespace squeezefs::fs
