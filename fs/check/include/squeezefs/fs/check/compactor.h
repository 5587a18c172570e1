#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "squeezefs/fs/store_layout.h"

namespace squeezefs::fs::check {

struct CompactOptions {
  // Data files whose live fraction (referenced bytes / file size) is below this are rewritten.
  double threshold = 0.5;
};

struct CompactStats {
  std::uint64_t bytes_before = 0;  // total size of the data files before
  std::uint64_t bytes_after = 0;   // and after
  std::uint64_t files_rewritten = 0;
  std::uint64_t files_removed = 0;  // dead or unreferenced files deleted (rewritten ones too)
  std::uint64_t blocks_moved = 0;
  std::vector<std::string> skipped;  // files left alone, with the reason
};

// Called after each data file is done: files done, files to do.
using CompactProgress = std::function<void(std::uint64_t done, std::uint64_t total)>;

// Rewrites the live blocks of the sparse data files of the unmounted store at `layout` (the
// caller holds its StoreLock) into new data files and deletes the old ones. Crash-safe at every
// step: the copies are synced before one transaction repoints the block map and drops the old
// file from the index (committed durably), and only then is the old file unlinked. A leftover
// from an interrupted run (a file the index no longer knows, or a new file nothing references)
// is deleted at the start of the next run.
//
// Blocks are copied as stored (not decoded). A data file whose blocks cannot all be read is
// left alone and named in `skipped`. Throws index::FormatError when the index cannot be opened,
// std::system_error for I/O failures (nothing is lost: the old files stay until committed).
CompactStats compact_store(const StoreLayout& layout, const CompactOptions& options,
                           const CompactProgress& progress = {});

}  // namespace squeezefs::fs::check
