#pragma once

#include "mount_table.h"

namespace squeezefs::tools {

// Makes everything written to `mount` so far durable: hands the kernel's cached writes to the
// daemon (syncfs), then has the daemon flush, commit and sync through its control socket. Throws
// CommandError (kExitFailure) saying why when it could not.
void sync_mount(const SqueezefsMount& mount);

}  // namespace squeezefs::tools
