#include "squeezefs/blockstore/local/local_block_store.h"

#include <sys/statvfs.h>

#include <algorithm>
#include <cerrno>
#include <limits>
#include <optional>
#include <stdexcept>
#include <utility>

#include "append_stream.h"
#include "squeezefs/blockstore/local/data_file_names.h"
#include "squeezefs/blockstore/local/ledger_id_source.h"
#include "squeezefs/common/log.h"
#include "storage_failure.h"

namespace squeezefs::blockstore {
namespace {

// The data file an address can name; std::nullopt when no data file can hold it (so get() never
// asks the file system about it, and pread's offset cannot overflow).
std::optional<std::uint32_t> file_of(const BlockAddress& address) {
  constexpr std::uint64_t kMaxOffset = std::numeric_limits<std::int64_t>::max() / 2;
  if (address.group == 0 || address.group > std::numeric_limits<std::uint32_t>::max() ||
      address.length == 0 || address.offset > kMaxOffset)
    return std::nullopt;
  return static_cast<std::uint32_t>(address.group);
}

}  // namespace

LocalBlockStore::LocalBlockStore(std::filesystem::path data_dir, std::unique_ptr<IdSource> ids,
                                 LocalBlockStoreOptions options, FileIo& io)
    : dir_(std::move(data_dir)),
      io_(io),
      ids_(std::move(ids)),
      options_(options),
      puts_(std::make_unique<AppendStream>(dir_, io_, options_.file_limit)),
      copies_(std::make_unique<AppendStream>(dir_, io_, options_.file_limit)) {
  try {
    std::filesystem::create_directories(dir_);
  } catch (const std::system_error& e) {
    throw storage_failure(e);
  }
  // Without a ledger of its own the store knows only the files' sizes: each counts as all live
  // until the caller resets the accounting from the metadata.
  const auto files = list_data_files(dir_);
  const MutexLock lock(mutex_);
  for (const auto& [id, size] : files) ledger_[id] = ContainerAccount{size, size, 0};
  accounting_trusted_ = files.empty();
}

LocalBlockStore::LocalBlockStore(std::filesystem::path data_dir, LedgerAccess access,
                                 LocalBlockStoreOptions options, FileIo& io)
    : dir_(std::move(data_dir)),
      io_(io),
      options_(options),
      read_only_(access == LedgerAccess::kReadOnly),
      ledger_file_(std::make_unique<LedgerFile>(dir_, io_)),
      puts_(std::make_unique<AppendStream>(dir_, io_, options_.file_limit)),
      copies_(std::make_unique<AppendStream>(dir_, io_, options_.file_limit)) {
  try {
    if (!read_only_) std::filesystem::create_directories(dir_);
    const auto record = ledger_file_->read();
    const auto files = list_data_files(dir_);
    const MutexLock lock(mutex_);
    // The ledger's accounts of the files that exist, and the files it does not know counted as
    // all live. Any difference means the ledger is not the one the last close wrote.
    bool matches = record.has_value();
    if (record) {
      for (const auto& [id, account] : record->containers) {
        if (files.contains(id))
          ledger_[id] = account;
        else
          matches = false;
      }
    }
    for (const auto& [id, size] : files) {
      if (!ledger_.contains(id)) {
        ledger_[id] = ContainerAccount{size, size, 0};
        matches = false;
      }
    }
    accounting_trusted_ = record ? record->clean && matches : files.empty();
    // Never below an id on disk: a ledger that was lost or damaged must not hand one out again.
    std::uint64_t first = record ? std::max<std::uint64_t>(record->high_water, 1) : 1;
    if (!files.empty())
      first = std::max<std::uint64_t>(first, std::uint64_t{files.rbegin()->first} + 1);
    if (first > std::numeric_limits<std::uint32_t>::max())
      throw std::length_error("every data file id of " + dir_.string() + " has been used");
    high_water_ = first;
    if (read_only_) return;
    // Reserve the first ids with the write that marks the ledger not clean: one write at open.
    high_water_ = first + LedgerIdSource::kReserve;
    write_ledger(false);
    ids_ = std::make_unique<LedgerIdSource>(static_cast<std::uint32_t>(first), high_water_,
                                            [this](std::uint64_t mark) { reserve_ids(mark); });
  } catch (const std::system_error& e) {
    throw storage_failure(e);
  }
}

LocalBlockStore::~LocalBlockStore() {
  close_ledger();
}

void LocalBlockStore::close_ledger() noexcept {
  if (!ledger_file_ || read_only_) return;
  try {
    const MutexLock lock(mutex_);
    // The accounts count what was put; clean means they match the data files after a crash too.
    puts_->sync();
    copies_->sync();
    write_ledger(accounting_trusted_);
  } catch (const std::exception& e) {
    log().warn("{}: the ledger is left marked as not closed cleanly: {}", describe(), log_text(e));
  }
}

void LocalBlockStore::write_ledger(bool clean) {
  LedgerRecord record;
  record.high_water = high_water_;
  record.clean = clean;
  record.containers = ledger_;
  ledger_file_->write(record);
  ledger_changed_ = false;
}

void LocalBlockStore::write_ledger_if_changed() {
  if (ledger_file_ && !read_only_ && ledger_changed_) write_ledger(false);
}

void LocalBlockStore::reserve_ids(std::uint64_t new_mark) {
  const std::uint64_t old_mark = high_water_;
  high_water_ = new_mark;
  try {
    write_ledger(false);
  } catch (...) {
    high_water_ = old_mark;
    throw;
  }
}

void LocalBlockStore::require_writable() const {
  if (read_only_) throw StorageError(StorageErrc::kReadOnly, describe() + " was opened read-only");
}

void LocalBlockStore::import_v1_accounting(const std::filesystem::path& data_dir,
                                           std::span<const V1ContainerRow> rows, FileIo& io) {
  try {
    std::filesystem::create_directories(data_dir);
    LedgerFile file(data_dir, io);
    const auto files = list_data_files(data_dir);
    LedgerRecord record;
    // Above an existing ledger's mark too: an import repeated after a crash must not lower it.
    if (const auto existing = file.read()) record.high_water = existing->high_water;
    if (!files.empty())
      record.high_water = std::max<std::uint64_t>(record.high_water, files.rbegin()->first + 1);
    for (const auto& row : rows) {
      record.high_water = std::max<std::uint64_t>(record.high_water, std::uint64_t{row.id} + 1);
      if (files.contains(row.id))
        record.containers[row.id] = ContainerAccount{row.live, row.total, row.dead};
    }
    record.clean = record.containers.size() == files.size();
    file.write(record);
  } catch (const std::system_error& e) {
    throw storage_failure(e);
  }
}

BlockAddress LocalBlockStore::put(std::span<const std::byte> bytes, const BlockTag& /*tag*/) {
  require_storable(bytes);
  require_writable();
  const MutexLock lock(mutex_);
  try {
    const BlockAddress address = puts_->append(bytes, *ids_);
    auto& account = ledger_[static_cast<std::uint32_t>(address.group)];
    account.total += bytes.size();
    account.live += bytes.size();
    ledger_changed_ = true;
    return address;
  } catch (const std::system_error& e) {
    throw storage_failure(e);
  }
}

std::shared_ptr<IoFile> LocalBlockStore::reader(std::uint32_t id) {
  const auto it = readers_.find(id);
  if (it != readers_.end()) return it->second;
  std::shared_ptr<IoFile> file = io_.open(data_file_path(dir_, id), OpenMode::kRead);
  if (!file) return nullptr;
  return readers_.emplace(id, std::move(file)).first->second;
}

GetStatus LocalBlockStore::get(const BlockAddress& address, std::span<std::byte> out) {
  const auto id = file_of(address);
  if (!id || out.size() != address.length) return GetStatus::kMissing;
  try {
    std::shared_ptr<IoFile> file;
    {
      const MutexLock lock(mutex_);
      file = reader(*id);
    }
    if (file == nullptr) return GetStatus::kMissing;
    // pread needs no lock; the reader stays open while this call holds it, even once retired.
    if (file->pread(out, address.offset) != out.size()) return GetStatus::kMissing;
  } catch (const std::system_error& e) {
    throw storage_failure(e);
  }
  // A punched hole (a released block) or a gap a crash left reads as zeros; no block is all zero.
  return all_zero(out) ? GetStatus::kMissing : GetStatus::kOk;
}

void LocalBlockStore::sync() {
  const MutexLock lock(mutex_);
  try {
    puts_->sync();
    // After the data: the ledger never counts blocks that a crash can still take back.
    write_ledger_if_changed();
  } catch (const std::system_error& e) {
    throw storage_failure(e);
  }
}

void LocalBlockStore::release(std::span<const ReleasedBlock> blocks) {
  // A read-only store neither punches nor accounts: nothing it would note could be kept.
  if (read_only_) return;
  std::map<std::uint32_t, std::vector<BlockAddress>> punches;
  {
    const MutexLock lock(mutex_);
    for (const auto& block : blocks) {
      const auto id = file_of(block.address);
      if (!id) continue;
      if (const auto it = ledger_.find(*id); it != ledger_.end()) {
        auto& account = it->second;
        const std::uint64_t released = std::min<std::uint64_t>(account.live, block.address.length);
        account.live -= released;
        if (block.reason == ReleaseReason::kNeverReferenced) account.dead += released;
        ledger_changed_ = true;
      }
      // The policy: a removed file's blocks give their space back at once. Replaced blocks are
      // only accounted, as before the block store had reasons (punching them too is a separate,
      // measured change).
      if (block.reason == ReleaseReason::kRemoved) punches[*id].push_back(block.address);
    }
  }
  // Outside the lock: punching touches only released ranges, which nothing appends to or reads.
  for (const auto& [id, addresses] : punches) punch(id, addresses);
}

void LocalBlockStore::punch(std::uint32_t id, const std::vector<BlockAddress>& blocks) {
  try {
    const auto file = io_.open(data_file_path(dir_, id), OpenMode::kReadWrite);
    if (!file) return;  // retired meanwhile
    for (const auto& block : blocks) file->punch_hole(block.offset, block.length);
  } catch (const std::exception& e) {
    // Best effort: the space stays dead until compaction. Logged once per store, since a file
    // system without hole punching fails every time.
    if (!punch_failure_logged_.exchange(true)) {
      log().warn("cannot punch holes in {} (space of removed files comes back by compaction): {}",
                 data_file_label(id), log_text(e));
    }
  }
}

Capacity LocalBlockStore::capacity() {
  struct statvfs st {};
  if (::statvfs(dir_.c_str(), &st) != 0) {
    throw storage_failure(
        std::system_error(errno, std::generic_category(), "statvfs " + dir_.string()));
  }
  return Capacity{static_cast<std::uint64_t>(st.f_blocks) * st.f_frsize,
                  static_cast<std::uint64_t>(st.f_bavail) * st.f_frsize};
}

std::string LocalBlockStore::describe() const {
  return "local data files in " + dir_.string();
}

void LocalBlockStore::for_each(
    FunctionRef<void(const BlockAddress&, std::span<const std::byte>)> /*visit*/) {
  throw std::logic_error("the blocks of " + describe() +
                         " cannot be listed: data files do not record where blocks start");
}

void LocalBlockStore::forget(std::uint32_t id) {
  readers_.erase(id);
  if (ledger_.erase(id) > 0) ledger_changed_ = true;
  puts_->forget(id);
  copies_->forget(id);
}

}  // namespace squeezefs::blockstore
