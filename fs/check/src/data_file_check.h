#pragma once

#include <cstdint>
#include <map>

#include "squeezefs/fs/check/check_report.h"
#include "squeezefs/fs/check/store_check.h"
#include "squeezefs/index/metadata_store.h"

namespace squeezefs::fs::check {

// Compares the data file table with the blocks that reference each file (`live`: stored bytes per
// data file) and with the files on disk. With repair: recomputes the accounting, drops rows of
// missing files nothing references and deletes files on disk that neither the table nor any
// block knows (left by a crash during a write or a compaction), each only once the transaction
// that stops the table from naming it committed.
void check_data_files(index::MetadataStore& metadata, const StoreLayout& layout,
                      const CheckOptions& options,
                      const std::map<std::uint32_t, std::uint64_t>& live, CheckReport& report);

}  // namespace squeezefs::fs::check
