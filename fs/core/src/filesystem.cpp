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
#include "squeezefs/index/error.h"
#include "squeezefs/index/sqlite/sqlite_metadata_store.h"

namespace squeezefs::fs {
namespace {

// Gives the space of dropped blocks back to the backing file system by punching holes where
// they lay (blocks are never rewritten in place, so nothing reads those bytes again). Only
// called once the removal that dropped them is durable in the index: punching earlier would let
// a crash bring back a block map entry whose bytes are gone. Best effort: without hole punching
// the space stays accounted as free for later compaction.
void punch_blocks(const FileBlockStore& store, std::span<const index::BlockRef> blocks) {
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

// Opens the store's index and checks it before anything relies on it or writes to it: a damaged
// index would otherwise be served and fail requests one by one with EIO. quick_check reads the
// whole file once (see Index::quick_check_problems() for what it covers and costs).
std::unique_ptr<index::SqliteMetadataStore> open_metadata(const StoreLayout& layout,
                                                          const StorageOptions& storage) {
  index::SqliteOpenOptions options;
  options.access =
      storage.read_only ? index::SqliteAccess::kReadOnly : index::SqliteAccess::kReadWrite;
  options.vfs = storage.index_vfs;
  options.quick_check = true;
  // Changes wait up to 20 ms in an open group, which one commit makes durable at the next sync;
  // every change commits alone while space under the store is short (see SqliteOpenOptions).
  options.group_commit = true;
  return index::SqliteMetadataStore::open(layout.index().string(), options);
}

}  // namespace

Filesystem::Filesystem(const std::filesystem::path& root, std::optional<codecs::CodecChoice> codec,
                       DataPathOptions options, const StorageOptions& storage)
    : layout_(root),
      read_only_(storage.read_only),
      metadata_(open_metadata(layout_, storage)),
      config_(metadata_->config()),
      releases_([this](std::span<const index::BlockRef> blocks) { punch_blocks(store_, blocks); }),
      names_(*metadata_, &releases_),
      // Called by the compression workers, which hold no index lock (the store's lock, then the
      // metadata store's).
      store_(
          layout_.data(),
          [this] {
            return metadata_->transact([](index::MetadataTxn& t) { return t.add_data_file(); });
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
  // FileData shares the store's writer mutex, as the namespace's transactions take it.
  // TODO(#16): FileData on the metadata store (step 4b)
  const auto legacy = metadata_->legacy();
  data_ = std::make_unique<FileData>(legacy.index, legacy.mutex, io_, *codec->codec, codec->level,
                                     config_.block_size, options);
  // Read-only: orphans stay (no name reaches them) for the next read-write mount to purge.
  if (read_only_) return;
  names_.purge_orphans();
  syncer_ = std::jthread([this](const std::stop_token& stop) { sync_loop(stop); });
}

void Filesystem::sync_loop(const std::stop_token& stop) {
  // Looks about once a second (sooner for a shorter commit interval): removed blocks then wait
  // about that long for their space, and a change is seen within one tick of being made.
  const auto tick = std::min<std::chrono::milliseconds>(std::chrono::seconds(1), commit_interval_);
  // When unsynced changes were first seen (if `changed`); they were made at most one tick before.
  bool changed = false;
  std::chrono::steady_clock::time_point changed_since;
  std::mutex sleep_mutex;
  std::condition_variable_any wake;
  std::unique_lock sleep_lock(sleep_mutex);
  while (!stop.stop_requested()) {
    wake.wait_for(sleep_lock, stop, tick, [] { return false; });
    if (stop.stop_requested()) break;
    const bool punches = !releases_.empty();
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
  }
}

void Filesystem::sync() {
  if (read_only_) return;
  // Data first: every buffered block is encoded, written, its data file synced and its block map
  // committed. A file whose blocks could not be written is reported after the rest is synced.
  const auto data = data_->sync();
  // The store commits its open group and syncs; blocks whose removal is now durable are punched
  // (unless changes were lost, see ReleaseQueue).
  sync_index();
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
  // kEachCommit commits the open group and syncs it, so every change so far is durable too.
  metadata_->set_durability(on ? index::Durability::kEachCommit : index::Durability::kGrouped);
}

bool Filesystem::has_unsynced_changes() {
  if (read_only_) return false;
  if (data_->dirty_bytes() > 0) return true;
  return metadata_->has_unsynced_changes();
}

void Filesystem::sync_index() {
  // The index runs with synchronous=NORMAL, so its commits sit unsynced in the WAL until a
  // checkpoint; without this an fsync'ed file could lose its last changes to a power loss.
  const auto result = metadata_->sync();
  // A lost group may have undone removals whose blocks are then still in use: none is punched
  // (compaction gets the space back later).
  const auto dropped = releases_.on_sync(result);
  if (result.lost_commits) {
    log().error("index changes were lost after an error; {} removed blocks are left in place",
                dropped);
    throw index::IndexError("changes since the last commit were lost after an error",
                            std::errc::io_error);
  }
}

Filesystem::~Filesystem() = default;

index::Index& Filesystem::index() {
  return metadata_->legacy().index;
}

Mutex& Filesystem::index_mutex() {
  return metadata_->legacy().mutex;
}

}  // namespace squeezefs::fs
