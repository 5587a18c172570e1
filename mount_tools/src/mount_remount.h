#pragma once

#include <string>
#include <vector>

namespace squeezefs::tools {

// Whether a list of -o option lists asks for a remount.
[[nodiscard]] bool wants_remount(const std::vector<std::string>& option_lists);

// `squeezefs mount -o remount,OPTIONS [STORE] MOUNTPOINT`, and mount(8)'s `mount -o remount,...
// MOUNTPOINT`, which runs the mount.fuse.squeezefs helper with the mount's present options (from
// /proc/self/mountinfo) followed by the new ones. Options not named keep their present value.
//
// Changes the generic mount flags (ro/rw, nodev, nosuid, noexec, sync, lazytime and the atime
// options: the kernel's and the daemon's part of each) and the codec of new blocks. The daemon is
// told through its control socket before the kernel remounts (going read-only it writes back
// everything and stops compaction), and again after. Throws CommandError for options a remount
// cannot change (the daemon's memory and timing options, dirsync, the FUSE options the kernel
// keeps), a mount that is not squeezefs, a store mounted -o ro that should become writable, and
// a remount the kernel refuses (EBUSY: files open for writing when going read-only).
void remount(const std::string& mountpoint, const std::vector<std::string>& option_lists);

}  // namespace squeezefs::tools
