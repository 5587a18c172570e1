#pragma once

#include <sys/types.h>

#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace squeezefs::testing {

// A store and a mount point in a fresh temporary directory, driven through the built
// `squeezefs` binary. The destructor unmounts (if mounted) and removes the directory.
class MountedStore {
 public:
  MountedStore();
  MountedStore(const MountedStore&) = delete;
  MountedStore& operator=(const MountedStore&) = delete;
  ~MountedStore();

  // `squeezefs mkfs` with extra arguments; returns the exit code.
  int mkfs(const std::string& args = "--block-size 4K");
  // `squeezefs mount STORE MNT` with extra arguments; returns the exit code.
  int mount(const std::string& args = "");
  // fusermount3 -u, then waits until the daemon has flushed and released the store lock.
  void unmount();

  [[nodiscard]] const std::string& dir() const { return dir_; }
  [[nodiscard]] const std::string& store() const { return store_; }
  [[nodiscard]] const std::string& mnt() const { return mnt_; }
  // A path inside the mount.
  [[nodiscard]] std::string path(const std::string& name) const { return mnt_ + "/" + name; }

 private:
  std::string dir_;
  std::string store_;
  std::string mnt_;
  bool mounted_ = false;
};

// mount(8) finds helpers in /sbin: a directory under `store`'s holding only mount.fuse.squeezefs
// (a link to the built helper), for a test to bind over /usr/sbin (where /sbin points) in a
// private mount namespace, so that nothing outside the test changes. Returns its path.
std::string lend_mount_helper(const MountedStore& store);

// Runs a shell command with stdout/stderr discarded; returns its exit code.
int run_quiet(const std::string& command);
// Runs a shell command; returns its exit code and its stdout and stderr together.
std::pair<int, std::string> run_capture(const std::string& command);
// The built squeezefs binary.
std::string squeezefs_binary();

// Runs `f` in a forked child and returns its result (by convention an errno value, 0 for
// success), or -1 when the child did not exit normally. With `uid`/`gid` set, the child drops
// its supplementary groups and switches to them (setresgid/setresuid) first, so the kernel checks
// permissions as that user. Keep `f` to system calls: the parent may have other threads.
int in_child(const std::function<int()>& f, int uid = -1, int gid = -1);
// in_child() as `uid`/`gid` with the supplementary groups `groups` instead of none.
int in_child(const std::function<int()>& f, int uid, int gid, const std::vector<gid_t>& groups);
// errno when `rc` reports a failure (negative), else 0.
int err_of(long rc);
// A digest of every file under `dir` (names, sizes and contents; not SQLite's -shm files), to
// show a directory unchanged.
std::string tree_digest(const std::string& dir);

// Whole-file helpers that fail the current test on errors.
std::string read_file(const std::string& path);
void write_file(const std::string& path, const std::string& data);

}  // namespace squeezefs::testing
