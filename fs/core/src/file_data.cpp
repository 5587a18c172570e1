#include "squeezefs/fs/file_data.h"

#include <sys/stat.h>

#include <algorithm>
#include <cstring>

#include "squeezefs/fs/namespace.h"

namespace squeezefs::fs {

Result<index::InodeRecord> FileData::regular_locked(std::uint64_t ino) {
  auto rec = index_.inode(ino);
  if (!rec) return fail(std::errc::no_such_file_or_directory);
  if (S_ISDIR(rec->mode)) return fail(std::errc::is_a_directory);
  if (!S_ISREG(rec->mode)) return fail(std::errc::invalid_argument);
  return *rec;
}

Result<void> FileData::load_locked(std::uint64_t ino, std::uint64_t block,
                                   std::span<std::byte> out) {
  std::fill(out.begin(), out.end(), std::byte{0});
  const auto ref = index_.block(ino, block);
  if (!ref) return {};
  if (ref->raw_length > out.size()) return fail(std::errc::io_error);
  return io_.read(ino, block, *ref, out.first(ref->raw_length));
}

void FileData::free_locked(const index::BlockRef& ref) {
  index_.account_freed(ref.data_file, ref.stored_length);
}

void FileData::store_locked(std::uint64_t ino, std::uint64_t block,
                            std::span<const std::byte> raw) {
  const auto ref = io_.write(raw, codec_, level_);
  std::optional<index::BlockRef> previous;
  if (ref) {
    index_.account_written(ref->data_file, ref->stored_length);
    previous = index_.put_block(ino, block, *ref);
  } else {
    previous = index_.remove_block(ino, block);  // all zeros: a hole
  }
  if (previous) free_locked(*previous);
}

Result<std::vector<std::byte>> FileData::read(std::uint64_t ino, std::uint64_t offset,
                                              std::size_t size) {
  const std::lock_guard lock(mutex_);
  auto rec = regular_locked(ino);
  if (!rec) return Unexpected{rec.error()};
  if (offset >= rec->size) return std::vector<std::byte>{};
  const auto end = std::min<std::uint64_t>(rec->size, offset + size);
  std::vector<std::byte> out(static_cast<std::size_t>(end - offset));
  std::vector<std::byte> buf(block_size_);
  for (std::uint64_t pos = offset; pos < end;) {
    const std::uint64_t block = pos / block_size_;
    const std::uint64_t start = block * block_size_;
    const auto in_block = static_cast<std::size_t>(pos - start);
    const auto n =
        static_cast<std::size_t>(std::min<std::uint64_t>(end - pos, block_size_ - in_block));
    if (auto ok = load_locked(ino, block, buf); !ok) return Unexpected{ok.error()};
    std::memcpy(out.data() + (pos - offset), buf.data() + in_block, n);
    pos += n;
  }
  return out;
}

Result<std::size_t> FileData::write(std::uint64_t ino, std::uint64_t offset,
                                    std::span<const std::byte> data) {
  if (offset > kMaxFileSize || data.size() > kMaxFileSize - offset)
    return fail(std::errc::file_too_large);
  const std::lock_guard lock(mutex_);
  index::Txn txn(index_.db());
  auto rec = regular_locked(ino);
  if (!rec) return Unexpected{rec.error()};
  const std::uint64_t end = offset + data.size();
  const std::uint64_t new_size = std::max(rec->size, end);
  std::vector<std::byte> buf(block_size_);
  for (std::uint64_t pos = offset; pos < end;) {
    const std::uint64_t block = pos / block_size_;
    const std::uint64_t start = block * block_size_;
    const auto in_block = static_cast<std::size_t>(pos - start);
    const auto n =
        static_cast<std::size_t>(std::min<std::uint64_t>(end - pos, block_size_ - in_block));
    if (n != block_size_) {
      if (auto ok = load_locked(ino, block, buf); !ok) return Unexpected{ok.error()};
    }
    std::memcpy(buf.data() + in_block, data.data() + (pos - offset), n);
    // The last block of the file is stored only up to the end of the file.
    const auto length =
        static_cast<std::size_t>(std::min<std::uint64_t>(block_size_, new_size - start));
    store_locked(ino, block, std::span<const std::byte>(buf).first(length));
    pos += n;
  }
  // The previous last block may have been stored short; it still reads back zero-padded, so it
  // needs no rewrite when the file grows past it.
  io_.store().sync();  // data before the metadata that references it
  rec->size = new_size;
  rec->mtime_ns = rec->ctime_ns = now_ns();
  index_.update_inode(*rec);
  txn.commit();
  return data.size();
}

Result<void> FileData::truncate(std::uint64_t ino, std::uint64_t size) {
  if (size > kMaxFileSize) return fail(std::errc::file_too_large);
  const std::lock_guard lock(mutex_);
  index::Txn txn(index_.db());
  auto rec = regular_locked(ino);
  if (!rec) return Unexpected{rec.error()};
  if (size < rec->size) {
    const std::uint64_t keep = (size + block_size_ - 1) / block_size_;
    for (const auto& ref : index_.remove_blocks_from(ino, keep)) free_locked(ref);
    const auto tail = static_cast<std::size_t>(size % block_size_);
    if (tail != 0) {
      // Cut the new last block so bytes past the end cannot reappear when the file grows again.
      std::vector<std::byte> buf(block_size_);
      if (auto ok = load_locked(ino, keep - 1, buf); !ok) return Unexpected{ok.error()};
      if (index_.block(ino, keep - 1))
        store_locked(ino, keep - 1, std::span<const std::byte>(buf).first(tail));
      io_.store().sync();
    }
  }
  rec->size = size;
  rec->mtime_ns = rec->ctime_ns = now_ns();
  index_.update_inode(*rec);
  txn.commit();
  return {};
}

Result<void> FileData::punch_hole(std::uint64_t ino, std::uint64_t offset, std::uint64_t length) {
  const std::lock_guard lock(mutex_);
  index::Txn txn(index_.db());
  auto rec = regular_locked(ino);
  if (!rec) return Unexpected{rec.error()};
  const std::uint64_t end = std::min(rec->size, offset + std::min(length, kMaxFileSize));
  std::vector<std::byte> buf(block_size_);
  for (std::uint64_t pos = offset; pos < end;) {
    const std::uint64_t block = pos / block_size_;
    const std::uint64_t start = block * block_size_;
    const auto in_block = static_cast<std::size_t>(pos - start);
    const auto n =
        static_cast<std::size_t>(std::min<std::uint64_t>(end - pos, block_size_ - in_block));
    const auto stored = index_.block(ino, block);
    if (stored && n == block_size_) {
      free_locked(*index_.remove_block(ino, block));
    } else if (stored) {
      if (auto ok = load_locked(ino, block, buf); !ok) return Unexpected{ok.error()};
      std::fill_n(buf.begin() + static_cast<std::ptrdiff_t>(in_block), n, std::byte{0});
      store_locked(ino, block, std::span<const std::byte>(buf).first(stored->raw_length));
    }
    pos += n;
  }
  io_.store().sync();
  rec->mtime_ns = rec->ctime_ns = now_ns();
  index_.update_inode(*rec);
  txn.commit();
  return {};
}

Result<void> FileData::allocate(std::uint64_t ino, std::uint64_t offset, std::uint64_t length) {
  if (offset > kMaxFileSize || length > kMaxFileSize - offset)
    return fail(std::errc::file_too_large);
  const std::lock_guard lock(mutex_);
  index::Txn txn(index_.db());
  auto rec = regular_locked(ino);
  if (!rec) return Unexpected{rec.error()};
  if (offset + length > rec->size) {
    rec->size = offset + length;
    rec->ctime_ns = now_ns();
    index_.update_inode(*rec);
  }
  txn.commit();
  return {};
}

Result<std::uint64_t> FileData::seek_data(std::uint64_t ino, std::uint64_t offset) {
  const std::lock_guard lock(mutex_);
  auto rec = regular_locked(ino);
  if (!rec) return Unexpected{rec.error()};
  if (offset >= rec->size) return fail(std::errc::no_such_device_or_address);
  const auto next = index_.blocks(ino, offset / block_size_, UINT64_MAX);
  if (next.empty()) return fail(std::errc::no_such_device_or_address);
  const std::uint64_t found = std::max(offset, next.front().first * block_size_);
  if (found >= rec->size) return fail(std::errc::no_such_device_or_address);
  return found;
}

Result<std::uint64_t> FileData::seek_hole(std::uint64_t ino, std::uint64_t offset) {
  const std::lock_guard lock(mutex_);
  auto rec = regular_locked(ino);
  if (!rec) return Unexpected{rec.error()};
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
  const std::lock_guard lock(mutex_);
  if (!index_.inode(ino)) return fail(std::errc::no_such_file_or_directory);
  return index_.stored_bytes(ino);
}

}  // namespace squeezefs::fs
