#include "squeezefs/blockstore/local/local_compaction.h"

#include <sys/stat.h>

#include <algorithm>
#include <set>
#include <stdexcept>
#include <thread>

#include "append_stream.h"
#include "squeezefs/blockstore/local/data_file_names.h"
#include "squeezefs/blockstore/local/local_block_store.h"
#include "storage_failure.h"

namespace squeezefs::blockstore {
namespace {

// The bytes the file occupies on the medium (holes excluded); 0 when it is gone.
std::uint64_t media_bytes(const std::filesystem::path& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return 0;
  return static_cast<std::uint64_t>(st.st_blocks) * 512;
}

std::uint32_t file_id(std::uint64_t group) {
  if (group == 0 || group > UINT32_MAX)
    throw std::invalid_argument("no data file holds group " + std::to_string(group));
  return static_cast<std::uint32_t>(group);
}

}  // namespace

std::vector<Compaction::Container> LocalCompaction::containers() {
  std::vector<Container> out;
  {
    const MutexLock lock(store_.mutex_);
    const auto putting = store_.puts_->active();
    const auto copying = store_.copies_->active();
    for (const auto& [id, account] : store_.ledger_)
      out.push_back(Container{id, account.live, account.total, 0, id != putting && id != copying});
  }
  for (auto& container : out) {
    container.media_bytes =
        media_bytes(data_file_path(store_.dir_, static_cast<std::uint32_t>(container.group)));
  }
  return out;
}

void LocalCompaction::seal_active() {
  const MutexLock lock(store_.mutex_);
  // The streams keep their files' ids for sync(): sealed files may still hold unsynced blocks.
  store_.puts_->seal();
  store_.copies_->seal();
}

Compaction::Copied LocalCompaction::copy_out(std::uint64_t group,
                                             std::span<const BlockAddress> blocks) {
  const std::uint32_t id = file_id(group);
  store_.require_writable();
  {
    const MutexLock lock(store_.mutex_);
    if (id == store_.puts_->active() || id == store_.copies_->active())
      throw std::invalid_argument(data_file_label(id) + " is being appended to: seal it first");
  }
  Copied copied;
  copied.to.reserve(blocks.size());
  std::vector<std::byte> bytes;
  for (std::size_t i = 0; i < blocks.size(); ++i) {
    if (blocks[i].group != group)
      throw std::invalid_argument("a block to copy out of " + data_file_label(id) +
                                  " is not in it");
    bytes.resize(blocks[i].length);
    if (store_.get(blocks[i], bytes) != GetStatus::kOk) {
      copied.unreadable = i;
      break;
    }
    const MutexLock lock(store_.mutex_);
    try {
      const BlockAddress to = store_.copies_->append(bytes, *store_.ids_);
      auto& account = store_.ledger_[static_cast<std::uint32_t>(to.group)];
      account.total += bytes.size();
      account.live += bytes.size();
      store_.ledger_changed_ = true;
      copied.to.push_back(to);
    } catch (const std::system_error& e) {
      throw storage_failure(e);
    }
  }
  return copied;
}

void LocalCompaction::sync() {
  const MutexLock lock(store_.mutex_);
  try {
    store_.copies_->sync();
    store_.write_ledger_if_changed();
  } catch (const std::system_error& e) {
    throw storage_failure(e);
  }
}

void LocalCompaction::retire(std::span<const std::uint64_t> groups) {
  if (groups.empty()) return;
  store_.require_writable();
  std::vector<std::uint32_t> ids;
  for (const auto group : groups) ids.push_back(file_id(group));
  {
    const MutexLock lock(store_.mutex_);
    for (const auto id : ids) {
      if (id == store_.puts_->active() || id == store_.copies_->active())
        throw std::invalid_argument(data_file_label(id) + " is being appended to");
    }
  }
  // Readers that found an address in these files just before the metadata switched may still
  // open them now; after the grace period they find the new addresses instead.
  std::this_thread::sleep_for(store_.options_.retire_grace);
  try {
    {
      // Unlinked under the lock, so that no get() caches a new reader of a file being deleted.
      // Reads already holding one finish on the unlinked file.
      const MutexLock lock(store_.mutex_);
      for (const auto id : ids) {
        store_.forget(id);
        store_.io_.unlink(data_file_path(store_.dir_, id));
      }
    }
    store_.io_.sync_dir(store_.dir_);
  } catch (const std::system_error& e) {
    throw storage_failure(e);
  }
}

std::size_t LocalCompaction::remove_leftovers(FunctionRef<bool(std::uint64_t group)> referenced) {
  store_.require_writable();
  const auto on_disk = list_data_files(store_.dir_);
  std::set<std::uint32_t> active;
  {
    const MutexLock lock(store_.mutex_);
    active = {store_.puts_->active(), store_.copies_->active()};
  }
  // Asked outside the lock: the metadata store may take its own locks. The files being appended
  // to can only change to new files, which are not in `on_disk`.
  std::vector<std::uint32_t> leftovers;
  for (const auto& [id, size] : on_disk) {
    if (!active.contains(id) && !referenced(id)) leftovers.push_back(id);
  }
  if (leftovers.empty()) return 0;
  try {
    {
      const MutexLock lock(store_.mutex_);
      for (const auto id : leftovers) {
        store_.forget(id);
        store_.io_.unlink(data_file_path(store_.dir_, id));
      }
    }
    store_.io_.sync_dir(store_.dir_);
  } catch (const std::system_error& e) {
    throw storage_failure(e);
  }
  return leftovers.size();
}

bool LocalCompaction::accounting_trusted() {
  const MutexLock lock(store_.mutex_);
  return store_.accounting_trusted_;
}

void LocalCompaction::reset_accounting(const std::map<std::uint64_t, std::uint64_t>& live) {
  const MutexLock lock(store_.mutex_);
  for (auto& [id, ledger] : store_.ledger_) {
    const auto it = live.find(id);
    ledger.live = it == live.end() ? 0 : it->second;
  }
  store_.accounting_trusted_ = true;
  store_.ledger_changed_ = true;
}

void LocalCompaction::check(const std::map<std::uint64_t, std::uint64_t>& live,
                            const std::map<std::uint64_t, std::uint64_t>& furthest_end, bool repair,
                            std::vector<ContainerProblem>& out) {
  using Kind = ContainerProblem::Kind;
  const auto on_disk = list_data_files(store_.dir_);
  std::set<std::uint32_t> active;
  {
    const MutexLock lock(store_.mutex_);
    active = {store_.puts_->active(), store_.copies_->active()};
  }
  auto referenced = [&](std::uint64_t group) {
    const auto it = live.find(group);
    return furthest_end.contains(group) || (it != live.end() && it->second > 0);
  };
  for (const auto& [group, end] : furthest_end) {
    const auto file =
        group <= UINT32_MAX ? on_disk.find(static_cast<std::uint32_t>(group)) : on_disk.end();
    if (file == on_disk.end())
      out.push_back(ContainerProblem{Kind::kMissing, group, end, 0, false});
    else if (file->second < end)
      out.push_back(ContainerProblem{Kind::kShort, group, end, file->second, false});
  }
  std::vector<std::uint64_t> strays;
  for (const auto& [id, size] : on_disk) {
    if (active.contains(id) || referenced(id)) continue;
    strays.push_back(id);
    out.push_back(ContainerProblem{Kind::kStray, id, 0, size, repair});
  }
  if (repair && !strays.empty()) {
    // No metadata references them: deleted at once, without the grace of a retire.
    try {
      {
        const MutexLock lock(store_.mutex_);
        for (const auto id : strays) {
          store_.forget(static_cast<std::uint32_t>(id));
          store_.io_.unlink(data_file_path(store_.dir_, static_cast<std::uint32_t>(id)));
        }
      }
      store_.io_.sync_dir(store_.dir_);
    } catch (const std::system_error& e) {
      throw storage_failure(e);
    }
  }
  bool mismatch = false;
  {
    const MutexLock lock(store_.mutex_);
    for (const auto& [id, account] : store_.ledger_) {
      const auto it = live.find(id);
      const std::uint64_t expected = it == live.end() ? 0 : it->second;
      if (account.live == expected) continue;
      mismatch = true;
      out.push_back(ContainerProblem{Kind::kAccounting, id, expected, account.live, repair});
    }
  }
  if (repair && mismatch) reset_accounting(live);
}

}  // namespace squeezefs::blockstore
