#include "mount_flags.h"

#include <sys/mount.h>
#include <sys/statvfs.h>

#include <sstream>

#include "mount_table.h"

namespace squeezefs::tools {
namespace {

struct FlagOption {
  std::string_view name;
  unsigned long set;    // bits the option sets
  unsigned long clear;  // bits it clears
};

constexpr unsigned long kAtimeBits = MS_NOATIME | MS_STRICTATIME;

// As mount(8) reads them. relatime is the kernel's default, so it clears the other atime modes;
// norelatime asks for atime on every access (the kernel would keep relatime, but the daemon
// decides atime of a FUSE mount, and norelatime has always meant strictatime here).
constexpr FlagOption kFlagOptions[] = {
    {"rw", 0, MS_RDONLY},
    {"ro", MS_RDONLY, 0},
    {"suid", 0, MS_NOSUID},
    {"nosuid", MS_NOSUID, 0},
    {"dev", 0, MS_NODEV},
    {"nodev", MS_NODEV, 0},
    {"exec", 0, MS_NOEXEC},
    {"noexec", MS_NOEXEC, 0},
    {"async", 0, MS_SYNCHRONOUS},
    {"sync", MS_SYNCHRONOUS, 0},
    {"dirsync", MS_DIRSYNC, 0},
    {"lazytime", MS_LAZYTIME, 0},
    {"nolazytime", 0, MS_LAZYTIME},
    {"atime", 0, MS_NOATIME},
    {"noatime", MS_NOATIME, MS_STRICTATIME},
    {"diratime", 0, MS_NODIRATIME},
    {"nodiratime", MS_NODIRATIME, 0},
    {"relatime", 0, kAtimeBits},
    {"norelatime", MS_STRICTATIME, MS_NOATIME},
    {"strictatime", MS_STRICTATIME, MS_NOATIME},
    {"nostrictatime", 0, MS_STRICTATIME},
};

}  // namespace

bool apply_flag_option(std::string_view option, MountFlags& flags) {
  for (const auto& f : kFlagOptions) {
    if (f.name != option) continue;
    flags.bits = (flags.bits & ~f.clear) | f.set;
    return true;
  }
  return false;
}

std::vector<std::string> libfuse_flag_options(const MountFlags& flags) {
  // Only what differs from libfuse's defaults (rw, nosuid, nodev, exec, async): fusermount3,
  // which mounts for a daemon not run as root, warns about suid and dev and ignores them.
  std::vector<std::string> out;
  if (flags.has(MS_RDONLY)) out.emplace_back("ro");
  if (!flags.has(MS_NOSUID)) out.emplace_back("suid");
  if (!flags.has(MS_NODEV)) out.emplace_back("dev");
  if (flags.has(MS_NOEXEC)) out.emplace_back("noexec");
  if (flags.has(MS_SYNCHRONOUS)) out.emplace_back("sync");
  if (flags.has(MS_NOATIME)) out.emplace_back("noatime");
  if (flags.has(MS_DIRSYNC)) out.emplace_back("dirsync");
  return out;
}

unsigned long mount_remount_bits(const MountFlags& flags) {
  if (!flags.has(MS_NODIRATIME | MS_LAZYTIME | MS_STRICTATIME)) return 0;
  return flags.bits;
}

fs::AtimePolicy atime_policy(const MountFlags& flags) {
  if (flags.has(MS_RDONLY | MS_NOATIME)) return fs::AtimePolicy::kNever;
  return flags.has(MS_STRICTATIME) ? fs::AtimePolicy::kStrict : fs::AtimePolicy::kRelatime;
}

MountFlags current_flags(const std::string& mountpoint) {
  MountFlags flags;
  struct statvfs st {};
  if (::statvfs(mountpoint.c_str(), &st) == 0) {
    // The ST_* bits are the MS_* bits of the same meaning.
    constexpr unsigned long kShared =
        ST_RDONLY | ST_NOSUID | ST_NODEV | ST_NOEXEC | ST_SYNCHRONOUS | ST_NOATIME | ST_NODIRATIME;
    flags.bits = st.f_flag & kShared;
    if ((st.f_flag & (ST_NOATIME | ST_RELATIME)) == 0) flags.bits |= MS_STRICTATIME;
  }
  std::istringstream super(mount_super_options(mountpoint));
  for (std::string o; std::getline(super, o, ',');) {
    if (o == "lazytime") flags.bits |= MS_LAZYTIME;
    if (o == "dirsync") flags.bits |= MS_DIRSYNC;
  }
  return flags;
}

}  // namespace squeezefs::tools
