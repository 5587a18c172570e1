#pragma once

#include <cstdint>
#include <functional>
#include <string_view>

#include "squeezefs/fs/check/check_report.h"
#include "squeezefs/fs/store_layout.h"
#include "squeezefs/index/metadata_store.h"

namespace squeezefs::fs::check {

struct CheckOptions {
  bool repair = false;  // fix what can be fixed without guessing
  bool quick = false;   // skip reading and decoding the stored blocks
};

// Reports progress: the current phase and how much of it is done (in the phase's own units).
using CheckProgress =
    std::function<void(std::string_view phase, std::uint64_t done, std::uint64_t total)>;

// Checks the store at `layout`, which must not be mounted (the caller holds its StoreLock):
// the metadata store's own consistency (SQLite: integrity and foreign keys); the directory tree
// (connectivity, parents, link counts, orphans); block maps (sizes, data file bounds, overlaps, and
// unless `quick`, decoding and checksums); data file accounting and stray data files. With
// `repair`, fixes orphans, unreachable inodes (moved to /lost+found), link counts, blocks past the
// size, accounting and unreferenced data files; damaged data is only named, never deleted.
//
// Throws index::FormatError when the index cannot be opened at all, std::system_error for I/O
// failures. A damaged index that opens is reported (index_damaged) rather than thrown.
CheckReport check_store(const StoreLayout& layout, const CheckOptions& options,
                        const CheckProgress& progress = {});

// The same checks on a metadata store already open (read-write when repairing), whose data files
// lie in `layout.data()`. With `repair`, every later commit of `metadata` is made durable before
// it returns (repairs delete files once a commit stops referencing them). The backend's own
// damage (its consistency check, or a StorageError while reading) is reported (index_damaged).
CheckReport check_store(index::MetadataStore& metadata, const StoreLayout& layout,
                        const CheckOptions& options, const CheckProgress& progress = {});

}  // namespace squeezefs::fs::check
