#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include "squeezefs/common/result.h"
#include "squeezefs/fs/namespace.h"

namespace squeezefs::fs {

// One open directory's listing (a directory handle, from opendir to releasedir). A listing
// returns each entry that is in the directory when it starts and still there when reached
// exactly once, in entry id order, and none added after it started (POSIX leaves both added and
// removed entries open); it always ends, whatever changes meanwhile.
//
// Why: entry ids are never reused, and an entry keeps its directory and name for life (rename
// removes it and adds one with a new id; exchange points both entries at other inodes in
// place). So the entries of the start are exactly the directory's entries with an id up to the
// highest id at the start (the mark), whatever was renamed, created or removed since, and a
// position (the id of the last entry returned) resumes a listing from any earlier reply. The
// handle holds only the mark: no copy of the directory, whatever its size.
//
// Thread-safe; the Namespace must outlive the listing.
class DirListing {
 public:
  // The listing of directory `dir`, started now. ENOENT, ENOTDIR.
  static Result<std::unique_ptr<DirListing>> open(Namespace& names, std::uint64_t dir);

  // Starts the listing over (rewinddir): it now includes the entries added so far.
  void restart() { mark_.store(names_.entry_mark()); }

  // Up to `limit` entries after position `after` (0: the start), in order; empty at the end.
  // The position of an entry is its `entry.entry_id`. ENOENT, ENOTDIR.
  Result<std::vector<ListedEntry>> read(std::int64_t after, std::size_t limit) {
    return names_.list(dir_, after, mark_.load(), limit);
  }

  DirListing(Namespace& names, std::uint64_t dir) : names_(names), dir_(dir) {}

 private:
  Namespace& names_;
  const std::uint64_t dir_;
  std::atomic<std::int64_t> mark_{0};
};

}  // namespace squeezefs::fs
