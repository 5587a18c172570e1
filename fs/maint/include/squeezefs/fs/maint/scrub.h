#pragma once

#include <cstdint>
#include <functional>
#include <stop_token>
#include <string>
#include <vector>

#include "squeezefs/fs/filesystem.h"

namespace squeezefs::fs::maint {

struct ScrubOptions {
  // Stored bytes read per second at most; 0 for no limit.
  std::uint64_t rate_bytes = 0;
};

// One block that failed verification, with the file it belongs to.
struct DamagedBlock {
  std::uint64_t ino = 0;
  std::uint64_t block = 0;
  std::string path;  // "/a/b", or "<inode N>" when unreachable
  std::string why;
};

struct ScrubReport {
  std::uint64_t blocks = 0;        // block map entries verified
  std::uint64_t stored_bytes = 0;  // and their stored bytes read
  std::vector<DamagedBlock> damaged;
  bool stopped = false;  // ended early (unmount or the caller gave up)
};

// Called now and then with the stored bytes verified so far and the total expected (an estimate:
// files change meanwhile). Returning false stops the scrub.
using ScrubProgress = std::function<bool(std::uint64_t done, std::uint64_t total)>;

// Reads every stored block of the mounted store and verifies it (decode and checksum), data file
// by data file, at most at `options.rate_bytes`, while the store stays in use. The index lock is
// held only to list a data file's blocks and to recheck a failed block, never across reading or
// decoding. A block that fails but was moved, rewritten or removed meanwhile is not damage.
// Damaged blocks are logged and named by file path.
ScrubReport scrub(Filesystem& fs, const ScrubOptions& options, const ScrubProgress& progress,
                  std::stop_token stop);

}  // namespace squeezefs::fs::maint
