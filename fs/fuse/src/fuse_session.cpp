#include <fuse_lowlevel.h>
#include <malloc.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "fuse_ops.h"
#include "squeezefs/common/log.h"
#include "squeezefs/fs/fuse_adapter.h"

namespace squeezefs::fs {
namespace {

struct SessionCloser {
  void operator()(fuse_session* se) const { fuse_session_destroy(se); }
};
struct LoopConfigCloser {
  void operator()(fuse_loop_config* c) const { fuse_loop_cfg_destroy(c); }
};

// The kernel window for sequential reads. The FUSE default (128 KiB) splits a large read into
// 128 KiB requests answered one after another; with 1 MiB the kernel sends requests as large as
// max_write and keeps more of them in flight, which the daemon decodes in parallel.
constexpr unsigned kReadaheadKib = 1024;
// Allocations up to this size come from the heap (glibc maps 128 KiB and larger by default),
// and free heap memory is returned to the kernel only beyond the trim threshold.
constexpr int kHeapBlockLimit = 4 << 20;
constexpr int kHeapTrimThreshold = 32 << 20;
// Threads allocating at once get arenas of their own (up to 8 per core), and each keeps freed
// memory that the others cannot use: with the FUSE threads, the workers and the committer that
// left tens of MiB of free heap beside the data when many small files were written. Two arenas
// keep it to a few MiB at no cost seen in the benchmark.
constexpr int kHeapArenas = 2;
// How long the loop's end waits for lseeks whose write-back is under way.
constexpr std::chrono::seconds kSideThreadGrace{5};

// Raises the read_ahead_kb of the mount's backing device (only root may). The INIT reply sets it
// to at most what the kernel offered, so this runs once stat() shows that INIT is done.
void raise_kernel_readahead(const std::string& mountpoint) {
  struct stat st {};
  if (stat(mountpoint.c_str(), &st) != 0) return;  // unmounted meanwhile
  const std::string path = "/sys/class/bdi/" + std::to_string(major(st.st_dev)) + ":" +
                           std::to_string(minor(st.st_dev)) + "/read_ahead_kb";
  unsigned current = 0;
  if (std::ifstream in(path); !(in >> current) || current >= kReadaheadKib) return;
  std::ofstream out(path);
  out << kReadaheadKib << '\n';
  out.flush();
  if (out) {
    log().debug("kernel readahead {} raised to {} KiB", mountpoint, kReadaheadKib);
  } else {
    log().debug("kernel readahead of {} stays at {} KiB (not writable)", mountpoint, current);
  }
}

// Gives the mount the generic flags libfuse's own table lacks. Runs once the loop answers: the
// kernel syncs the file system during a remount.
void set_mount_flags(const std::string& mountpoint, unsigned long flags) {
  if (flags == 0) return;
  if (::mount(nullptr, mountpoint.c_str(), nullptr, MS_REMOUNT | flags, nullptr) != 0) {
    log().error("cannot set the mount flags of {} ({:#x}): {}", mountpoint, flags,
                std::strerror(errno));
  }
}

}  // namespace

bool run_fuse(CoreApi& fs, const FuseSettings& settings, const std::function<void()>& on_ready) {
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
  // Outlives the session (declared first), whose destruction calls op_destroy with it.
  FuseContext context(fs);
  const std::unique_ptr<fuse_session, SessionCloser> se(
      fuse_session_new(&args, &ops, sizeof(ops), &context));
  fuse_opt_free_args(&args);  // libfuse may have copied the arguments while parsing them
  if (!se) {
    log().error("cannot create the FUSE session (options: {})", joined);
    return false;
  }
  context.session = se.get();
  if (fuse_set_signal_handlers(se.get()) != 0) {
    log().error("cannot install signal handlers");
    return false;
  }
  if (fuse_session_mount(se.get(), settings.mountpoint.c_str()) != 0) {
    fuse_remove_signal_handlers(se.get());
    log().error("cannot mount at {}", settings.mountpoint);
    return false;
  }
  log().info("mounted {} at {}", settings.source, settings.mountpoint);
  // Decoded blocks (a block size each) are allocated and freed with every read. Keep freed ones
  // in the heap for reuse instead of unmapping them and faulting fresh zeroed pages back in,
  // which cost as much as a quarter of a cold read's CPU time.
  mallopt(M_MMAP_THRESHOLD, kHeapBlockLimit);
  mallopt(M_TRIM_THRESHOLD, kHeapTrimThreshold);
  mallopt(M_ARENA_MAX, kHeapArenas);  // before the FUSE threads start allocating
  const std::unique_ptr<fuse_loop_config, LoopConfigCloser> config(fuse_loop_cfg_create());
  fuse_loop_cfg_set_max_threads(config.get(), 8);
  // stat() of the mount point waits for the loop to answer, so it runs beside it. The mount is
  // reported ready only after that stat: while it waits it keeps the mount busy, so an unmount
  // right after the report would fail with EBUSY.
  struct Startup {
    std::mutex mutex;
    bool loop_ended = false;  // guarded by mutex: on_ready must not run any more
    bool done = false;        // guarded by mutex
  };
  const auto startup = std::make_shared<Startup>();
  std::thread tuner(
      [mountpoint = settings.mountpoint, flags = settings.remount_flags, startup, &on_ready] {
        raise_kernel_readahead(mountpoint);
        set_mount_flags(mountpoint, flags);
        const std::lock_guard lock(startup->mutex);
        if (!startup->loop_ended) on_ready();
        startup->done = true;
      });
  const int rc = fuse_session_loop_mt(se.get(), config.get());
  // Replies to the lseeks still waiting while the session can take them. One that waits for a
  // write-back now waits for WRITE requests nobody reads any more (the loop ended on a signal):
  // a forced unmount aborts the connection, which fails them, as closing the device would.
  if (!context.side.stop(kSideThreadGrace)) {
    log().warn("aborting the connection of {}: an lseek waits for a write-back",
               settings.mountpoint);
    ::umount2(settings.mountpoint.c_str(), MNT_FORCE | MNT_DETACH);
  }
  context.side.stop();
  fuse_session_unmount(se.get());
  bool tuned = false;
  {
    const std::lock_guard lock(startup->mutex);
    startup->loop_ended = true;
    tuned = startup->done;
  }
  if (tuned) {
    tuner.join();
  } else {
    // The loop ended before answering its stat() (a signal right after mounting). The request
    // fails once the session closes the device, after this returns; the thread then uses only
    // what it owns (on_ready is no longer called).
    tuner.detach();
  }
  fuse_remove_signal_handlers(se.get());
  fs.sync();
  log().info("unmounted {} (loop status {})", settings.mountpoint, rc);
  return true;
}

}  // namespace squeezefs::fs
