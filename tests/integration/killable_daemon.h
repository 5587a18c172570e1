#pragma once

#include <sys/types.h>

#include <string>

namespace squeezefs::testing {

// Whether a squeezefs mount is at `mnt` (per /proc/mounts).
bool is_mounted(const std::string& mnt);

// `squeezefs mount -f STORE MNT [-o OPTIONS]` as a child process that can be SIGKILLed, its output
// appended to `log`. The constructor returns once the mount is up (and throws if the daemon exits
// or does not mount within 20 s). The destructor unmounts a live daemon, and lazily unmounts
// (fusermount3 -u -z) the dead mount a kill leaves behind, as an administrator would, so no mount
// outlives the object.
class KillableDaemon {
 public:
  // `options`: a mount option list for -o (none when empty).
  KillableDaemon(const std::string& store, const std::string& mnt, const std::string& log,
                 const std::string& options = "");
  KillableDaemon(const KillableDaemon&) = delete;
  KillableDaemon& operator=(const KillableDaemon&) = delete;
  ~KillableDaemon();

  // SIGKILL. The dead mount stays (every access fails with ENOTCONN) until the destructor, so
  // nothing can write into the mount point directory underneath it meanwhile.
  void kill();

 private:
  std::string mnt_;
  pid_t pid_ = -1;
  bool killed_ = false;
};

}  // namespace squeezefs::testing
