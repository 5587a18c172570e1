#include "squeezefs/fs/file_data.h"

#include <sys/stat.h>

#include <algorithm>
#include <cstring>

#include "squeezefs/common/log.h"
#include "squeezefs/common/storage_error.h"
#include "squeezefs/fs/namespace.h"

namespace squeezefs::fs {
namespace {

constexpr std::size_t kMaxCommitBatch = 1024;
// How long encoded blocks nobody waits for gather before one data-file sync and one transaction
// record them all (see Committer).
constexpr std::chrono::milliseconds kCommitGather{10};

}  // namespace

FileData::FileData(index::Index& index, Mutex& index_mutex, BlockIo& io, const codecs::Codec& codec,
                   int level, std::uint32_t block_size, DataPathOptions options)
    : index_(index),
      mutex_(index_mutex),
      io_(io),
      codec_(&codec),
      level_(level),
      block_size_(block_size),
      options_(options),
      cache_(options.cache_bytes),
      space_(options.space_dir, options.space_reserve),
      zeros_(std::make_shared<const std::vector<std::byte>>(block_size)),
      committer_([this](std::vector<EncodedBlock>& batch) { commit_batch(batch); }, kMaxCommitBatch,
                 kCommitGather),
      pool_(options.threads),
      flusher_([this] { flusher(); }) {
  const std::lock_guard lock(progress_mutex_);
  encode_bytes_ = pool_.size() * (codec.max_compressed_size(block_size_) + block_size_);
}

void FileData::set_codec(const codecs::Codec& codec, int level) {
  const std::lock_guard lock(codec_mutex_);
  codec_ = &codec;
  level_ = level;
}

FileData::~FileData() {
  {
    const std::lock_guard lock(progress_mutex_);
    stopping_ = true;
  }
  flusher_cv_.notify_all();
  flusher_.join();
  try {
    // Failed files were logged by sync(); nobody is left to report them to.
    [[maybe_unused]] const auto synced = sync();
  } catch (const std::exception& e) {
    log().error("flushing file data at shutdown: {}", log_text(e));
  }
}

Result<FileData::StatePtr> FileData::state(std::uint64_t ino) {
  const std::lock_guard lock(inodes_mutex_);
  if (auto it = inodes_.find(ino); it != inodes_.end()) return it->second;
  std::optional<index::InodeRecord> rec;
  {
    const std::lock_guard index_lock(mutex_);
    rec = index_.inode(ino);
  }
  if (!rec) return fail(std::errc::no_such_file_or_directory);
  if (S_ISDIR(rec->mode)) return fail(std::errc::is_a_directory);
  if (!S_ISREG(rec->mode)) return fail(std::errc::invalid_argument);
  auto st = std::make_shared<InodeState>();
  st->size = st->index_size = rec->size;
  inodes_.emplace(ino, st);
  return st;
}

FileData::StatePtr FileData::find_state(std::uint64_t ino) {
  const std::lock_guard lock(inodes_mutex_);
  const auto it = inodes_.find(ino);
  return it == inodes_.end() ? nullptr : it->second;
}

void FileData::forget_if_idle(std::uint64_t ino) {
  const std::lock_guard lock(inodes_mutex_);
  if (opens_.contains(ino)) return;
  const auto it = inodes_.find(ino);
  if (it == inodes_.end()) return;
  // Held here so that the state, when the map had the last reference, outlives its lock.
  const StatePtr st = it->second;
  const std::lock_guard state_lock(st->mutex);
  // A state loaded again starts from the index's size: it must be the live one.
  if (st->dirty.empty() && st->pending.empty() && store_size_locked(ino, *st, st->size)) {
    st->retired = true;
    inodes_.erase(it);
  }
}

Result<std::unique_lock<std::mutex>> FileData::lock_live(std::uint64_t ino, StatePtr& st) {
  for (;;) {
    std::unique_lock lock(st->mutex);
    if (!st->retired) return lock;
    lock.unlock();
    auto fresh = state(ino);
    if (!fresh) return Unexpected{fresh.error()};
    st = *fresh;
  }
}

void FileData::stamp_inode_locked(std::uint64_t ino, InodeState& st,
                                  std::optional<std::uint64_t> size, bool modified) {
  const std::lock_guard lock(mutex_);
  auto rec = index_.inode(ino);
  if (!rec) return;  // removed meanwhile
  if (size) rec->size = *size;
  rec->ctime_ns = now_after_ns(rec->ctime_ns);
  if (modified) rec->mtime_ns = rec->ctime_ns;
  // A Txn joins the open group of changes; alone, the update would commit (and write the WAL)
  // by itself whenever no group happened to be open.
  index::Txn txn(index_.db());
  index_.update_inode(*rec);
  txn.commit();
  if (size) st.index_size = *size;
}

bool FileData::store_size_locked(std::uint64_t ino, InodeState& st, std::uint64_t size) {
  size = std::min(size, st.size);
  if (st.index_size >= size) return true;
  try {
    const std::lock_guard lock(mutex_);
    auto rec = index_.inode(ino);
    if (!rec) return true;  // removed meanwhile
    index::Txn txn(index_.db());
    rec->size = size;
    index_.update_inode(*rec);
    txn.commit();
    st.index_size = size;
    return true;
  } catch (const std::exception& e) {
    log().error("inode {}: cannot store its size: {}", ino, log_text(e));
    if (!st.error) st.error = posix_error_of(e);
    return false;
  }
}

std::uint64_t FileData::committed_size_locked(const InodeState& st, std::uint64_t reach) const {
  std::uint64_t prefix = st.size;
  if (!st.dirty.empty()) prefix = std::min(prefix, st.dirty.begin()->first * block_size_);
  if (!st.pending.empty()) prefix = std::min(prefix, st.pending.begin()->first * block_size_);
  return std::min(st.size, std::max(prefix, reach));
}

std::uint64_t FileData::settable_size_locked(const InodeState& st, std::uint64_t size) const {
  if (size <= st.index_size) return size;
  // Buffered blocks wholly below the index's size do not matter: whatever version of them a
  // crash leaves lies inside the size.
  const std::uint64_t from = st.index_size / block_size_;
  std::uint64_t prefix = size;
  if (const auto it = st.dirty.lower_bound(from); it != st.dirty.end())
    prefix = std::min(prefix, it->first * block_size_);
  if (const auto it = st.pending.lower_bound(from); it != st.pending.end())
    prefix = std::min(prefix, it->first * block_size_);
  return std::max(st.index_size, prefix);
}

Result<BlockCache::Block> FileData::load_stored(std::uint64_t ino, std::uint64_t block,
                                                const index::BlockRef& ref) {
  auto loaded = cache_.get(CacheKey{ref.data_file, ref.offset}, stored_loader(ino, block, ref));
  if (loaded) return loaded;
  // Online compaction may have moved the block (and deleted its old data file) since the caller
  // looked it up: read it from where the block map points now.
  std::optional<index::BlockRef> now;
  {
    const std::lock_guard lock(mutex_);
    now = index_.block(ino, block);
  }
  const bool moved = now && now->checksum == ref.checksum && now->raw_length == ref.raw_length &&
                     (now->data_file != ref.data_file || now->offset != ref.offset);
  return moved ? load_stored(ino, block, *now) : loaded;
}

BlockCache::Loader FileData::stored_loader(std::uint64_t ino, std::uint64_t block,
                                           const index::BlockRef& ref) {
  return [this, ino, block, ref]() -> Result<std::vector<std::byte>> {
    if (ref.raw_length > block_size_) return fail(std::errc::io_error);
    std::vector<std::byte> buf(ref.raw_length);
    if (auto ok = io_.read(ino, block, ref, buf); !ok) return Unexpected{ok.error()};
    return buf;
  };
}

Result<void> FileData::current_locked(std::uint64_t ino, InodeState& st, std::uint64_t block,
                                      std::span<std::byte> out) {
  // Buffered blocks hold their bytes up to the last one written; the rest are zeros.
  const auto copy_buffered = [&](const std::vector<std::byte>& data) {
    const std::size_t n = std::min(data.size(), out.size());
    std::copy_n(data.begin(), n, out.begin());
    std::fill(out.begin() + static_cast<std::ptrdiff_t>(n), out.end(), std::byte{0});
  };
  if (auto it = st.dirty.find(block); it != st.dirty.end()) {
    copy_buffered(it->second.data);
    return {};
  }
  if (auto it = st.pending.find(block); it != st.pending.end()) {
    copy_buffered(*it->second.data);
    return {};
  }
  std::fill(out.begin(), out.end(), std::byte{0});
  if (block * block_size_ >= st.size) return {};
  std::optional<index::BlockRef> ref;
  {
    const std::lock_guard lock(mutex_);
    ref = index_.block(ino, block);
  }
  if (!ref) return {};
  auto loaded = load_stored(ino, block, *ref);
  if (!loaded) return Unexpected{loaded.error()};
  std::copy_n((*loaded)->begin(), ref->raw_length, out.begin());
  return {};
}

Result<FileData::DirtyBlock*> FileData::dirty_locked(std::uint64_t ino, InodeState& st,
                                                     std::uint64_t block, bool whole,
                                                     std::size_t need, std::size_t& used) {
  if (auto it = st.dirty.find(block); it != st.dirty.end()) {
    auto& data = it->second.data;
    if (data.size() < need) {
      // Appends double the buffer (up to a block), so a block filled by small writes is copied
      // a few times, not once per write.
      const std::size_t before = data.capacity();
      if (data.capacity() < need)
        data.reserve(std::min<std::size_t>(block_size_, std::max(need, 2 * data.capacity())));
      data.resize(need);
      used += data.capacity() - before;
    }
    return &it->second;
  }
  DirtyBlock d;
  d.since = std::chrono::steady_clock::now();
  if (whole) {
    // Nothing to keep: hold just the bytes about to be written (a small file costs its size).
    d.data.reserve(need);
    d.data.resize(need);
  } else {
    d.data.resize(block_size_);
    if (auto ok = current_locked(ino, st, block, d.data); !ok) return Unexpected{ok.error()};
  }
  used += d.data.capacity();
  return &st.dirty.emplace(block, std::move(d)).first->second;
}

Result<std::vector<std::byte>> FileData::read(std::uint64_t ino, std::uint64_t offset,
                                              std::size_t size) {
  auto slices = read_slices(ino, offset, size);
  if (!slices) return Unexpected{slices.error()};
  std::size_t total = 0;
  for (const auto& slice : *slices) total += slice.bytes.size();
  std::vector<std::byte> out;
  out.reserve(total);
  for (const auto& slice : *slices) out.insert(out.end(), slice.bytes.begin(), slice.bytes.end());
  return out;
}

Result<std::vector<FileData::ReadSlice>> FileData::read_slices(std::uint64_t ino,
                                                               std::uint64_t offset,
                                                               std::size_t size) {
  auto st = state(ino);
  if (!st) return Unexpected{st.error()};
  StatePtr sp = *st;
  // One part per block of the request: either a buffer already known under the file's lock
  // (dirty copy or in-flight block), a stored block to decode, or a hole.
  struct Part {
    std::uint64_t block = 0;
    std::shared_ptr<const std::vector<std::byte>> buffered;
    std::optional<index::BlockRef> ref;
  };
  std::vector<Part> parts;
  std::vector<std::pair<std::uint64_t, index::BlockRef>> ahead;
  std::uint64_t end = 0;
  std::uint64_t drop_from = 0;  // stored blocks from here on that this read finishes are dropped
  {
    auto lock = lock_live(ino, sp);
    if (!lock) return Unexpected{lock.error()};
    InodeState& s = *sp;
    if (offset >= s.size || size == 0) return std::vector<ReadSlice>{};
    end = size > s.size - offset ? s.size : offset + size;
    const std::uint64_t first = offset / block_size_;
    const std::uint64_t last = (end - 1) / block_size_;
    bool need_index = false;
    for (std::uint64_t block = first; block <= last; ++block) {
      Part& part = parts.emplace_back();
      part.block = block;
      if (auto it = s.dirty.find(block); it != s.dirty.end()) {
        // Dirty blocks change under later writes: copy them while the lock is held (only the
        // bytes this read wants).
        const auto& data = it->second.data;
        const std::uint64_t block_end = std::min(end, (block + 1) * block_size_);
        const auto want =
            std::min(data.size(), static_cast<std::size_t>(block_end - block * block_size_));
        part.buffered = std::make_shared<const std::vector<std::byte>>(
            data.begin(), data.begin() + static_cast<std::ptrdiff_t>(want));
      } else if (auto p = s.pending.find(block); p != s.pending.end()) {
        part.buffered = p->second.data;  // immutable once handed to the pool
      } else {
        need_index = true;
      }
    }
    // Sequential access: decode ahead. The kernel may deliver concurrent readahead requests out
    // of order, so a read starting near where the previous one ended counts too.
    const std::uint64_t window_bytes = std::min(options_.readahead_bytes, options_.cache_bytes / 4);
    std::uint64_t ahead_last = last;
    if (offset + window_bytes >= s.next_read && offset <= s.next_read + window_bytes) {
      ahead_last = std::min(last + window_bytes / block_size_, (s.size - 1) / block_size_);
      s.run_start = std::min(s.run_start, offset);
    } else {
      s.run_start = offset;
    }
    s.next_read = end;
    drop_from = s.run_start + window_bytes;
    if (need_index || ahead_last > last) {
      const std::lock_guard index_lock(mutex_);
      for (auto& [block, ref] : index_.blocks(ino, first, ahead_last)) {
        if (s.dirty.contains(block) || s.pending.contains(block)) continue;
        if (block <= last) {
          parts[static_cast<std::size_t>(block - first)].ref = ref;
        } else {
          ahead.emplace_back(block, ref);
        }
      }
    }
  }
  // Decoding happens outside the file's lock; a write racing with this read may or may not be
  // seen, as with any concurrent read and write. The workers decode this request's later blocks
  // and the window ahead while this thread decodes the first one.
  std::vector<std::pair<std::uint64_t, index::BlockRef>> queued;
  bool first_stored = true;
  for (const auto& part : parts) {
    if (!part.ref) continue;
    if (!first_stored) queued.emplace_back(part.block, *part.ref);
    first_stored = false;
  }
  queued.insert(queued.end(), ahead.begin(), ahead.end());
  readahead(ino, queued);

  std::vector<ReadSlice> slices;
  slices.reserve(parts.size());
  const auto add = [&](const std::shared_ptr<const std::vector<std::byte>>& owner, std::size_t from,
                       std::size_t length) {
    if (length == 0) return;
    slices.push_back(ReadSlice{owner, std::span<const std::byte>(*owner).subspan(from, length)});
  };
  for (const auto& part : parts) {
    const std::uint64_t start = part.block * block_size_;
    const std::uint64_t from = std::max(offset, start);
    const std::uint64_t to = std::min(end, start + block_size_);
    const auto in_block = static_cast<std::size_t>(from - start);
    const auto length = static_cast<std::size_t>(to - from);
    std::size_t stored = 0;  // bytes of the part that come from a buffer or the stored block
    if (part.buffered) {
      if (part.buffered->size() > in_block) {
        stored = std::min(length, part.buffered->size() - in_block);
        add(part.buffered, in_block, stored);
      }
    } else if (part.ref) {
      auto loaded = load_stored(ino, part.block, *part.ref);
      if (!loaded) return Unexpected{loaded.error()};
      if (part.ref->raw_length > in_block) {
        stored = std::min<std::size_t>(length, part.ref->raw_length - in_block);
        add(*loaded, in_block, stored);
      }
      // Drop-behind: a long sequential run will not come back to a block it has finished (the
      // kernel's page cache holds it now), so it does not push other files' blocks out of the
      // cache, and its memory is recycled for the next decode instead of faulting in new pages.
      if (start >= drop_from && end >= start + part.ref->raw_length) {
        cache_.erase(CacheKey{part.ref->data_file, part.ref->offset});
      }
    }
    add(zeros_, 0, length - stored);  // a hole, or past the end of a short stored block
  }
  return slices;
}

Result<std::size_t> FileData::write(std::uint64_t ino, std::uint64_t offset,
                                    std::span<const std::byte> data) {
  if (offset > kMaxFileSize || data.size() > kMaxFileSize - offset)
    return fail(std::errc::file_too_large);
  auto st = state(ino);
  if (!st) return Unexpected{st.error()};
  if (data.empty()) return std::size_t{0};
  StatePtr sp = *st;
  const std::uint64_t end = offset + data.size();
  const std::uint64_t blocks = (end - 1) / block_size_ - offset / block_size_ + 1;
  const std::size_t reserved = static_cast<std::size_t>(blocks) * block_size_;
  if (auto ok = admit(reserved); !ok) return Unexpected{ok.error()};
  reserve(reserved);
  std::size_t used = 0;
  Result<std::size_t> result = data.size();
  {
    auto lock = lock_live(ino, sp);
    if (!lock) {
      unreserve(reserved);
      return Unexpected{lock.error()};
    }
    InodeState& s = *sp;
    const std::uint64_t old_size = s.size;
    s.size = std::max(s.size, end);
    for (std::uint64_t pos = offset; pos < end;) {
      const std::uint64_t block = pos / block_size_;
      const auto in_block = static_cast<std::size_t>(pos - block * block_size_);
      const auto n =
          static_cast<std::size_t>(std::min<std::uint64_t>(end - pos, block_size_ - in_block));
      // A block written whole, or one lying wholly past the old end, needs no read first.
      const bool whole = n == block_size_ || block * block_size_ >= old_size;
      auto dirty = dirty_locked(ino, s, block, whole, in_block + n, used);
      if (!dirty) {
        s.size = std::max(old_size, pos);
        result = Unexpected{dirty.error()};
        break;
      }
      std::memcpy((*dirty)->data.data() + in_block, data.data() + (pos - offset), n);
      if (in_block + n == block_size_) submit_locked(ino, s, block);  // complete: compress now
      pos += n;
    }
    // The grown size reaches the index with the blocks (commit_batch).
    stamp_inode_locked(ino, s, std::nullopt, true);
  }
  unreserve(reserved - used);
  return result;
}

}  // namespace squeezefs::fs
