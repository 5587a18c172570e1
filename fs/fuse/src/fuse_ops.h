#pragma once

#include <fuse_lowlevel.h>

namespace squeezefs::fs {

// The operation table; request userdata must be the Filesystem being served.
fuse_lowlevel_ops make_fuse_ops();

}  // namespace squeezefs::fs
