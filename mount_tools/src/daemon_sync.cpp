#include "daemon_sync.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <string>
#include <system_error>

#include "commands.h"
#include "control_client.h"
#include "squeezefs/fs/maint/maint_service.h"
#include "store_access.h"

namespace squeezefs::tools {

void sync_mount(const SqueezefsMount& mount) {
  // With the kernel's writeback cache, data written through files still open may wait in the
  // page cache; syncfs hands it to the daemon (the kernel does not forward syncfs any further).
  const auto& dir = mount.mount_point;
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0 || ::syncfs(fd) != 0) {
    const int error = errno;
    if (fd >= 0) ::close(fd);
    throw CommandError("cannot sync " + dir.string() + ": " +
                           std::error_code(error, std::generic_category()).message(),
                       kExitFailure);
  }
  ::close(fd);
  // A store on read-only media, mounted -o ro, has no control socket and nothing to write back.
  const auto socket = fs::maint::MaintService::socket_path(fs::StoreLayout(mount.store));
  if (!std::filesystem::exists(socket) && unwritable_part(mount.store)) return;
  try {
    (void)call_daemon(mount.store, {{"op", "sync"}}, {});
  } catch (const CommandError& e) {
    throw CommandError("cannot sync " + dir.string() + ": " + e.what(), kExitFailure);
  }
}

}  // namespace squeezefs::tools
