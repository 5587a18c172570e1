// mount.squeezefs STORE MOUNTPOINT [-sfnv] [-N NAMESPACE] [-o OPTIONS] [-t TYPE]: the helper
// mount(8) runs (as /sbin/mount.fuse.squeezefs) for `mount -t fuse.squeezefs STORE MOUNTPOINT` and
// fstab lines of type fuse.squeezefs; it runs `squeezefs mount` from the same directory (else from
// PATH). The flags are mount(8)'s: -f fake (do nothing), -v verbose (say what it runs), -n (no
// mtab; none is written anyway), -s sloppy (accepted; unknown options are still refused), -N
// mount in another mount namespace (a PID or a namespace file). `mount -o remount,... MOUNTPOINT`
// runs it too, with the mount's options from /proc/self/mountinfo and "remount" among them:
// `squeezefs mount` then remounts (see mount_remount.h).
#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

namespace {

struct HelperRequest {
  std::vector<std::string> positional;
  std::string options;
  std::string name_space;
  bool fake = false;
  bool verbose = false;
};

// "-sfnv" style flags, alone or grouped; false for anything else.
bool take_flags(const std::string& arg, HelperRequest& req) {
  if (arg.size() < 2 || arg[0] != '-' || arg.find_first_not_of("sfnv", 1) != std::string::npos)
    return false;
  for (const char c : arg.substr(1)) {
    if (c == 'f') req.fake = true;
    if (c == 'v') req.verbose = true;
  }
  return true;
}

// Enters the mount namespace of a PID, or the one a namespace file (/proc/PID/ns/mnt, a bind
// mount of one) names.
bool enter_namespace(const std::string& name_space) {
  const bool pid = name_space.find_first_not_of("0123456789") == std::string::npos;
  const std::string path = pid ? "/proc/" + name_space + "/ns/mnt" : name_space;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0 || ::setns(fd, CLONE_NEWNS) != 0) {
    std::fprintf(stderr, "mount.squeezefs: cannot enter the mount namespace %s: %s\n", path.c_str(),
                 std::strerror(errno));
    if (fd >= 0) ::close(fd);
    return false;
  }
  ::close(fd);
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  HelperRequest req;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "-o" && i + 1 < argc) {
      req.options += (req.options.empty() ? "" : ",") + std::string(argv[++i]);
    } else if (arg.rfind("-o", 0) == 0 && arg.size() > 2) {
      req.options += (req.options.empty() ? "" : ",") + arg.substr(2);
    } else if (arg == "-t" && i + 1 < argc) {
      ++i;  // the type mount(8) matched us by (fuse.squeezefs)
    } else if (arg == "-N" && i + 1 < argc) {
      req.name_space = argv[++i];
    } else if (!take_flags(arg, req)) {
      req.positional.push_back(arg);
    }
  }
  if (req.positional.size() != 2) {
    std::fprintf(stderr,
                 "usage: mount.squeezefs STORE MOUNTPOINT [-sfnv] [-N NAMESPACE] [-o OPTIONS] "
                 "[-t TYPE]\n");
    return 2;
  }
  std::error_code ec;
  const auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  std::string program = "squeezefs";
  if (!ec && std::filesystem::exists(self.parent_path() / "squeezefs"))
    program = (self.parent_path() / "squeezefs").string();
  std::vector<std::string> args{program, "mount", req.positional[0], req.positional[1]};
  if (!req.options.empty()) {
    args.emplace_back("-o");
    args.push_back(req.options);
  }
  if (req.verbose) {
    std::string line;
    for (const auto& a : args) line += (line.empty() ? "" : " ") + a;
    std::printf("mount.squeezefs: %s%s\n", req.fake ? "would run: " : "running: ", line.c_str());
    std::fflush(stdout);
  }
  if (req.fake) return 0;  // mount -f: everything but the mount itself
  if (!req.name_space.empty() && !enter_namespace(req.name_space)) return 1;
  std::vector<char*> cargs;
  for (auto& a : args) cargs.push_back(a.data());
  cargs.push_back(nullptr);
  ::execvp(cargs[0], cargs.data());
  std::fprintf(stderr, "mount.squeezefs: cannot run %s: %s\n", program.c_str(),
               std::strerror(errno));
  return 1;
}
