#include "mounted_store.h"

#include <fcntl.h>
#include <grp.h>
#include <gtest/gtest.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>
#include <vector>

namespace squeezefs::testing {

std::string squeezefs_binary() {
  return std::string(SQUEEZEFS_BIN_DIR) + "/squeezefs";
}

std::string lend_mount_helper(const MountedStore& store) {
  const auto sbin = store.dir() + "/sbin";
  std::filesystem::create_directory(sbin);
  std::filesystem::create_symlink(std::string(SQUEEZEFS_BIN_DIR) + "/mount.squeezefs",
                                  sbin + "/mount.fuse.squeezefs");
  return sbin;
}

int run_quiet(const std::string& command) {
  const int status = std::system((command + " >/dev/null 2>&1").c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::pair<int, std::string> run_capture(const std::string& command) {
  std::string output;
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return {-1, output};
  char buf[512];
  std::size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof buf, pipe)) > 0) output.append(buf, n);
  const int status = ::pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, output};
}

MountedStore::MountedStore() {
  std::string pattern = (std::filesystem::temp_directory_path() / "squeezefs-it-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  dir_ = pattern;
  // Users other than root take part in permission tests; they must reach the mount point.
  std::filesystem::permissions(dir_, std::filesystem::perms(0755));
  store_ = dir_ + "/store";
  mnt_ = dir_ + "/mnt";
  std::filesystem::create_directory(mnt_);
}

MountedStore::~MountedStore() {
  if (mounted_) {
    unmount();
    if (mounted_) run_quiet("umount -l " + mnt_);
  }
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

int MountedStore::mkfs(const std::string& args) {
  return run_quiet(squeezefs_binary() + " mkfs " + store_ + " " + args);
}

int MountedStore::mount(const std::string& args) {
  const auto [rc, output] =
      run_capture(squeezefs_binary() + " mount " + store_ + " " + mnt_ + " " + args);
  if (rc == 0) {
    mounted_ = true;
  } else {
    // Some tests expect the refusal; for the others this says why their mount failed.
    std::cerr << "mount " << store_ << " " << args << " exited with " << rc << ": " << output;
  }
  return rc;
}

void MountedStore::unmount() {
  if (!mounted_) return;
  if (const auto [rc, output] = run_capture("fusermount3 -u " + mnt_); rc != 0) {
    ADD_FAILURE() << "fusermount3 -u " << mnt_ << " exited with " << rc << ": " << output;
    return;
  }
  mounted_ = false;
  // The daemon flushes after the kernel lets go; it holds its flock on the index until it exits.
  const int fd = ::open((store_ + "/index.db").c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  bool released = false;
  while (!(released = ::flock(fd, LOCK_EX | LOCK_NB) == 0) &&
         std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  ::close(fd);
  if (!released) ADD_FAILURE() << "the daemon of " << store_ << " still runs 30 s after unmount";
}

int in_child(const std::function<int()>& f, int uid, int gid) {
  const pid_t pid = ::fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    if (gid >= 0 && (::setgroups(0, nullptr) != 0 ||
                     ::setresgid(static_cast<gid_t>(gid), static_cast<gid_t>(gid),
                                 static_cast<gid_t>(gid)) != 0))
      ::_exit(125);
    if (uid >= 0 &&
        ::setresuid(static_cast<uid_t>(uid), static_cast<uid_t>(uid), static_cast<uid_t>(uid)) != 0)
      ::_exit(126);
    ::_exit(f());
  }
  int status = 0;
  if (::waitpid(pid, &status, 0) != pid) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int in_child(const std::function<int()>& f, int uid, int gid, const std::vector<gid_t>& groups) {
  return in_child([&] {
    if (::setgroups(groups.size(), groups.data()) != 0 ||
        ::setresgid(static_cast<gid_t>(gid), static_cast<gid_t>(gid), static_cast<gid_t>(gid)) != 0)
      return 125;
    if (::setresuid(static_cast<uid_t>(uid), static_cast<uid_t>(uid), static_cast<uid_t>(uid)) != 0)
      return 126;
    return f();
  });
}

int err_of(long rc) {
  return rc < 0 ? errno : 0;
}

std::string tree_digest(const std::string& dir) {
  std::vector<std::string> lines;
  std::error_code ec;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir, ec)) {
    // SQLite's shared-memory WAL index changes whenever a live mount reads; it holds no data.
    if (e.path().string().ends_with("-shm")) continue;
    std::string line = e.path().string();
    if (e.is_regular_file()) {
      std::ifstream in(e.path(), std::ios::binary);
      std::ostringstream body;
      body << in.rdbuf();
      line += " " + std::to_string(std::hash<std::string>{}(body.str()));
    }
    lines.push_back(line);
  }
  std::sort(lines.begin(), lines.end());
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << path;
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

void write_file(const std::string& path, const std::string& data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  ASSERT_TRUE(out.good()) << path;
  out.write(data.data(), static_cast<std::streamsize>(data.size()));
  out.close();
  ASSERT_TRUE(out.good()) << path;
}

}  // namespace squeezefs::testing
