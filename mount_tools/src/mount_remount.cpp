#include "mount_remount.h"

#include <sys/mount.h>

#include <cerrno>
#include <optional>
#include <set>
#include <sstream>
#include <system_error>

#include "commands.h"
#include "control_client.h"
#include "mount_flags.h"
#include "mount_table.h"
#include "squeezefs/codecs/registry.h"

namespace squeezefs::tools {
namespace {

std::vector<std::string> split_options(const std::vector<std::string>& option_lists) {
  std::vector<std::string> out;
  for (const auto& list : option_lists) {
    std::stringstream in(list);
    for (std::string o; std::getline(in, o, ',');) {
      if (!o.empty()) out.push_back(o);
    }
  }
  return out;
}

bool starts_with_any(const std::string& o, std::initializer_list<std::string_view> prefixes) {
  for (const auto p : prefixes) {
    if (o.starts_with(p)) return true;
  }
  return false;
}

// What the daemon is told: its part of the mount's options.
nlohmann::json daemon_state(const MountFlags& flags, const std::optional<std::string>& codec) {
  const auto policy = atime_policy(flags);
  nlohmann::json request{{"op", "remount"},
                         {"read_only", flags.has(MS_RDONLY)},
                         {"atime", policy == fs::AtimePolicy::kNever    ? "noatime"
                                   : policy == fs::AtimePolicy::kStrict ? "strictatime"
                                                                        : "relatime"},
                         {"diratime", !flags.has(MS_NODIRATIME)},
                         {"synchronous", flags.has(MS_SYNCHRONOUS | MS_DIRSYNC)}};
  if (codec) request["codec"] = *codec;
  return request;
}

[[noreturn]] void refuse(const std::string& option, const std::string& why) {
  throw CommandError(
      "'" + option + "' cannot be changed by a remount (" + why + "): unmount and mount again",
      kExitUsage);
}

}  // namespace

bool wants_remount(const std::vector<std::string>& option_lists) {
  for (const auto& o : split_options(option_lists)) {
    if (o == "remount") return true;
  }
  return false;
}

void remount(const std::string& mountpoint, const std::vector<std::string>& option_lists) {
  const auto store = store_of_mount(mountpoint);
  std::error_code ec;
  const auto mnt = std::filesystem::canonical(mountpoint, ec).string();
  const MountFlags before = current_flags(mnt);
  std::set<std::string> super;
  {
    std::stringstream in(mount_super_options(mnt));
    for (std::string o; std::getline(in, o, ',');) super.insert(o);
  }
  MountFlags after = before;
  std::optional<std::string> codec;
  for (const auto& o : split_options(option_lists)) {
    if (o == "remount" || o == "defaults" || o == "auto" || o == "noauto" || o == "nofail" ||
        o == "_netdev" || o == "user" || o == "users" || o == "nouser" || o == "owner" ||
        o == "group" || o.starts_with("x-") || o.starts_with("comment=") ||
        o.starts_with("fsname=") || o.starts_with("subtype=")) {
      continue;
    }
    if (apply_flag_option(o, after)) continue;
    if (o.starts_with("codec=")) {
      std::string error;
      if (!codecs::parse_codec_choice(o.substr(6), error)) throw CommandError(error, kExitUsage);
      codec = o.substr(6);
    } else if (o == "default_permissions" || o == "allow_other" ||
               starts_with_any(o, {"user_id=", "group_id=", "max_read=", "blksize="})) {
      // mount(8) repeats these from /proc/self/mountinfo; they can only stay as they are.
      if (!super.contains(o)) refuse(o, "FUSE keeps the options it was mounted with");
    } else if (starts_with_any(o, {"cache_size=", "dirty_size=", "compact_after=",
                                   "compact_interval=", "commit=", "store_wait="}) ||
               o == "debug" || o == "auto_unmount") {
      refuse(o, "the daemon took it when it started");
    } else {
      throw CommandError("unknown mount option '" + o + "'", kExitUsage);
    }
  }
  // The kernel takes dirsync only when it mounts (ext4 behaves the same).
  if (after.has(MS_DIRSYNC) != before.has(MS_DIRSYNC))
    refuse(after.has(MS_DIRSYNC) ? "dirsync" : "nodirsync", "the kernel sets it only at mount");
  // The daemon first: it refuses to become writable when it opened the store read-only, and
  // writes everything back before the kernel turns writes away.
  (void)call_daemon(store, daemon_state(after, std::nullopt), {});
  if (::mount(nullptr, mnt.c_str(), nullptr,
              MS_REMOUNT | (after.bits & ~static_cast<unsigned long>(MS_DIRSYNC)), nullptr) != 0) {
    const int error = errno;
    try {
      (void)call_daemon(store, daemon_state(before, std::nullopt), {});
    } catch (const CommandError&) {
      // The remount's own error says more.
    }
    std::string why = std::error_code(error, std::generic_category()).message();
    if (error == EBUSY && after.has(MS_RDONLY))
      why += " (files are open for writing: close them first)";
    throw CommandError("cannot remount " + mnt + ": " + why, kExitFailure);
  }
  // Now with the codec; going read-only, it also writes back what the kernel handed over while
  // remounting.
  (void)call_daemon(store, daemon_state(after, codec), {});
}

}  // namespace squeezefs::tools
