#include <fuse_lowlevel.h>

#include <memory>
#include <string>
#include <vector>

#include "fuse_ops.h"
#include "squeezefs/fs/fuse_adapter.h"
#include "squeezefs/fs/log.h"

namespace squeezefs::fs {
namespace {

struct SessionCloser {
  void operator()(fuse_session* se) const { fuse_session_destroy(se); }
};
struct LoopConfigCloser {
  void operator()(fuse_loop_config* c) const { fuse_loop_cfg_destroy(c); }
};

}  // namespace

bool run_fuse(Filesystem& fs, const FuseSettings& settings, const std::function<void()>& on_ready) {
  std::string joined;
  for (const auto& o : settings.kernel_options) {
    if (!joined.empty()) joined += ',';
    joined += o;
  }
  std::vector<std::string> argv_text{"squeezefs"};
  if (!joined.empty()) {
    argv_text.emplace_back("-o");
    argv_text.push_back(joined);
  }
  if (settings.debug) argv_text.emplace_back("-d");
  std::vector<char*> argv;
  for (auto& a : argv_text) argv.push_back(a.data());
  fuse_args args = FUSE_ARGS_INIT(static_cast<int>(argv.size()), argv.data());

  const auto ops = make_fuse_ops();
  const std::unique_ptr<fuse_session, SessionCloser> se(
      fuse_session_new(&args, &ops, sizeof(ops), &fs));
  fuse_opt_free_args(&args);  // libfuse may have copied the arguments while parsing them
  if (!se) {
    log().error("cannot create the FUSE session (options: {})", joined);
    return false;
  }
  if (fuse_set_signal_handlers(se.get()) != 0) {
    log().error("cannot install signal handlers");
    return false;
  }
  if (fuse_session_mount(se.get(), settings.mountpoint.c_str()) != 0) {
    fuse_remove_signal_handlers(se.get());
    log().error("cannot mount at {}", settings.mountpoint);
    return false;
  }
  log().info("mounted {} at {}", fs.layout().root().string(), settings.mountpoint);
  on_ready();
  const std::unique_ptr<fuse_loop_config, LoopConfigCloser> config(fuse_loop_cfg_create());
  fuse_loop_cfg_set_max_threads(config.get(), 8);
  const int rc = fuse_session_loop_mt(se.get(), config.get());
  fuse_session_unmount(se.get());
  fuse_remove_signal_handlers(se.get());
  fs.sync();
  log().info("unmounted {} (loop status {})", settings.mountpoint, rc);
  return true;
}

}  // namespace squeezefs::fs
