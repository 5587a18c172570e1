#include "killable_daemon.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <stdexcept>
#include <thread>

#include "mounted_store.h"

namespace squeezefs::testing {

bool is_mounted(const std::string& mnt) {
  return read_file("/proc/mounts").find(" " + mnt + " fuse.squeezefs") != std::string::npos;
}

KillableDaemon::KillableDaemon(const std::string& store, const std::string& mnt,
                               const std::string& log, const std::string& options)
    : mnt_(mnt) {
  const std::string binary = squeezefs_binary();
  pid_ = ::fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    const int out = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (out >= 0) {
      ::dup2(out, 1);
      ::dup2(out, 2);
    }
    if (options.empty()) {
      ::execl(binary.c_str(), binary.c_str(), "mount", "-f", store.c_str(), mnt.c_str(),
              static_cast<char*>(nullptr));
    } else {
      ::execl(binary.c_str(), binary.c_str(), "mount", "-f", store.c_str(), mnt.c_str(), "-o",
              options.c_str(), static_cast<char*>(nullptr));
    }
    ::_exit(127);
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (!is_mounted(mnt_)) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      throw std::runtime_error("the daemon exited before mounting (see " + log + ")");
    }
    if (std::chrono::steady_clock::now() > deadline) {
      kill();
      throw std::runtime_error("the daemon did not mount in time (see " + log + ")");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

KillableDaemon::~KillableDaemon() {
  if (pid_ >= 0 && run_quiet("fusermount3 -u " + mnt_) == 0) {
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
  }
  if (pid_ >= 0) kill();
  if (killed_ && run_quiet("fusermount3 -u -z " + mnt_) != 0) run_quiet("umount -l " + mnt_);
}

void KillableDaemon::kill() {
  ::kill(pid_, SIGKILL);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
  killed_ = true;
}

}  // namespace squeezefs::testing
