#pragma once

#include <cstdint>
#include <map>

#include "squeezefs/fs/check/check_report.h"
#include "squeezefs/fs/check/path_names.h"
#include "squeezefs/fs/check/store_check.h"
#include "squeezefs/index/metadata_store.h"

namespace squeezefs::fs::check {

// Checks every block map entry: owner is a regular file, the block lies within the file's size,
// the entry's lengths and codec are sane, its stored bytes lie inside an existing data file and
// overlap no other entry's, and (unless quick) they decode to data with the recorded checksum.
// Damaged files are named in report.unsaved_files. With repair, drops blocks past the size.
// Returns the stored bytes each data file holds for the entries that remain. Repairs are reported
// once their transaction committed.
std::map<std::uint32_t, std::uint64_t> check_blocks(index::MetadataStore& metadata,
                                                    const StoreLayout& layout,
                                                    const CheckOptions& options,
                                                    const PathNames& names, CheckReport& report,
                                                    const CheckProgress& progress);

}  // namespace squeezefs::fs::check
