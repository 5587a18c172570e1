#include "store_wait.h"

#include <unistd.h>

#include <cstdio>
#include <functional>
#include <optional>
#include <string>

#include "commands.h"
#include "mount_table.h"

namespace squeezefs::tools {
namespace {

// The lock, or std::nullopt on timeout. `on_live_mount` is called (and must throw) when the store
// turns out to be mounted; until then the holder is taken for a daemon finishing or a command.
// `announce`: say on a terminal that this waits (umount's wait is expected and says nothing).
std::optional<fs::StoreLock> acquire(
    const fs::StoreLayout& layout, std::chrono::seconds timeout, int code, bool announce,
    const std::function<void(const SqueezefsMount&)>& on_live_mount) {
  const bool tty = announce && ::isatty(STDERR_FILENO) == 1;
  bool said = false;
  try {
    return fs::StoreLock::acquire_waiting(
        layout, timeout, [&](std::chrono::milliseconds /*waited*/) {
          if (const auto live = mount_of_store(layout.root())) on_live_mount(*live);
          if (tty && !said && timeout.count() > 0) {
            std::fprintf(stderr,
                         "squeezefs: waiting up to %llds for %s to be released (its daemon is "
                         "finishing, or another squeezefs command uses it)\n",
                         static_cast<long long>(timeout.count()), layout.root().c_str());
            said = true;
          }
          return true;
        });
  } catch (const std::system_error& e) {
    throw CommandError(std::string("cannot lock the store: ") + e.what(), code);
  }
}

}  // namespace

CLI::Option* add_wait_option(CLI::App& cmd, const std::shared_ptr<unsigned>& seconds) {
  *seconds = static_cast<unsigned>(kDefaultStoreWait.count());
  return cmd
      .add_option("--wait", *seconds,
                  "Seconds to wait for the store's daemon to finish after an unmount, or for "
                  "another squeezefs command, before giving up (default 60, 0: do not wait)")
      ->check(CLI::Range(0U, 86400U));
}

fs::StoreLock lock_store_waiting(const fs::StoreLayout& layout, std::chrono::seconds timeout,
                                 int code, bool mounting) {
  const auto store = layout.root().string();
  auto lock = acquire(layout, timeout, code, true, [&](const SqueezefsMount& live) {
    throw CommandError(store + (mounting ? " is already mounted at " : " is mounted at ") +
                           live.mount_point.string() + "; unmount it first (squeezefs umount " +
                           live.mount_point.string() + ")",
                       code);
  });
  if (!lock) {
    throw CommandError(store + " is still in use after " + std::to_string(timeout.count()) +
                           " s (by its daemon finishing after an unmount, or by another squeezefs "
                           "command)",
                       code);
  }
  return std::move(*lock);
}

void wait_for_daemon_exit(const fs::StoreLayout& layout, std::chrono::seconds timeout) {
  const auto store = layout.root().string();
  const auto lock = acquire(layout, timeout, kExitFailure, false, [&](const SqueezefsMount& live) {
    throw CommandError(store + " was mounted again at " + live.mount_point.string() +
                           " before its daemon was seen to finish",
                       kExitFailure);
  });
  if (!lock) {
    throw CommandError("unmounted, but the daemon of " + store + " is still finishing after " +
                           std::to_string(timeout.count()) + " s (see " + layout.log().string() +
                           ")",
                       kExitFailure);
  }
}

}  // namespace squeezefs::tools
