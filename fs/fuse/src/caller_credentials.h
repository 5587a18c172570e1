#pragma once

#include <cstdint>

#include "squeezefs/fs/caller.h"

namespace squeezefs::fs {

// The supplementary groups and CAP_FSETID of the thread `tid` that sent a request, from
// /proc/TID/status (what fuse_req_getgroups() reads, plus the effective capabilities). When that
// cannot be read (tid 0: a thread outside the daemon's pid namespace), the caller has no
// supplementary groups and CAP_FSETID only as uid 0.
CallerCredentials read_caller_credentials(std::int32_t tid, std::uint32_t uid);

}  // namespace squeezefs::fs
