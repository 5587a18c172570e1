// mount.squeezefs STORE MOUNTPOINT [-sfnv] [-o OPTIONS] [-t TYPE]: the helper mount(8) runs (as
// /sbin/mount.fuse.squeezefs) for `mount -t fuse.squeezefs STORE MOUNTPOINT` and fstab lines of
// type fuse.squeezefs; it runs `squeezefs mount` from the same directory (else from PATH).
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

int main(int argc, char** argv) {
  std::vector<std::string> positional;
  std::string options;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "-o" && i + 1 < argc) {
      options += (options.empty() ? "" : ",") + std::string(argv[++i]);
    } else if (arg.rfind("-o", 0) == 0 && arg.size() > 2) {
      options += (options.empty() ? "" : ",") + arg.substr(2);
    } else if (arg == "-t" && i + 1 < argc) {
      ++i;  // the type mount(8) matched us by (fuse.squeezefs)
    } else if (arg == "-n" || arg == "-s" || arg == "-v" || arg == "-f") {
      continue;  // mount(8) flags without meaning here (fake mounts are not supported)
    } else {
      positional.push_back(arg);
    }
  }
  if (positional.size() != 2) {
    std::fprintf(stderr, "usage: mount.squeezefs STORE MOUNTPOINT [-o OPTIONS] [-t TYPE]\n");
    return 2;
  }
  std::error_code ec;
  const auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  std::string program = "squeezefs";
  if (!ec && std::filesystem::exists(self.parent_path() / "squeezefs"))
    program = (self.parent_path() / "squeezefs").string();
  std::vector<std::string> args{program, "mount", positional[0], positional[1]};
  if (!options.empty()) {
    args.emplace_back("-o");
    args.push_back(options);
  }
  std::vector<char*> cargs;
  for (auto& a : args) cargs.push_back(a.data());
  cargs.push_back(nullptr);
  ::execvp(cargs[0], cargs.data());
  std::fprintf(stderr, "mount.squeezefs: cannot run %s: %s\n", program.c_str(),
               std::strerror(errno));
  return 1;
}
