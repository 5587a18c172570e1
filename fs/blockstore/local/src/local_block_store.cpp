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
  for (const auto& [id, size] : files) ledger_[id] = Ledger{size, size};
  accounting_trusted_ = files.empty();
}

LocalBlockStore::~LocalBlockStore() = default;

BlockAddress LocalBlockStore::put(std::span<const std::byte> bytes, const BlockTag& /*tag*/) {
  require_storable(bytes);
  const MutexLock lock(mutex_);
  try {
    const BlockAddress address = puts_->append(bytes, *ids_);
    auto& ledger = ledger_[static_cast<std::uint32_t>(address.group)];
    ledger.total += bytes.size();
    ledger.live += bytes.size();
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
  } catch (const std::system_error& e) {
    throw storage_failure(e);
  }
}

void LocalBlockStore::release(std::span<const ReleasedBlock> blocks) {
  std::map<std::uint32_t, std::vector<BlockAddress>> punches;
  {
    const MutexLock lock(mutex_);
    for (const auto& block : blocks) {
      const auto id = file_of(block.address);
      if (!id) continue;
      if (const auto it = ledger_.find(*id); it != ledger_.end())
        it->second.live -= std::min<std::uint64_t>(it->second.live, block.address.length);
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
  ledger_.erase(id);
  puts_->forget(id);
  copies_->forget(id);
}

}  // namespace squeezefs::blockstore
