#pragma once

#include <fuse_lowlevel.h>

#include <atomic>

#include "side_thread.h"
#include "squeezefs/fs/core_api.h"

namespace squeezefs::fs {

// The request userdata: the file system being served and what the operations need of the session.
struct FuseContext {
  explicit FuseContext(CoreApi& served) : fs(served) {}

  CoreApi& fs;
  fuse_session* session = nullptr;           // set before the session loop starts
  std::atomic<bool> writeback_cache{false};  // negotiated at init
  SideThread side;                           // for requests that wait for the kernel's writeback
};

// The operation table; request userdata must be a FuseContext.
fuse_lowlevel_ops make_fuse_ops();

}  // namespace squeezefs::fs
