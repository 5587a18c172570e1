#include "squeezefs/fs/filesystem.h"

#include <fcntl.h>
#include <linux/falloc.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>
#include <system_error>
#include <utility>

#include "squeezefs/common/log.h"
#include "squeezefs/common/storage_error.h"
#include "squeezefs/common/unique_fd.h"
#include "squeezefs/fs/space_guard.h"
#include "squeezefs/index/error.h"

namespace squeezefs::fs {
namespace {

// How long changes to the index may wait in the open group before they are committed: long
// enough to share a commit among the many small changes of a copy of small files, short enough
// that a crash loses little that was not synced (fsync and sync commit at once).
constexpr auto kGroupCommitPeriod = std::chrono::milliseconds(20);
// Below this much free space under the index, every change commits on its own: SQLite may drop
// a whole group of changes when its commit finds the disk full, but fails only the one change
// that does not fit when each commits alone. Checked every period, so a group never outgrows it.
constexpr std::uint64_t kGroupCommitMinFree = std::uint64_t{64} << 20;

// Gives the space of dropped blocks back to the backing file system by punching holes where
// they lay (blocks are never rewritten in place, so nothing reads those bytes again). Only
// called once the removal that dropped them is durable in the index: punching earlier would let
// a crash bring back a block map entry whose bytes are gone. Best effort: without hole punching
// the space stays accounted as free for later compaction.
void punch_blocks(const FileBlockStore& store, const std::vector<index::BlockRef>& blocks) {
  std::map<std::uint32_t, UniqueFd> files;
  for (const auto& block : blocks) {
    if (block.stored_length == 0) continue;
    auto& fd = files[block.data_file];
    if (fd.get() < 0)
      fd = UniqueFd(::open(store.file_path(block.data_file).c_str(), O_WRONLY | O_CLOEXEC));
    if (fd.get() < 0) continue;
    [[maybe_unused]] const int rc =
        ::fallocate(fd.get(), FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
                    static_cast<off_t>(block.offset), static_cast<off_t>(block.stored_length));
  }
}

index::DbAccess index_access(const StoreLayout& layout, const StorageOptions& storage) {
  if (!storage.read_only) return index::DbAccess::kReadWrite;
  return layout.wal_has_frames() ? index::DbAccess::kReadOnly : index::DbAccess::kImmutable;
}

// Opens the store's index and checks it before anything relies on it or writes to it: a damaged
// index would otherwise be served and fail requests one by one with EIO. quick_check reads the
// whole file once (see Index::quick_check_problems() for what it covers and costs).
index::Index open_checked_index(const StoreLayout& layout, const StorageOptions& storage) {
  auto index =
      index::Index::open(layout.index().string(), storage.index_vfs, index_access(layout, storage));
  if (auto problems = index.quick_check_problems(); !problems.empty())
    throw index::DamagedIndexError(layout.index().string(), std::move(problems));
  return index;
}

}  // namespace

Filesystem::Filesystem(const std::filesystem::path& root, std::optional<codecs::CodecChoice> codec,
                       DataPathOptions options, const StorageOptions& storage)
    : layout_(root),
      read_only_(storage.read_only),
      index_(open_checked_index(layout_, storage)),
      config_(index_.config()),
      names_(index_),
      // Called by the compression workers, which hold no index lock (the store's lock, then the
      // index mutex).
      store_(
          layout_.data(),
          [this] {
            const std::lock_guard lock(names_.index_mutex());
            return index_.add_data_file();
          },
          storage.data_file_limit, storage.data_io != nullptr ? *storage.data_io : posix_file_io()),
      io_(store_),
      commit_interval_(options.commit_interval) {
  if (!codec) {
    const auto* stored = codecs::find_codec(static_cast<codecs::CodecId>(config_.default_codec));
    if (stored == nullptr) {
      throw std::runtime_error("the store's default codec (id " +
                               std::to_string(config_.default_codec) +
                               ") is not available in this build");
    }
    codec = codecs::CodecChoice{stored, config_.codec_level};
  }
  // Writes are refused (ENOSPC) before the data files' file system fills up.
  if (options.space_dir.empty()) options.space_dir = layout_.data();
  // Blocks flushed on their own age are not left for the background sync to flush all at once.
  options.flush_age = std::min(options.flush_age, commit_interval_);
  data_ = std::make_unique<FileData>(index_, names_.index_mutex(), io_, *codec->codec, codec->level,
                                     config_.block_size, options);
  names_.set_space_releaser([this](const std::vector<index::BlockRef>& blocks) {
    const std::lock_guard lock(punch_mutex_);
    pending_punches_.insert(pending_punches_.end(), blocks.begin(), blocks.end());
  });
  // Read-only: orphans stay (no name reaches them) for the next read-write mount to purge.
  if (read_only_) return;
  names_.purge_orphans();
  synced_changes_ = index_.db().total_changes();
  syncer_ = std::jthread([this](const std::stop_token& stop) { sync_loop(stop); });
  group_committer_ = std::jthread([this](const std::stop_token& stop) { group_commit_loop(stop); });
}

void Filesystem::group_commit_loop(const std::stop_token& stop) {
  std::mutex sleep_mutex;
  std::condition_variable_any wake;
  bool failing = false;
  std::unique_lock sleep_lock(sleep_mutex);
  SpaceGuard index_space(layout_.root(), kGroupCommitMinFree);
  while (!stop.stop_requested()) {
    wake.wait_for(sleep_lock, stop, kGroupCommitPeriod, [] { return false; });
    if (stop.stop_requested()) break;
    const bool groups = index_space.fits(0, 0);
    const std::lock_guard lock(names_.index_mutex());
    try {
      index_.db().set_group_commit(groups && !synchronous_);
      index_.db().commit_group();
      if (failing) log().info("index commits work again");
      failing = false;
    } catch (const std::exception& e) {
      // Logged once per failing spell; the next sync or fsync reports it to its caller.
      if (!failing) log().error("cannot commit index changes: {}", log_text(e));
      failing = true;
    }
  }
}

void Filesystem::sync_loop(const std::stop_token& stop) {
  // Looks about once a second (sooner for a shorter commit interval): removed blocks then wait
  // about that long for their space, and a change is seen within one tick of being made.
  const auto tick = std::min<std::chrono::milliseconds>(std::chrono::seconds(1), commit_interval_);
  // When unsynced changes were first seen (if `changed`); they were made at most one tick before.
  bool changed = false;
  std::chrono::steady_clock::time_point changed_since;
  std::unique_lock lock(punch_mutex_);
  while (!stop.stop_requested()) {
    punch_wake_.wait_for(lock, stop, tick, [] { return false; });
    if (stop.stop_requested()) break;
    const bool punches = !pending_punches_.empty();
    lock.unlock();
    try {
      const auto now = std::chrono::steady_clock::now();
      if (!changed && has_unsynced_changes()) {
        changed = true;
        changed_since = now;
      }
      // Synced once the oldest change may be commit_interval_ old, so none waits longer.
      const bool due = changed && now - changed_since + tick >= commit_interval_;
      if (punches || due) {
        changed = false;
        sync();
      }
    } catch (const std::exception& e) {
      log().error("background sync of the store: {}", log_text(e));
    }
    lock.lock();
  }
}

void Filesystem::sync() {
  if (read_only_) return;
  // Data first: every buffered block is encoded, written, its data file synced and its block map
  // committed. A file whose blocks could not be written is reported after the rest is synced.
  const auto data = data_->sync();
  std::vector<index::BlockRef> punches;
  {
    const std::lock_guard punch_lock(punch_mutex_);
    punches.swap(pending_punches_);
  }
  sync_index();
  // The removals that dropped these blocks were committed (sync_index commits the open group)
  // and are now durable, unless an error made SQLite drop a group of changes since the last
  // punch: then some removals may be undone and their blocks still in use, so none is punched
  // (compaction gets the space back later).
  {
    const std::lock_guard lock(names_.index_mutex());
    const auto lost = index_.db().lost_groups();
    if (lost != lost_groups_seen_) {
      lost_groups_seen_ = lost;
      log().error("index changes were lost after an error; {} removed blocks are left in place",
                  punches.size());
      punches.clear();
    }
  }
  punch_blocks(store_, punches);
  if (!data) throw std::system_error(data.error(), "writing back buffered data failed");
}

Result<void> Filesystem::fsync(std::uint64_t ino) {
  if (read_only_) return {};
  if (auto ok = data_->fsync(ino); !ok) return ok;
  sync_index();
  return {};
}

void Filesystem::set_synchronous(bool on) {
  if (read_only_) return;
  const std::lock_guard lock(names_.index_mutex());
  synchronous_ = on;
  // Turning group commit off commits the open group; the WAL sync then makes it durable too.
  if (on) index_.db().set_group_commit(false);
  index_.set_durable_commits(on);
  if (on) {
    index_.db().sync();
    synced_changes_ = index_.db().total_changes();
  }
}

bool Filesystem::has_unsynced_changes() {
  if (read_only_) return false;
  if (data_->dirty_bytes() > 0) return true;
  const std::lock_guard lock(names_.index_mutex());
  return index_.db().total_changes() != synced_changes_;
}

void Filesystem::sync_index() {
  // The index runs with synchronous=NORMAL, so its commits sit unsynced in the WAL until a
  // checkpoint; without this an fsync'ed file could lose its last changes to a power loss.
  const std::lock_guard lock(names_.index_mutex());
  index_.db().sync();
  synced_changes_ = index_.db().total_changes();
}

}  // namespace squeezefs::fs
