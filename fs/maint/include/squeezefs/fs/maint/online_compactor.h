#pragma once

#include <cstddef>
#include <cstdint>
#include <stop_token>
#include <vector>

#include "squeezefs/fs/check/compactor.h"
#include "squeezefs/fs/filesystem.h"

namespace squeezefs::fs::maint {

// Space held by data files that no block map entry needs any more, as the index accounts it.
struct DeadSpace {
  std::uint64_t file_bytes = 0;  // sizes of the data files
  std::uint64_t live_bytes = 0;  // referenced stored bytes in them
  [[nodiscard]] std::uint64_t dead() const {
    return file_bytes > live_bytes ? file_bytes - live_bytes : 0;
  }
};

// Compaction of a mounted store: the steps of the offline compactor (check/data_file_rewrite.h,
// in the same crash-safe order) run against the daemon's own index and data files while files are
// read and written.
//
// A data file is rewritten only when every byte in it is committed (its size equals the bytes
// the index accounts as written) and it is not being appended to, so no block in flight can land
// in a file being deleted. The switch keeps blocks rewritten or removed while they were copied.
// Readers that looked up a moved block before the switch still find its old file open (deleted
// files are closed only after a grace period) or follow the block map to the new place.
// The newest data file is never deleted, so no data file id is handed out twice.
class OnlineCompactor {
 public:
  explicit OnlineCompactor(Filesystem& fs) : fs_(fs) {}

  // The index's view of the dead space of the store.
  [[nodiscard]] DeadSpace dead_space();

  // One pass over the data files. With `seal`, the file being appended to is closed first and
  // everything buffered is committed, so it can be rewritten too (an explicit request); without,
  // it waits for a later pass. Stops between data files when `stop` is requested.
  check::CompactStats run(const check::CompactOptions& options, bool seal,
                          const check::CompactProgress& progress, const std::stop_token& stop);
  // Deletes the data files an interrupted compaction or a crash left without an index row, and
  // the rows (with their files) of copies no block came to use. Returns how many files. Run once
  // at mount, before anything is written and before any compaction.
  std::size_t remove_leftovers();

 private:
  Filesystem& fs_;

  // Data files on disk without an index row, listed files first: a file created meanwhile has
  // its row before it exists, so it never shows up here.
  std::vector<std::uint32_t> find_leftovers();
};

}  // namespace squeezefs::fs::maint
