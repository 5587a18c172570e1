#pragma once

#include <functional>
#include <string>
#include <vector>

#include "squeezefs/fs/core_api.h"

namespace squeezefs::fs {

// How the FUSE session is set up. `kernel_options` are passed to libfuse as one -o list
// (fsname, subtype, default_permissions, allow_other, ro, ...).
struct FuseSettings {
  std::string mountpoint;
  std::string source;  // what is mounted (the store), for the log
  std::vector<std::string> kernel_options;
  // Generic mount flags libfuse cannot set (nodiratime, lazytime, strictatime): when not 0, the
  // complete MS_* set the mount gets by a remount (mount(2) MS_REMOUNT) once it answers requests,
  // before it is reported ready.
  unsigned long remount_flags = 0;
  bool debug = false;
};

// Mounts `fs` and serves requests on a multi-threaded loop until the file system is unmounted
// (fusermount3 -u) or SIGTERM/SIGINT/SIGHUP arrives; then unmounts and syncs everything.
// `on_ready` runs (on another thread) once the mount is in place and answers requests; not at all
// when the session ends first. Returns false (after logging why) when the session cannot be
// created or mounted; then `on_ready` is not called.
bool run_fuse(CoreApi& fs, const FuseSettings& settings, const std::function<void()>& on_ready);

}  // namespace squeezefs::fs
