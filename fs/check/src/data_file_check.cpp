#include "data_file_check.h"

#include <unistd.h>

#include <algorithm>
#include <set>

#include "report_append.h"
#include "squeezefs/fs/check/data_file_names.h"

namespace squeezefs::fs::check {
namespace {

std::uint64_t lookup(const std::map<std::uint32_t, std::uint64_t>& m, std::uint32_t id) {
  const auto it = m.find(id);
  return it == m.end() ? 0 : it->second;
}

// What the pass over the data file table found; returned from a transaction body, so a rerun of
// the body starts afresh.
struct TableFindings {
  CheckReport report;
  std::set<std::uint32_t> in_table;
  std::set<std::uint32_t> dropped;  // rows removed whose files go once the removal commits
};

// Compares each row of the table with `live` and `disk`. With `txn` (repair), fixes the rows in it.
TableFindings check_table(index::MetadataReader& table, index::MetadataTxn* txn,
                          const std::map<std::uint32_t, std::uint64_t>& disk,
                          const std::map<std::uint32_t, std::uint64_t>& live) {
  const bool repair = txn != nullptr;
  TableFindings found;
  for (const auto& row : table.data_files()) {
    found.in_table.insert(row.id);
    const std::uint64_t used = lookup(live, row.id);
    const auto on_disk = disk.find(row.id);
    if (on_disk == disk.end()) {
      // Blocks pointing into a missing file are reported with their files.
      if (used == 0 && row.total_bytes > 0) {
        if (repair) txn->remove_data_file(row.id);
        found.report.add(data_file_label(row.id),
                         std::string("data file is missing; no block uses it") +
                             (repair ? "; dropped from the index" : ""),
                         repair);
      }
      continue;
    }
    if (used == 0 && row.total_bytes == 0 && on_disk->second > 0) {
      // Bytes the index never accounted for: a compaction's copy that a crash cut short before
      // its switch. Nothing refers to them and the next mount deletes them.
      const std::string what = "data file holds " + std::to_string(on_disk->second) +
                               " bytes no block uses (an interrupted compaction)";
      if (!repair) {
        found.report.add_expected(data_file_label(row.id), what);
        continue;
      }
      txn->remove_data_file(row.id);
      found.report.add(data_file_label(row.id), what + "; deleted", true);
      found.in_table.erase(row.id);
      found.dropped.insert(row.id);
      continue;
    }
    if (row.live_bytes != used || row.total_bytes < used) {
      const std::uint64_t total = std::max({row.total_bytes, used, on_disk->second});
      if (repair) txn->set_data_file_accounting(index::DataFileRecord{row.id, used, total});
      found.report.add(data_file_label(row.id),
                       "accounting says " + std::to_string(row.live_bytes) + " live of " +
                           std::to_string(row.total_bytes) + " bytes, blocks use " +
                           std::to_string(used) + (repair ? "; recomputed" : ""),
                       repair);
    }
  }
  return found;
}

}  // namespace

void check_data_files(index::MetadataStore& metadata, const StoreLayout& layout,
                      const CheckOptions& options,
                      const std::map<std::uint32_t, std::uint64_t>& live, CheckReport& report) {
  const bool repair = options.repair;
  const auto disk = list_data_files(layout.data());
  TableFindings table;
  if (repair) {
    table = metadata.transact(
        [&](index::MetadataTxn& txn) { return check_table(txn, &txn, disk, live); });
  } else {
    table = metadata.read(
        [&](index::MetadataReader& reader) { return check_table(reader, nullptr, disk, live); });
  }
  append_problems(report, table.report);

  for (const auto& [id, size] : disk) {
    if (table.in_table.contains(id)) continue;
    if (table.dropped.contains(id)) {
      // Its row went in the transaction above; delete the file only now that it committed.
      if (::unlink(data_file_path(layout.data(), id).c_str()) != 0)
        report.add(data_file_label(id), "unreferenced data file could not be deleted", false);
      continue;
    }
    if (lookup(live, id) > 0) {
      report.add(data_file_label(id), "data file in use by blocks but missing from the index",
                 false);
      continue;
    }
    const std::string what = "data file (" + std::to_string(size) + " bytes) is not in the index";
    if (!repair) {
      // Left by an interrupted compaction (its old file, once the switch committed) or by a file
      // created just before a crash: nothing refers to it and the next mount deletes it.
      report.add_expected(data_file_label(id), what + " (left by an interrupted mount)");
      continue;
    }
    // Safe to delete only now that the index no longer mentions the file (committed above).
    if (::unlink(data_file_path(layout.data(), id).c_str()) != 0) {
      report.add(data_file_label(id), "unreferenced data file could not be deleted", false);
      continue;
    }
    report.add(data_file_label(id), what + "; deleted", true);
  }
}

}  // namespace squeezefs::fs::check
