#include "squeezefs/fs/check/store_check.h"

#include <memory>

#include "block_check.h"
#include "data_file_check.h"
#include "squeezefs/common/storage_error.h"
#include "squeezefs/fs/check/path_names.h"
#include "squeezefs/index/error.h"
#include "squeezefs/index/sqlite/sqlite_metadata_store.h"
#include "tree_check.h"

namespace squeezefs::fs::check {

CheckReport check_store(const StoreLayout& layout, const CheckOptions& options,
                        const CheckProgress& progress) {
  // Read-write even without --repair (SQLite recovers its WAL), and without quick_check: the
  // full check below covers it and reports what it finds instead of refusing.
  // TODO(#16): the composition root opens the store for fsck (step 8b)
  index::SqliteOpenOptions open;
  open.quick_check = false;
  std::unique_ptr<index::SqliteMetadataStore> metadata;
  try {
    metadata = index::SqliteMetadataStore::open(layout.index().string(), open);
  } catch (const index::DamagedIndexError& e) {
    // Too damaged to open (its schema): reported as any other damage of the index.
    CheckReport report;
    for (const auto& p : e.problems()) report.add("index.db", p, false);
    report.index_damaged = true;
    return report;
  }
  return check_store(*metadata, layout, options, progress);
}

CheckReport check_store(index::MetadataStore& metadata, const StoreLayout& layout,
                        const CheckOptions& options, const CheckProgress& progress) {
  CheckReport report;
  // Repairs delete files once a commit stops referencing them: commits must survive power loss.
  if (options.repair) metadata.set_durability(index::Durability::kEachCommit);
  try {
    if (progress) progress("index", 0, 1);
    const auto problems = metadata.check_own_consistency(index::MetadataStore::CheckDepth::kFull);
    for (const auto& p : problems) report.add("index.db", p, false);
    if (!problems.empty()) {
      // Every later step trusts the index; repairing around a damaged one would be guessing.
      report.index_damaged = true;
      return report;
    }
    // Entries and blocks that name missing rows are reported, with paths, by the steps below.
    // TODO(#16): goes with MetadataStore::foreign_key_violations (step 7)
    for (const auto& v : metadata.foreign_key_violations()) {
      if (v.table == "dirents" || v.table == "blocks") continue;
      report.add("index.db",
                 "a row of " + v.table +
                     (v.rowid ? " (rowid " + std::to_string(*v.rowid) + ")" : std::string()) +
                     " references a missing row of " + v.parent,
                 false);
    }
    if (progress) progress("tree", 0, 1);
    check_tree(metadata, options, report);
    const PathNames names(metadata.all_inodes(), metadata.all_entries());
    const auto live = check_blocks(metadata, layout, options, names, report, progress);
    if (progress) progress("data files", 0, 1);
    check_data_files(metadata, layout, options, live, report);
  } catch (const StorageError& e) {
    // The store found damage its own check did not (or failed while reading).
    report.add("index.db", std::string("cannot read the index: ") + e.what(), false);
    report.index_damaged = true;
  }
  return report;
}

}  // namespace squeezefs::fs::check
