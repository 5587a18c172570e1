#pragma once

#include "squeezefs/fs/check/check_report.h"
#include "squeezefs/fs/check/store_check.h"
#include "squeezefs/index/metadata_store.h"

namespace squeezefs::fs::check {

// Checks the directory tree: entries to or in missing inodes, directories with more than one
// parent, inodes unreachable from the root, orphans (no links left) and link counts. With
// `options.repair`, in one transaction: drops entries to missing inodes, reclaims orphans with
// their blocks, moves unreachable inodes to /lost+found (creating it) and corrects link counts.
// The findings of a repair reach `report` once its transaction committed.
void check_tree(index::MetadataStore& metadata, const CheckOptions& options, CheckReport& report);

}  // namespace squeezefs::fs::check
