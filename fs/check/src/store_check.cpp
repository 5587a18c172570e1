#include "squeezefs/fs/check/store_check.h"

#include <optional>

#include "block_check.h"
#include "data_file_check.h"
#include "squeezefs/fs/check/path_names.h"
#include "squeezefs/index/error.h"
#include "squeezefs/index/index.h"
#include "tree_check.h"

namespace squeezefs::fs::check {

CheckReport check_store(const StoreLayout& layout, const CheckOptions& options,
                        const CheckProgress& progress) {
  CheckReport report;
  std::optional<index::Index> opened;
  try {
    opened.emplace(index::Index::open(layout.index().string()));
  } catch (const index::DamagedIndexError& e) {
    // Too damaged to open (its schema): reported as any other damage of the index.
    for (const auto& p : e.problems()) report.add("index.db", p, false);
    report.index_damaged = true;
    return report;
  }
  auto& index = *opened;
  // Repairs delete files once a commit stops referencing them: commits must survive power loss.
  if (options.repair) index.use_durable_commits();
  try {
    if (progress) progress("index", 0, 1);
    const auto problems = index.integrity_problems();
    for (const auto& p : problems) report.add("index.db", p, false);
    if (!problems.empty()) {
      // Every later step trusts the index; repairing around a damaged one would be guessing.
      report.index_damaged = true;
      return report;
    }
    // Entries and blocks that name missing rows are reported, with paths, by the steps below.
    for (const auto& v : index.foreign_key_violations()) {
      if (v.table == "dirents" || v.table == "blocks") continue;
      report.add("index.db",
                 "a row of " + v.table +
                     (v.rowid ? " (rowid " + std::to_string(*v.rowid) + ")" : std::string()) +
                     " references a missing row of " + v.parent,
                 false);
    }
    if (progress) progress("tree", 0, 1);
    check_tree(index, options, report);
    const PathNames names(index.all_inodes(), index.all_entries());
    const auto live = check_blocks(index, layout, options, names, report, progress);
    if (progress) progress("data files", 0, 1);
    check_data_files(index, layout, options, live, report);
  } catch (const index::IndexError& e) {
    // SQLite found damage the integrity check did not (or failed while reading).
    report.add("index.db", std::string("cannot read the index: ") + e.what(), false);
    report.index_damaged = true;
  }
  return report;
}

}  // namespace squeezefs::fs::check
