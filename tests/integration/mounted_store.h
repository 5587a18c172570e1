#pragma once

#include <string>

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

// Runs a shell command with stdout/stderr discarded; returns its exit code.
int run_quiet(const std::string& command);
// The built squeezefs binary.
std::string squeezefs_binary();

// Whole-file helpers that fail the current test on errors.
std::string read_file(const std::string& path);
void write_file(const std::string& path, const std::string& data);

}  // namespace squeezefs::testing
