// `squeezefs umount MOUNTPOINT|STORE [--timeout SECONDS]`: unmounts a store and returns once its
// daemon has flushed, committed, synced and exited, so the store can be mounted, checked or
// compacted right after.
#include <sys/mount.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>
#include <system_error>

#include "commands.h"
#include "daemon_sync.h"
#include "mount_table.h"
#include "squeezefs/fs/maint/maint_service.h"
#include "store_wait.h"

namespace squeezefs::tools {
namespace {

SqueezefsMount find_mount(const std::string& target) {
  if (auto store = mounted_store(target)) {
    std::error_code ec;
    auto mount_point = std::filesystem::canonical(target, ec);
    if (ec) mount_point = std::filesystem::absolute(target).lexically_normal();
    return SqueezefsMount{*store, mount_point};
  }
  if (auto mount = mount_of_store(target)) return *mount;
  throw CommandError(target +
                         " is not mounted (neither the mount point of a squeezefs store nor "
                         "a mounted store)",
                     kExitFailure);
}

// Root unmounts directly; a user who mounted goes through the setuid fusermount3, as mount did.
void unmount(const std::filesystem::path& mount_point) {
  const std::string mnt = mount_point.string();
  if (::geteuid() == 0) {
    if (::umount2(mnt.c_str(), UMOUNT_NOFOLLOW) == 0) return;
    const int error = errno;
    if (error == EBUSY) {
      throw CommandError(
          "cannot unmount " + mnt + ": it is busy (a process has files open or works in it)",
          kExitFailure);
    }
    throw CommandError(
        "cannot unmount " + mnt + ": " + std::error_code(error, std::generic_category()).message(),
        kExitFailure);
  }
  const pid_t pid = ::fork();
  if (pid < 0) throw CommandError("cannot fork", kExitFailure);
  if (pid == 0) {
    ::execlp("fusermount3", "fusermount3", "-u", "--", mnt.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    throw CommandError("cannot unmount " + mnt +
                           (WIFEXITED(status) && WEXITSTATUS(status) == 127
                                ? std::string(": fusermount3 not found")
                                : std::string(": fusermount3 -u failed (see its message above)")),
                       kExitFailure);
  }
}

// A mount whose daemon died (killed, crashed) answers every request with ENOTCONN; nothing can be
// written back through it any more, and unmounting it is all that is left to do. statfs asks the
// daemon every time, where stat may be answered from the kernel's attribute cache.
bool daemon_is_gone(const std::filesystem::path& mount_point) {
  struct statvfs st {};
  return ::statvfs(mount_point.c_str(), &st) != 0 && errno == ENOTCONN;
}

void run_umount(const std::string& target, std::chrono::seconds timeout) {
  const auto mount = find_mount(target);
  const fs::StoreLayout layout(mount.store);
  if (daemon_is_gone(mount.mount_point)) {
    std::cerr << "squeezefs: the daemon of " << mount.mount_point.string()
              << " has stopped; unmounting what it left. Changes it had not committed are lost: "
                 "check the store with 'squeezefs fsck "
              << mount.store.string() << "'\n";
  } else if (std::filesystem::exists(fs::maint::MaintService::socket_path(layout))) {
    // Written data reaches the store while the mount is still there, so a failure to write it
    // back is reported (and the mount kept) instead of ending up only in the daemon's log. A
    // daemon without a control socket (read-only media) still writes everything back at the
    // unmount.
    try {
      sync_mount(mount);
    } catch (const CommandError& e) {
      throw CommandError(std::string(e.what()) + "; not unmounted", kExitFailure);
    }
  }
  unmount(mount.mount_point);
  // The daemon lets the store go only when it has flushed, committed and synced, as it exits.
  wait_for_daemon_exit(layout, timeout);
}

}  // namespace

void register_umount(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "umount", "Unmount a store; returns once its daemon has written everything and exited");
  auto target = std::make_shared<std::string>();
  auto timeout = std::make_shared<unsigned>(static_cast<unsigned>(kDefaultStoreWait.count()));
  cmd->add_option("TARGET", *target, "The mount point, or the store directory")->required();
  cmd->add_option("--timeout", *timeout,
                  "Seconds to wait for the daemon to finish after the unmount (default 60)")
      ->check(CLI::Range(0U, 86400U));
  cmd->callback([=] { run_umount(*target, std::chrono::seconds(*timeout)); });
}

}  // namespace squeezefs::tools
