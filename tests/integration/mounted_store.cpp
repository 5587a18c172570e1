#include "mounted_store.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

namespace squeezefs::testing {

std::string squeezefs_binary() {
  return std::string(SQUEEZEFS_BIN_DIR) + "/squeezefs";
}

int run_quiet(const std::string& command) {
  const int status = std::system((command + " >/dev/null 2>&1").c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

MountedStore::MountedStore() {
  std::string pattern = (std::filesystem::temp_directory_path() / "squeezefs-it-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  dir_ = pattern;
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
  const int rc = run_quiet(squeezefs_binary() + " mount " + store_ + " " + mnt_ + " " + args);
  if (rc == 0) mounted_ = true;
  return rc;
}

void MountedStore::unmount() {
  if (!mounted_) return;
  if (run_quiet("fusermount3 -u " + mnt_) != 0) return;
  mounted_ = false;
  // The daemon flushes after the kernel lets go; it holds the lock until it exits.
  const int fd = ::open((store_ + "/lock").c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) return;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (::flock(fd, LOCK_EX | LOCK_NB) != 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  ::close(fd);
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
