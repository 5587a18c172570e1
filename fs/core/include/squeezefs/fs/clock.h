#pragma once

#include <cstdint>

namespace squeezefs::fs {

// The clock of inode time stamps, in nanoseconds since the epoch.
//
// It is CLOCK_REALTIME_COARSE, the clock the kernel stamps a FUSE file's mtime and ctime with
// (current_time()) when its writeback cache takes a write, a truncate or an unlink without asking
// the daemon. With a finer clock the daemon's stamps (create, setattr) ran up to a clock tick
// ahead of the kernel's, and a write just after a create showed an mtime earlier than the
// create's. Thread-safe.
[[nodiscard]] std::int64_t now_ns();

// A stamp that replaces `stored` (a ctime, or an mtime the daemon sets to now): now_ns(), but
// never earlier than `stored`. The kernel's coarse time may run slightly ahead of the one user
// space reads (the multigrain time stamp floor of kernel 6.13 and later), and its stamps reach
// the index through setattr; a later stamp by the daemon must not go back before them. Explicit
// times (utimensat) are stored as given and do not pass through here.
[[nodiscard]] std::int64_t now_after_ns(std::int64_t stored);

// A stamp that must come after `latest` (an atime that relatime compares with mtime and ctime):
// now_ns(), or `latest` + 1 ns when the clock has not moved past `latest` yet (a stamp from the
// same coarse clock tick, or from the kernel's floor). A `latest` further ahead (set by
// utimensat) is left alone.
[[nodiscard]] std::int64_t now_past_ns(std::int64_t latest);

}  // namespace squeezefs::fs
