// FileData: size changes, hole punching and hole/data queries. Buffered blocks are adjusted here
// together with the index so nothing past an end or inside a hole can come back later.
#include <algorithm>

#include "squeezefs/common/log.h"
#include "squeezefs/common/storage_error.h"
#include "squeezefs/fs/file_data.h"
#include "squeezefs/fs/namespace.h"

namespace squeezefs::fs {

Result<std::optional<FileData::CutBlock>> FileData::store_cut_block_locked(std::uint64_t ino,
                                                                           InodeState& st,
                                                                           std::uint64_t block,
                                                                           std::size_t tail) {
  std::optional<index::BlockRef> committed;
  {
    const std::lock_guard lock(mutex_);
    committed = index_.block(ino, block);
  }
  if (!committed || committed->raw_length <= tail) return std::optional<CutBlock>();
  std::vector<std::byte> content(block_size_);
  if (auto ok = current_locked(ino, st, block, content); !ok) return Unexpected{ok.error()};
  content.resize(tail);
  try {
    const codecs::Codec* codec = nullptr;
    int level = 0;
    {
      const std::lock_guard codec_lock(codec_mutex_);
      codec = codec_;
      level = level_;
    }
    CutBlock cut{io_.write(content, *codec, level)};
    io_.store().sync();  // data before the metadata that references it
    return std::optional<CutBlock>(std::move(cut));
  } catch (const std::exception& e) {
    log().error("inode {} block {}: cannot store the cut block: {}", ino, block, log_text(e));
    return Unexpected{posix_error_of(e)};
  }
}

std::size_t FileData::cut_buffered_locked(InodeState& st, std::uint64_t block, std::size_t tail,
                                          bool committed_now) {
  std::size_t change = 0;  // bytes allocated, or (with committed_now) freed
  const auto dirty = st.dirty.find(block);
  const auto pending = st.pending.find(block);
  if (committed_now) {
    if (dirty != st.dirty.end()) {
      change = dirty->second.data.capacity();
      st.dirty.erase(dirty);
    }
  } else if (dirty != st.dirty.end()) {
    // Bytes past a dirty buffer's end read as zeros.
    if (dirty->second.data.size() > tail) dirty->second.data.resize(tail);
  } else if (pending != st.pending.end()) {
    const auto& data = *pending->second.data;
    DirtyBlock copy;
    copy.since = std::chrono::steady_clock::now();
    copy.data.assign(data.begin(),
                     data.begin() + static_cast<std::ptrdiff_t>(std::min(data.size(), tail)));
    change = copy.data.capacity();
    st.dirty.emplace(block, std::move(copy));
  }
  // A version in flight holds the bytes past the end: disowned, its space is freed on arrival.
  if (pending != st.pending.end()) st.pending.erase(pending);
  return change;
}

Result<void> FileData::truncate(std::uint64_t ino, std::uint64_t size) {
  if (size > kMaxFileSize) return fail(std::errc::file_too_large);
  auto st = state(ino);
  if (!st) return Unexpected{st.error()};
  StatePtr sp = *st;
  reserve(block_size_);
  std::size_t used = 0;
  std::size_t dropped = 0;
  Result<void> result;
  {
    auto lock = lock_live(ino, sp);
    if (!lock) {
      unreserve(block_size_);
      return Unexpected{lock.error()};
    }
    InodeState& s = *sp;
    if (size < s.size) {
      const std::uint64_t keep = (size + block_size_ - 1) / block_size_;
      const auto tail = static_cast<std::size_t>(size % block_size_);
      // The new last block must hold no byte past the new end, neither buffered nor committed:
      // such bytes would come back as file content when the file grows again. A committed
      // version that does is replaced in the same transaction as the size, so no crash can
      // leave the smaller size with the old block. The index may hold a size short of the new
      // end, with bytes written up to it still buffered: it keeps that size until they commit
      // (a block to cut lies in the index's size, so the new size goes in with it).
      const std::uint64_t stored_size = settable_size_locked(s, size);
      std::optional<CutBlock> cut;
      if (tail != 0) {
        auto stored = store_cut_block_locked(ino, s, keep - 1, tail);
        if (!stored) {
          unreserve(block_size_);
          return Unexpected{stored.error()};
        }
        cut = std::move(*stored);
      }
      {
        const std::lock_guard index_lock(mutex_);
        index::Txn txn(index_.db());
        for (const auto& ref : index_.remove_blocks_from(ino, keep))
          index_.account_freed(ref.data_file, ref.stored_length);
        auto rec = index_.inode(ino);
        if (cut && rec) {
          if (cut->ref) index_.account_written(cut->ref->data_file, cut->ref->stored_length);
          const auto previous = cut->ref ? index_.put_block(ino, keep - 1, *cut->ref)
                                         : index_.remove_block(ino, keep - 1);  // all zeros
          if (previous) index_.account_freed(previous->data_file, previous->stored_length);
        } else if (cut && cut->ref) {
          // The inode was removed meanwhile: the cut block is dead space.
          index_.account_dead(cut->ref->data_file, cut->ref->stored_length);
        }
        if (rec) {
          rec->size = stored_size;
          rec->mtime_ns = rec->ctime_ns = now_after_ns(rec->ctime_ns);
          index_.update_inode(*rec);
        }
        txn.commit();
        s.index_size = stored_size;
      }
      // Buffered blocks past the end go; blocks in flight are disowned, and the committer frees
      // their space when they arrive.
      for (auto it = s.dirty.lower_bound(keep); it != s.dirty.end();) {
        dropped += it->second.data.capacity();
        it = s.dirty.erase(it);
      }
      s.pending.erase(s.pending.lower_bound(keep), s.pending.end());
      if (tail != 0) {
        const std::size_t change = cut_buffered_locked(s, keep - 1, tail, cut.has_value());
        (cut ? dropped : used) += change;
      }
      s.size = size;
    } else {
      s.size = size;
      stamp_inode_locked(ino, s, settable_size_locked(s, size), true);
    }
  }
  unreserve(block_size_ - used + dropped);
  {
    const std::lock_guard lock(inodes_mutex_);
    if (opens_.contains(ino)) return result;
  }
  // Not open (truncate(2) by name): commit now, since no release will.
  result = flush_and_wait(ino, sp);
  forget_if_idle(ino);
  return result;
}

Result<void> FileData::punch_hole(std::uint64_t ino, std::uint64_t offset, std::uint64_t length) {
  auto st = state(ino);
  if (!st) return Unexpected{st.error()};
  StatePtr sp = *st;
  reserve(2 * std::size_t{block_size_});
  std::size_t used = 0;
  std::size_t dropped = 0;
  {
    auto lock = lock_live(ino, sp);
    if (!lock) {
      unreserve(2 * std::size_t{block_size_});
      return Unexpected{lock.error()};
    }
    InodeState& s = *sp;
    const std::uint64_t end = std::min(s.size, offset + std::min(length, kMaxFileSize));
    std::vector<std::uint64_t> whole_blocks;
    for (std::uint64_t pos = offset; pos < end;) {
      const std::uint64_t block = pos / block_size_;
      const auto in_block = static_cast<std::size_t>(pos - block * block_size_);
      const auto n =
          static_cast<std::size_t>(std::min<std::uint64_t>(end - pos, block_size_ - in_block));
      pos += n;
      if (n == block_size_) {
        if (auto it = s.dirty.find(block); it != s.dirty.end()) {
          dropped += it->second.data.capacity();
          s.dirty.erase(it);
        }
        s.pending.erase(block);
        whole_blocks.push_back(block);
        continue;
      }
      bool stored = false;
      if (!s.dirty.contains(block) && !s.pending.contains(block)) {
        const std::lock_guard index_lock(mutex_);
        stored = index_.block(ino, block).has_value();
      }
      if (!stored && !s.dirty.contains(block) && !s.pending.contains(block)) continue;  // a hole
      auto dirty = dirty_locked(ino, s, block, false, 0, used);
      if (!dirty) {
        unreserve(2 * std::size_t{block_size_} - used + dropped);
        return Unexpected{dirty.error()};
      }
      // Bytes past a dirty buffer's end are zeros already.
      auto& bytes = (*dirty)->data;
      if (in_block < bytes.size()) {
        std::fill_n(bytes.begin() + static_cast<std::ptrdiff_t>(in_block),
                    std::min(n, bytes.size() - in_block), std::byte{0});
      }
    }
    const std::lock_guard index_lock(mutex_);
    index::Txn txn(index_.db());
    for (const auto block : whole_blocks) {
      if (auto ref = index_.remove_block(ino, block))
        index_.account_freed(ref->data_file, ref->stored_length);
    }
    if (auto rec = index_.inode(ino)) {
      rec->mtime_ns = rec->ctime_ns = now_after_ns(rec->ctime_ns);
      index_.update_inode(*rec);
    }
    txn.commit();
  }
  unreserve(2 * std::size_t{block_size_} - used + dropped);
  {
    const std::lock_guard lock(inodes_mutex_);
    if (opens_.contains(ino)) return {};
  }
  auto result = flush_and_wait(ino, sp);
  forget_if_idle(ino);
  return result;
}

Result<void> FileData::commit_buffered(std::uint64_t ino) {
  auto st = state(ino);
  if (!st) return Unexpected{st.error()};
  if (auto ok = flush_and_wait(ino, *st); !ok) return Unexpected{ok.error()};
  forget_if_idle(ino);
  return {};
}

Result<std::uint64_t> FileData::seek_data(std::uint64_t ino, std::uint64_t offset) {
  // Holes are decided by the block map, so commit buffered blocks first (all-zero ones become
  // holes).
  if (auto ok = commit_buffered(ino); !ok) return Unexpected{ok.error()};
  const std::lock_guard lock(mutex_);
  const auto rec = index_.inode(ino);
  if (!rec) return fail(std::errc::no_such_file_or_directory);
  if (offset >= rec->size) return fail(std::errc::no_such_device_or_address);
  const auto next = index_.blocks(ino, offset / block_size_, UINT64_MAX);
  if (next.empty()) return fail(std::errc::no_such_device_or_address);
  const std::uint64_t found = std::max(offset, next.front().first * block_size_);
  if (found >= rec->size) return fail(std::errc::no_such_device_or_address);
  return found;
}

Result<std::uint64_t> FileData::seek_hole(std::uint64_t ino, std::uint64_t offset) {
  if (auto ok = commit_buffered(ino); !ok) return Unexpected{ok.error()};
  const std::lock_guard lock(mutex_);
  const auto rec = index_.inode(ino);
  if (!rec) return fail(std::errc::no_such_file_or_directory);
  if (offset >= rec->size) return fail(std::errc::no_such_device_or_address);
  // Walk the run of stored blocks starting at offset's block; the first gap is the hole.
  std::uint64_t expected = offset / block_size_;
  for (const auto& [block, ref] : index_.blocks(ino, expected, UINT64_MAX)) {
    if (block != expected) break;
    ++expected;
  }
  return std::min(rec->size, std::max(offset, expected * block_size_));
}

Result<std::uint64_t> FileData::stored_bytes(std::uint64_t ino) {
  auto u = usage(ino);
  if (!u) return Unexpected{u.error()};
  return u->stored_bytes;
}

Result<FileData::Usage> FileData::usage(std::uint64_t ino) {
  // Buffered blocks (dirty or in flight) count at their raw size in place of what is stored for
  // them, so a file just written does not look empty to du. The file's lock keeps the committer
  // from moving a block from `pending` to the index meanwhile.
  // The state outlives its lock: a concurrent forget_if_idle may drop the map's reference.
  const StatePtr st = find_state(ino);
  std::unique_lock<std::mutex> state_lock;
  std::vector<std::uint64_t> buffered;
  std::optional<std::uint64_t> live_size;
  if (st) {
    state_lock = std::unique_lock(st->mutex);
    // A retired state holds no buffered block, and left its size in the index.
    if (!st->retired) {
      live_size = st->size;
      for (const auto& entry : st->dirty) buffered.push_back(entry.first);
      for (const auto& entry : st->pending) {
        if (!st->dirty.contains(entry.first)) buffered.push_back(entry.first);
      }
      std::sort(buffered.begin(), buffered.end());
    }
  }
  const std::lock_guard lock(mutex_);
  const auto rec = index_.inode(ino);
  if (!rec) return fail(std::errc::no_such_file_or_directory);
  Usage usage{live_size.value_or(rec->size), index_.stored_bytes(ino)};
  if (buffered.empty()) return usage;
  // Committed versions of buffered blocks count at their raw size instead (a new file has none:
  // no need to look them up).
  if (usage.stored_bytes != 0) {
    for (const auto& [block, ref] : index_.blocks(ino, buffered.front(), buffered.back())) {
      if (std::binary_search(buffered.begin(), buffered.end(), block))
        usage.stored_bytes -= ref.stored_length;
    }
  }
  for (const auto block : buffered) {
    const std::uint64_t start = block * block_size_;
    if (start < usage.size)
      usage.stored_bytes += std::min<std::uint64_t>(block_size_, usage.size - start);
  }
  return usage;
}

}  // namespace squeezefs::fs
