#pragma once

#include <CLI/CLI.hpp>
#include <chrono>
#include <memory>

#include "squeezefs/fs/store_layout.h"
#include "squeezefs/fs/store_lock.h"

namespace squeezefs::tools {

// How long mount, fsck, compact and umount wait, by default, for the daemon of a store to finish
// after its unmount (it flushes, commits and syncs before it lets the store go).
constexpr std::chrono::seconds kDefaultStoreWait{60};

// Adds `--wait SECONDS` (0 to 86400; default kDefaultStoreWait) to `cmd`, stored in `seconds`.
CLI::Option* add_wait_option(CLI::App& cmd, const std::shared_ptr<unsigned>& seconds);

// Takes the store's lock for mount, fsck or compact. While a daemon that is no longer mounted
// (it is finishing after an unmount) or another squeezefs command holds it, waits for up to
// `timeout`, saying so in one line on stderr when that is a terminal. A live mount of the store
// is refused at once with a message naming its mount point. Throws CommandError with `code`
// when refused, on timeout, or when the index cannot be opened. `mounting`: the caller is a
// mount, for which a live mount means the store is mounted already.
fs::StoreLock lock_store_waiting(const fs::StoreLayout& layout, std::chrono::seconds timeout,
                                 int code, bool mounting = false);

// For umount: waits up to `timeout` until the daemon of the just unmounted store has exited (it
// releases the store's lock last). Throws CommandError (kExitFailure) on timeout, when the store
// is mounted again meanwhile, or when the index cannot be opened.
void wait_for_daemon_exit(const fs::StoreLayout& layout, std::chrono::seconds timeout);

}  // namespace squeezefs::tools
