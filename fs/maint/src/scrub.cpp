#include "squeezefs/fs/maint/scrub.h"

#include <chrono>
#include <mutex>
#include <thread>

#include "squeezefs/common/log.h"
#include "squeezefs/common/mutex.h"
#include "squeezefs/fs/check/block_verifier.h"
#include "squeezefs/fs/check/path_names.h"

namespace squeezefs::fs::maint {
namespace {

using Clock = std::chrono::steady_clock;

// Sleeps so that `bytes` read since `start` stay within `rate` bytes per second.
void pace(std::uint64_t bytes, std::uint64_t rate, Clock::time_point start,
          const std::stop_token& stop) {
  if (rate == 0) return;
  const auto due = start + std::chrono::microseconds(bytes * 1000000 / rate);
  while (!stop.stop_requested() && Clock::now() < due) {
    std::this_thread::sleep_for(
        std::min<Clock::duration>(due - Clock::now(), std::chrono::milliseconds(100)));
  }
}

}  // namespace

ScrubReport scrub(Filesystem& fs, const ScrubOptions& options, const ScrubProgress& progress,
                  std::stop_token stop) {
  Mutex& mutex = fs.index_mutex();
  index::Index& index = fs.index();
  std::vector<index::DataFileRecord> files;
  {
    const MutexLock lock(mutex);
    files = index.data_files();
  }
  std::uint64_t total = 0;
  for (const auto& f : files) total += f.live_bytes;

  ScrubReport report;
  check::BlockVerifier verifier(fs.data_files());
  const auto start = Clock::now();
  auto last_report = start;
  for (const auto& file : files) {
    std::vector<index::StoredBlock> blocks;
    {
      const MutexLock lock(mutex);
      blocks = index.blocks_in_data_file(file.id);
    }
    for (const auto& b : blocks) {
      if (stop.stop_requested()) {
        report.stopped = true;
        return report;
      }
      pace(report.stored_bytes, options.rate_bytes, start, stop);
      const auto why = verifier.verify(b.ref);
      ++report.blocks;
      report.stored_bytes += b.ref.stored_length;
      if (why) {
        bool unchanged = false;
        {
          const MutexLock lock(mutex);
          unchanged = index.block(b.ino, b.block) == b.ref;
        }
        if (unchanged) report.damaged.push_back(DamagedBlock{b.ino, b.block, {}, *why});
      }
      if (progress && Clock::now() - last_report >= std::chrono::milliseconds(200)) {
        last_report = Clock::now();
        if (!progress(report.stored_bytes, std::max(total, report.stored_bytes))) {
          report.stopped = true;
          return report;
        }
      }
    }
  }
  if (!report.damaged.empty()) {
    std::vector<index::InodeRecord> inodes;
    std::vector<index::DirEntry> entries;
    {
      const MutexLock lock(mutex);
      inodes = index.all_inodes();
      entries = index.all_entries();
    }
    const check::PathNames names(inodes, entries);
    for (auto& d : report.damaged) {
      d.path = names.path(d.ino);
      log().error("scrub: {} (inode {}) block {}: {}", d.path, d.ino, d.block, d.why);
    }
  }
  log().info("scrub: {} blocks ({} stored bytes) verified, {} damaged", report.blocks,
             report.stored_bytes, report.damaged.size());
  if (progress) progress(report.stored_bytes, report.stored_bytes);
  return report;
}

}  // namespace squeezefs::fs::maint
