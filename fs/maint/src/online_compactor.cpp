#include "squeezefs/fs/maint/online_compactor.h"

#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <system_error>
#include <thread>

#include "squeezefs/common/log.h"
#include "squeezefs/common/mutex.h"
#include "squeezefs/fs/check/data_file_names.h"
#include "squeezefs/fs/check/data_file_rewrite.h"

namespace squeezefs::fs::maint {
namespace {

// How long a deleted data file stays open for readers that looked its blocks up just before
// the switch (they retry through the block map if they come later still).
constexpr auto kGrace = std::chrono::milliseconds(200);

std::optional<std::uint64_t> size_of(const std::filesystem::path& path) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  if (ec) return std::nullopt;
  return size;
}

std::uint64_t total_size(const std::map<std::uint32_t, std::uint64_t>& files) {
  std::uint64_t sum = 0;
  for (const auto& [id, size] : files) sum += size;
  return sum;
}

}  // namespace

DeadSpace OnlineCompactor::dead_space() {
  std::vector<index::DataFileRecord> rows;
  {
    const MutexLock lock(fs_.index_mutex());
    rows = fs_.index().data_files();
  }
  DeadSpace out;
  for (const auto& row : rows) {
    const auto size = size_of(fs_.data_files().file_path(row.id));
    if (!size) continue;
    out.file_bytes += *size;
    out.live_bytes += row.live_bytes;
  }
  return out;
}

std::vector<std::uint32_t> OnlineCompactor::find_leftovers() {
  const auto on_disk = check::list_data_files(fs_.layout().data());
  std::set<std::uint32_t> known;
  {
    const MutexLock lock(fs_.index_mutex());
    for (const auto& row : fs_.index().data_files()) known.insert(row.id);
  }
  std::vector<std::uint32_t> leftovers;
  for (const auto& [id, size] : on_disk) {
    if (!known.contains(id)) leftovers.push_back(id);
  }
  return leftovers;
}

std::size_t OnlineCompactor::remove_leftovers() {
  // Rows no block ever used: a compaction's copy the crash cut short before its switch. The row
  // goes first (committed), so a crash in between leaves a file without a row, removed below.
  std::vector<std::uint32_t> unused;
  {
    const MutexLock lock(fs_.index_mutex());
    index::Index& index = fs_.index();
    index::Txn txn(index.db());
    for (const auto& row : index.data_files()) {
      if (row.total_bytes != 0 || row.live_bytes != 0 || !index.blocks_in_data_file(row.id).empty())
        continue;
      index.remove_data_file(row.id);
      unused.push_back(row.id);
    }
    txn.commit();
    if (!unused.empty()) index.db().sync();
  }
  const auto leftovers = find_leftovers();
  for (const auto id : leftovers) fs_.data_files().forget(id);
  check::delete_data_files(fs_.layout().data(), leftovers);
  if (!leftovers.empty())
    log().info("removed {} data files left by an interrupted mount", leftovers.size());
  return leftovers.size();
}

check::CompactStats OnlineCompactor::run(const check::CompactOptions& options, bool seal,
                                         const check::CompactProgress& progress,
                                         const std::stop_token& stop) {
  FileBlockStore& store = fs_.data_files();
  index::Index& index = fs_.index();
  Mutex& mutex = fs_.index_mutex();
  const auto dir = fs_.layout().data();
  if (seal) {
    store.seal();
    fs_.sync();
  }
  check::CompactStats stats;
  stats.bytes_before = total_size(check::list_data_files(dir));
  const auto leftovers = find_leftovers();
  std::vector<index::DataFileRecord> rows;
  {
    const MutexLock lock(mutex);
    rows = index.data_files();
  }

  // A file is ready when all of it is committed and nobody appends to it. Asked under the index
  // lock: the file being appended to changes only to a new file, whose row is added under that
  // lock, so a ready file cannot start growing before the lock is released.
  const auto ready = [&](std::uint32_t id) -> std::optional<index::DataFileRecord> {
    if (id == store.writing_file()) return std::nullopt;
    auto row = index.data_file(id);  // requires the index lock
    const auto size = size_of(store.file_path(id));
    if (!row || !size || *size == 0 || *size != row->total_bytes) return std::nullopt;
    return row;
  };
  std::vector<std::uint32_t> victims;
  {
    const MutexLock lock(mutex);
    for (const auto& row : rows) {
      const auto r = ready(row.id);
      if (r && static_cast<double>(r->live_bytes) <
                   options.threshold * static_cast<double>(r->total_bytes))
        victims.push_back(row.id);
    }
  }

  FileBlockStore out(dir, [&] {
    const MutexLock lock(mutex);
    return index.add_data_file();
  });
  std::vector<std::uint32_t> deleted;
  std::uint64_t done = 0;
  for (const auto id : victims) {
    if (stop.stop_requested()) break;
    std::vector<index::StoredBlock> blocks;
    {
      const MutexLock lock(mutex);
      if (!ready(id)) continue;
      blocks = index.blocks_in_data_file(id);
    }
    std::string why;
    const auto copies = check::copy_blocks(store, out, id, blocks, why);
    if (!copies) {
      stats.skipped.push_back(why);
      continue;
    }
    out.sync();
    {
      const MutexLock lock(mutex);
      // The newest row is never dropped: a new file would get its id again, and blocks cached
      // (or holes waiting to be punched) under the old file's name would apply to the new one.
      const auto all = index.data_files();
      if (!ready(id) || all.empty() || all.back().id == id) {
        // The copies stay as dead bytes of the new file, accounted so it can be compacted.
        index::Txn txn(index.db());
        for (const auto& c : *copies) {
          index.account_written(c.ref.data_file, c.ref.stored_length);
          index.account_freed(c.ref.data_file, c.ref.stored_length);
        }
        txn.commit();
        continue;
      }
      try {
        stats.blocks_moved += check::switch_blocks(index, id, blocks, *copies);
      } catch (const std::exception& e) {
        stats.skipped.push_back(check::data_file_label(id) + ": " + e.what());
        continue;
      }
      // Durable before the old file goes (the daemon's commits are not synced by themselves).
      index.db().sync();
    }
    deleted.push_back(id);
    ++stats.files_rewritten;
    if (progress) progress(++done, victims.size());
  }
  if (!deleted.empty()) std::this_thread::sleep_for(kGrace);
  for (const auto id : deleted) store.forget(id);
  for (const auto id : leftovers) store.forget(id);
  deleted.insert(deleted.end(), leftovers.begin(), leftovers.end());
  check::delete_data_files(dir, deleted);
  stats.files_removed = deleted.size();
  stats.bytes_after = total_size(check::list_data_files(dir));
  if (!deleted.empty()) {
    log().info("compaction: {} data files rewritten ({} blocks moved), {} removed; {} -> {} bytes",
               stats.files_rewritten, stats.blocks_moved, stats.files_removed, stats.bytes_before,
               stats.bytes_after);
  }
  return stats;
}

}  // namespace squeezefs::fs::maint
