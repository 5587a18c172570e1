#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "squeezefs/fs/namespace.h"

namespace squeezefs::tools {

// The generic mount flags every Linux file system takes (mount(8)'s filesystem-independent
// options: ro, nodev, nosuid, noexec, sync, dirsync, lazytime and the atime options), kept as the
// MS_* bits of mount(2). What is not set is ext4's default, except that a FUSE mount is nosuid
// and nodev unless `suid` and `dev` are given (libfuse's default, kept for safety).
struct MountFlags {
  // libfuse's default for a new mount.
  unsigned long bits = kFuseDefaultBits;
  static constexpr unsigned long kFuseDefaultBits = 2 | 4;  // MS_NOSUID | MS_NODEV

  [[nodiscard]] bool has(unsigned long flag) const { return (bits & flag) != 0; }
};

// Applies `option` to `flags` and returns true when it is a generic mount flag: rw, ro, suid,
// nosuid, dev, nodev, exec, noexec, sync, async, dirsync, lazytime, nolazytime, atime, noatime,
// diratime, nodiratime, relatime, norelatime, strictatime, nostrictatime.
bool apply_flag_option(std::string_view option, MountFlags& flags);

// The flags as libfuse 3.14 takes them when it mounts: its table knows rw/ro, suid, dev, exec,
// sync/async, atime/noatime and dirsync; the others are set by mount_remount_bits() afterwards.
[[nodiscard]] std::vector<std::string> libfuse_flag_options(const MountFlags& flags);

// The flags libfuse cannot set (nodiratime, lazytime, strictatime): when any is wanted, the
// complete MS_* set for a remount (mount(2) with MS_REMOUNT) of the new mount; else 0.
[[nodiscard]] unsigned long mount_remount_bits(const MountFlags& flags);

// How the daemon updates access times under `flags` (the kernel leaves atime of a FUSE mount to
// it): never when read-only or noatime, on every access with strictatime, else relatime.
// nodiratime is separate: MS_NODIRATIME.
[[nodiscard]] fs::AtimePolicy atime_policy(const MountFlags& flags);

// The flags the mount at `mountpoint` has now (statvfs, plus lazytime and dirsync from
// /proc/self/mountinfo, which statvfs does not report).
[[nodiscard]] MountFlags current_flags(const std::string& mountpoint);

}  // namespace squeezefs::tools
