#pragma once

#include <fuse_lowlevel.h>

#include <atomic>

#include "side_thread.h"
#include "squeezefs/fs/filesystem.h"

namespace squeezefs::fs {

// The request userdata: the Filesystem being served and what the operations need of the session.
struct FuseContext {
  explicit FuseContext(Filesystem& served) : fs(served) {}

  Filesystem& fs;
  fuse_session* session = nullptr;           // set before the session loop starts
  std::atomic<bool> writeback_cache{false};  // negotiated at init
  SideThread side;                           // for requests that wait for the kernel's writeback
};

// The operation table; request userdata must be a FuseContext.
fuse_lowlevel_ops make_fuse_ops();

}  // namespace squeezefs::fs
