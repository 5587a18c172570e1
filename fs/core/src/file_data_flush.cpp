// FileData: handing dirty blocks to the worker pool, committing encoded blocks in groups,
// flush/fsync/release, the dirty-memory cap and the background flusher.
#include <algorithm>

#include "squeezefs/common/log.h"
#include "squeezefs/common/storage_error.h"
#include "squeezefs/fs/file_data.h"

namespace squeezefs::fs {

void FileData::submit_locked(std::uint64_t ino, InodeState& st, std::uint64_t block) {
  const auto it = st.dirty.find(block);
  if (it == st.dirty.end()) return;
  const std::uint64_t start = block * block_size_;
  // The last block is stored only up to the end of the file.
  const auto length = static_cast<std::size_t>(
      start >= st.size ? 0 : std::min<std::uint64_t>(block_size_, st.size - start));
  // Bytes past the end are cut (same capacity, same charge). A buffer can also be shorter than
  // the block (the file grew past its last written byte): the worker pads a copy.
  auto& bytes = it->second.data;
  if (bytes.size() > length) bytes.resize(length);
  auto data = std::make_shared<const std::vector<std::byte>>(std::move(bytes));
  st.dirty.erase(it);
  const std::uint64_t seq = next_seq_++;
  st.pending[block] = PendingBlock{seq, data};
  pool_.submit([this, ino, block, seq, data, length] {
    EncodedBlock encoded{ino, block, seq, std::nullopt, data, false, {}};
    const codecs::Codec* codec = nullptr;
    int level = 0;
    {
      const std::lock_guard codec_lock(codec_mutex_);
      codec = codec_;
      level = level_;
    }
    try {
      if (data->size() == length) {
        encoded.ref = io_.write(*data, *codec, level);
      } else {
        // The padded copy lives only during the encode: it is part of the workers' budget.
        std::vector<std::byte> padded(length);
        std::copy(data->begin(), data->end(), padded.begin());
        encoded.ref = io_.write(padded, *codec, level);
      }
    } catch (const std::exception& e) {
      log().error("inode {} block {}: cannot store: {}", ino, block, log_text(e));
      encoded.failed = true;
      encoded.error = posix_error_of(e);
    }
    committer_.enqueue(std::move(encoded));
  });
}

void FileData::submit_all_locked(std::uint64_t ino, InodeState& st) {
  while (!st.dirty.empty()) submit_locked(ino, st, st.dirty.begin()->first);
}

void FileData::submit_everything() {
  std::vector<std::pair<std::uint64_t, StatePtr>> states;
  {
    const std::lock_guard lock(inodes_mutex_);
    states.assign(inodes_.begin(), inodes_.end());
  }
  for (auto& [ino, st] : states) {
    const std::lock_guard lock(st->mutex);
    submit_all_locked(ino, *st);
  }
}

void FileData::commit_batch(std::vector<EncodedBlock>& batch) {
  bool synced = true;
  std::error_code sync_error;
  try {
    io_.store().sync();  // data before the metadata that references it
  } catch (const std::exception& e) {
    log().error("cannot sync data files: {}", log_text(e));
    synced = false;
    sync_error = posix_error_of(e);
  }
  std::map<std::uint64_t, StatePtr> states;
  {
    const std::lock_guard lock(inodes_mutex_);
    for (const auto& item : batch) {
      const auto it = inodes_.find(item.ino);
      states.emplace(item.ino, it == inodes_.end() ? nullptr : it->second);
    }
  }
  // Several file locks at once, always in ino order (the map's), so no two threads deadlock.
  std::vector<std::unique_lock<std::mutex>> locks;
  for (auto& [ino, st] : states) {
    if (st) locks.emplace_back(st->mutex);
  }
  // The current version of a block is the one still registered as pending; anything else was
  // overwritten, truncated away or punched meanwhile and only occupies space.
  const auto current = [&](const EncodedBlock& item) -> InodeState* {
    InodeState* st = states[item.ino].get();
    if (st == nullptr) return nullptr;
    const auto it = st->pending.find(item.block);
    return it != st->pending.end() && it->second.seq == item.seq ? st : nullptr;
  };
  {
    const std::lock_guard index_lock(mutex_);
    try {
      index::Txn txn(index_.db());
      std::map<std::uint64_t, bool> exists;
      std::map<std::uint64_t, std::uint64_t> reach;  // end of each file's furthest block here
      for (const auto& item : batch) {
        InodeState* st = current(item);
        if (item.failed || !synced) {
          if (st != nullptr) st->error = item.failed ? item.error : sync_error;
          if (st != nullptr) st->pending.erase(item.block);
          // Written but not known durable: dead space, counted so compaction can take it back.
          if (item.ref) index_.account_dead(item.ref->data_file, item.ref->stored_length);
          continue;
        }
        if (st != nullptr && !exists.contains(item.ino))
          exists[item.ino] = index_.inode(item.ino).has_value();
        if (st == nullptr || !exists[item.ino]) {
          // Superseded, or its inode was removed meanwhile: the block only occupies space. A
          // removed inode's block must still leave `pending`, or its waiters never return.
          if (st != nullptr) st->pending.erase(item.block);
          if (item.ref) index_.account_dead(item.ref->data_file, item.ref->stored_length);
          continue;
        }
        if (item.ref) index_.account_written(item.ref->data_file, item.ref->stored_length);
        const auto previous = item.ref
                                  ? index_.put_block(item.ino, item.block, *item.ref)
                                  : index_.remove_block(item.ino, item.block);  // all zeros: a hole
        if (previous) index_.account_freed(previous->data_file, previous->stored_length);
        st->pending.erase(item.block);
        reach[item.ino] = std::max(reach[item.ino], (item.block + 1) * block_size_);
        // The decoded bytes are at hand: later reads of this block need no decode (unless the
        // buffer was shorter than the block: the cache holds whole blocks).
        if (item.ref && item.raw->size() == item.ref->raw_length)
          cache_.put(CacheKey{item.ref->data_file, item.ref->offset}, item.raw);
      }
      // Sizes grown by writes, with the blocks that make them up.
      std::vector<std::pair<InodeState*, std::uint64_t>> grown;
      for (const auto& [ino, end] : reach) {
        InodeState& st = *states[ino];
        const std::uint64_t size = committed_size_locked(st, end);
        if (size <= st.index_size) continue;
        auto rec = index_.inode(ino);
        if (!rec) continue;
        rec->size = size;
        index_.update_inode(*rec);
        grown.emplace_back(&st, size);
      }
      txn.commit();
      for (const auto& [st, size] : grown) st->index_size = size;
    } catch (const std::exception& e) {
      // Rolled back: none of the batch is recorded. Report it through the files it concerned.
      log().error("cannot commit {} blocks: {}", batch.size(), log_text(e));
      for (auto& [ino, st] : states) {
        if (st) st->error = posix_error_of(e);
      }
      for (const auto& item : batch) {
        if (InodeState* st = current(item)) st->pending.erase(item.block);
      }
    }
  }
  // Return the memory before the file locks, so a flush that saw its blocks committed also sees
  // their memory released. Each raw block was charged at its capacity since it became dirty;
  // those now in the cache count against the cache's cap instead.
  std::size_t freed = 0;
  for (const auto& item : batch) freed += item.raw->capacity();
  unreserve(freed);
  locks.clear();
  for (const auto& [ino, st] : states) forget_if_idle(ino);
}

Result<void> FileData::flush_and_wait(std::uint64_t ino, const StatePtr& st) {
  std::uint64_t target = 0;
  std::uint64_t size = 0;  // what this call makes durable, with the blocks up to `target`
  {
    const std::lock_guard lock(st->mutex);
    size = st->size;
    submit_all_locked(ino, *st);
    for (const auto& [block, p] : st->pending) target = std::max(target, p.seq);
  }
  const Committer::Waiter waiter(committer_);
  for (;;) {
    std::uint64_t seen = 0;
    {
      const std::lock_guard lock(progress_mutex_);
      seen = epoch_;
    }
    {
      const std::lock_guard lock(st->mutex);
      const bool done = std::none_of(st->pending.begin(), st->pending.end(),
                                     [&](const auto& p) { return p.second.seq <= target; });
      if (done) {
        // Not every size reaches the index with a block (a punched hole can take the last one).
        store_size_locked(ino, *st, size);
        const auto error = std::exchange(st->error, {});
        if (error) return Unexpected{error};
        return {};
      }
    }
    wait_progress(seen);
  }
}

Result<void> FileData::open(std::uint64_t ino) {
  auto st = state(ino);
  if (!st) return Unexpected{st.error()};
  const std::lock_guard lock(inodes_mutex_);
  ++opens_[ino];
  return {};
}

Result<void> FileData::release(std::uint64_t ino) {
  {
    const std::lock_guard lock(inodes_mutex_);
    const auto it = opens_.find(ino);
    if (it == opens_.end()) return {};
    if (--it->second > 0) return {};
    opens_.erase(it);
  }
  const auto st = find_state(ino);
  if (!st) return {};
  // No wait for the commit: the state stays in inodes_ until its blocks are committed
  // (forget_if_idle), and the index never gives a removed inode's number to a new inode while
  // it is open, so blocks still in flight can only land on this inode, or be dropped by
  // commit_batch if it is removed meanwhile. Durability is fsync's business, as elsewhere.
  std::error_code error;
  {
    const std::lock_guard lock(st->mutex);
    submit_all_locked(ino, *st);
    error = std::exchange(st->error, {});
  }
  forget_if_idle(ino);
  if (error) return Unexpected{error};
  return {};
}

Result<void> FileData::flush(std::uint64_t ino) {
  const auto st = find_state(ino);
  if (!st) return {};
  const std::lock_guard lock(st->mutex);
  submit_all_locked(ino, *st);
  if (const auto error = std::exchange(st->error, {})) return Unexpected{error};
  return {};
}

Result<void> FileData::fsync(std::uint64_t ino) {
  const auto st = find_state(ino);
  if (!st) return {};  // nothing buffered: everything is committed already
  return flush_and_wait(ino, st);
}

Result<void> FileData::sync() {
  std::error_code failure;
  std::vector<std::pair<std::uint64_t, StatePtr>> states;
  {
    const std::lock_guard lock(inodes_mutex_);
    states.assign(inodes_.begin(), inodes_.end());
  }
  for (const auto& [ino, st] : states) {
    if (auto ok = flush_and_wait(ino, st); !ok) {
      log().error("inode {}: write-back failed: {}", ino, ok.error().message());
      // Still the file's to report: a background sync must not swallow the error its next
      // fsync or close returns.
      const std::lock_guard lock(st->mutex);
      if (!st->error) st->error = ok.error();
      if (!failure) failure = ok.error();
    }
  }
  io_.store().sync();
  if (failure) return Unexpected{failure};
  return {};
}

std::size_t FileData::dirty_bytes() {
  const std::lock_guard lock(progress_mutex_);
  return dirty_bytes_;
}

void FileData::reserve(std::size_t bytes) {
  std::unique_lock lock(progress_mutex_);
  // A reservation larger than the whole cap proceeds alone, once nothing else is buffered.
  const auto fits = [&] {
    return dirty_bytes_ == 0 || encode_bytes_ + dirty_bytes_ + bytes <= options_.dirty_bytes;
  };
  if (fits()) {
    dirty_bytes_ += bytes;
    return;
  }
  lock.unlock();
  const Committer::Waiter waiter(committer_);
  lock.lock();
  while (!fits()) {
    // Memory pressure: hand every dirty block to the pool so commits free memory, then wait.
    const std::uint64_t seen = epoch_;
    lock.unlock();
    submit_everything();
    lock.lock();
    progress_cv_.wait(lock, [&] { return epoch_ != seen || fits(); });
  }
  dirty_bytes_ += bytes;
}

void FileData::unreserve(std::size_t bytes) {
  {
    const std::lock_guard lock(progress_mutex_);
    dirty_bytes_ -= bytes;
    ++epoch_;
  }
  progress_cv_.notify_all();
}

void FileData::wait_progress(std::uint64_t seen) {
  std::unique_lock lock(progress_mutex_);
  progress_cv_.wait(lock, [&] { return epoch_ != seen; });
}

void FileData::flusher() {
  const auto period = std::clamp<std::chrono::milliseconds>(
      options_.flush_age / 4, std::chrono::milliseconds(10), std::chrono::milliseconds(1000));
  std::unique_lock lock(progress_mutex_);
  while (!flusher_cv_.wait_for(lock, period, [this] { return stopping_; })) {
    const bool pressure = encode_bytes_ + dirty_bytes_ > options_.dirty_bytes / 2;
    lock.unlock();
    std::vector<std::pair<std::uint64_t, StatePtr>> states;
    {
      const std::lock_guard inodes_lock(inodes_mutex_);
      states.assign(inodes_.begin(), inodes_.end());
    }
    const auto now = std::chrono::steady_clock::now();
    for (auto& [ino, st] : states) {
      const std::lock_guard state_lock(st->mutex);
      for (auto it = st->dirty.begin(); it != st->dirty.end();) {
        const auto entry = it++;  // submit_locked erases the entry
        if (pressure || now - entry->second.since >= options_.flush_age)
          submit_locked(ino, *st, entry->first);
      }
    }
    lock.lock();
  }
}

void FileData::readahead(std::uint64_t ino,
                         const std::vector<std::pair<std::uint64_t, index::BlockRef>>& blocks) {
  // Enough decodes queued to cover the window and one kernel request (up to 1 MiB); each holds
  // at most one block of memory beyond the cache.
  constexpr std::size_t kMaxRequest = std::size_t{1} << 20;
  const std::size_t window = std::min(options_.readahead_bytes, options_.cache_bytes / 4);
  const std::size_t limit =
      2 * std::max<std::size_t>(1, pool_.size()) + (window + kMaxRequest) / block_size_;
  for (const auto& [block, ref] : blocks) {
    if (cache_.contains(CacheKey{ref.data_file, ref.offset})) continue;
    if (readahead_inflight_.load() >= limit) return;
    ++readahead_inflight_;
    pool_.submit([this, ino, block = block, ref = ref] {
      try {
        cache_.prefetch(CacheKey{ref.data_file, ref.offset}, stored_loader(ino, block, ref));
      } catch (const std::exception& e) {
        log().error("inode {} block {}: readahead failed: {}", ino, block, log_text(e));
      }
      --readahead_inflight_;
    });
  }
}

}  // namespace squeezefs::fs
