// Filesystem as the adapter drives it (CoreApi): each request's whole job over the namespace and
// the data path, including the reference counting the kernel's view of inodes needs.
#include <sys/stat.h>
#include <sys/statvfs.h>

#include <algorithm>
#include <cerrno>
#include <system_error>
#include <utility>

#include "squeezefs/common/storage_error.h"
#include "squeezefs/fs/clock.h"
#include "squeezefs/fs/dir_listing.h"
#include "squeezefs/fs/filesystem.h"

namespace squeezefs::fs {
namespace {

// The record's attributes alone, without asking the data path (enough for ino and mode).
Attr stored_attr(const index::InodeRecord& rec, std::uint32_t block_size) {
  Attr attr;
  attr.ino = rec.ino;
  attr.generation = rec.generation;
  attr.mode = rec.mode;
  attr.nlink = rec.nlink;
  attr.uid = rec.uid;
  attr.gid = rec.gid;
  attr.rdev = rec.rdev;
  attr.size = rec.size;
  attr.io_block_size = block_size;
  attr.atime_ns = rec.atime_ns;
  attr.mtime_ns = rec.mtime_ns;
  attr.ctime_ns = rec.ctime_ns;
  return attr;
}

// What getattr reports: a regular file's size and stored bytes come from the data path, as the
// index may not hold a size grown by writes yet.
Attr live_attr(Filesystem& fs, const index::InodeRecord& rec) {
  Attr attr = stored_attr(rec, fs.block_size());
  if (S_ISREG(rec.mode)) {
    if (auto usage = fs.data().usage(rec.ino)) {
      attr.size = usage->size;
      attr.blocks_512 = (usage->stored_bytes + 511) / 512;
    }
  }
  return attr;
}

// An entry reply: the kernel learns of the inode, so it takes a lookup reference.
Result<Attr> take_entry(Filesystem& fs, const Result<index::InodeRecord>& rec) {
  if (!rec) return Unexpected{rec.error()};
  const Attr attr = live_attr(fs, *rec);
  fs.names().retain(rec->ino);
  return attr;
}

// The handle of an open directory: its listing.
class ListingHandle final : public DirHandle {
 public:
  ListingHandle(Namespace& names, std::uint64_t dir) : listing(names, dir) {}
  DirListing listing;
};

}  // namespace

Result<Attr> Filesystem::lookup(std::uint64_t parent, std::string_view name) {
  return take_entry(*this, names_.lookup(parent, name));
}

void Filesystem::forget(std::uint64_t ino, std::uint64_t count) {
  names_.release(ino, count);
}

Result<Attr> Filesystem::getattr(std::uint64_t ino) {
  auto rec = names_.getattr(ino);
  if (!rec) return Unexpected{rec.error()};
  return live_attr(*this, *rec);
}

Result<Attr> Filesystem::setattr(std::uint64_t ino, const AttrUpdate& update) {
  if (update.size) {
    if (auto ok = data_->truncate(ino, *update.size); !ok) return Unexpected{ok.error()};
  }
  AttrChange change = update.attrs;
  // Stamped after the truncate, which stamps the times itself.
  if (update.atime_now || update.mtime_now) {
    const auto now = now_ns();
    if (update.atime_now) change.atime_ns = now;
    if (update.mtime_now) change.mtime_ns = now;
  }
  auto rec = names_.setattr(ino, change);
  if (!rec) return Unexpected{rec.error()};
  return live_attr(*this, *rec);
}

Result<std::string> Filesystem::readlink(std::uint64_t ino) {
  return names_.readlink(ino);
}

Result<Attr> Filesystem::mknod(std::uint64_t parent, std::string_view name, std::uint32_t mode,
                               std::uint64_t rdev, const Caller& caller) {
  return take_entry(*this, names_.mknod(parent, name, mode, rdev, caller));
}

Result<Attr> Filesystem::mkdir(std::uint64_t parent, std::string_view name, std::uint32_t mode,
                               const Caller& caller) {
  return take_entry(*this, names_.mkdir(parent, name, mode, caller));
}

Result<Attr> Filesystem::symlink(std::uint64_t parent, std::string_view name,
                                 std::string_view target, const Caller& caller) {
  return take_entry(*this, names_.symlink(parent, name, target, caller));
}

Result<Attr> Filesystem::link(std::uint64_t ino, std::uint64_t new_parent, std::string_view name) {
  return take_entry(*this, names_.link(ino, new_parent, name));
}

Result<void> Filesystem::unlink(std::uint64_t parent, std::string_view name) {
  return names_.unlink(parent, name);
}

Result<void> Filesystem::rmdir(std::uint64_t parent, std::string_view name) {
  return names_.rmdir(parent, name);
}

Result<void> Filesystem::rename(std::uint64_t parent, std::string_view name,
                                std::uint64_t new_parent, std::string_view new_name,
                                RenameMode mode, std::optional<Caller> whiteout) {
  return names_.rename(parent, name, new_parent, new_name, mode, whiteout);
}

Result<void> Filesystem::open(std::uint64_t ino, OpenFlags flags) {
  auto rec = names_.getattr(ino);
  if (!rec) return Unexpected{rec.error()};
  if (S_ISDIR(rec->mode)) return fail(std::errc::is_a_directory);
  const bool regular = S_ISREG(rec->mode);
  // With FUSE_CAP_ATOMIC_O_TRUNC (on by default) the kernel sends no separate setattr for
  // O_TRUNC: open must truncate, or the old bytes past the new end come back.
  if (flags.truncate && regular) {
    auto usage = data_->usage(ino);
    if (!usage) return Unexpected{usage.error()};
    if (usage->size != 0) {
      if (auto ok = data_->truncate(ino, 0); !ok) return ok;
    }
  }
  // The open handle keeps an unlinked file alive until release; regular files also keep their
  // buffered blocks until then.
  names_.retain(ino);
  if (regular) {
    if (auto ok = data_->open(ino); !ok) {
      names_.release(ino);
      return ok;
    }
  }
  return {};
}

void Filesystem::abandon_open(std::uint64_t ino) {
  // Only regular files were opened in the data path; for others this finds no open handle.
  (void)data_->release(ino);
  names_.release(ino);
}

Result<Attr> Filesystem::create(std::uint64_t parent, std::string_view name, std::uint32_t mode,
                                const Caller& caller) {
  auto rec = names_.mknod(parent, name, S_IFREG | (mode & 07777), 0, caller);
  if (!rec) return Unexpected{rec.error()};
  const Attr attr = live_attr(*this, *rec);
  names_.retain(rec->ino, 2);  // the lookup reference and the open handle
  if (auto ok = data_->open(rec->ino); !ok) {
    names_.release(rec->ino, 2);
    return Unexpected{ok.error()};
  }
  return attr;
}

Result<std::vector<ReadSlice>> Filesystem::read(std::uint64_t ino, std::uint64_t offset,
                                                std::size_t size) {
  auto slices = data_->read_slices(ino, offset, size);
  // FUSE leaves atime to the file system; the policy decides whether this read writes it.
  if (slices) names_.touch_atime(ino);
  return slices;
}

Result<std::size_t> Filesystem::write(std::uint64_t ino, std::uint64_t offset,
                                      std::span<const std::byte> data) {
  return data_->write(ino, offset, data);
}

Result<void> Filesystem::flush(std::uint64_t ino) {
  return data_->flush(ino);
}

Result<void> Filesystem::release(std::uint64_t ino) {
  // Commits the file's buffered blocks before the inode may go (unlinked while open).
  auto committed = data_->release(ino);
  names_.release(ino);
  return committed;
}

Result<void> Filesystem::fallocate(std::uint64_t ino, FallocateMode mode, bool keep_size,
                                   std::uint64_t offset, std::uint64_t length) {
  const auto size_mode = keep_size ? FileData::SizeMode::kKeep : FileData::SizeMode::kExtend;
  switch (mode) {
    case FallocateMode::kAllocate:
      return data_->allocate(ino, offset, length, size_mode);
    case FallocateMode::kZeroRange:
      return data_->zero_range(ino, offset, length, size_mode);
    case FallocateMode::kPunchHole:
      if (!keep_size) break;
      return data_->punch_hole(ino, offset, length);
  }
  return fail(std::errc::operation_not_supported);
}

Result<std::uint64_t> Filesystem::seek(std::uint64_t ino, std::uint64_t offset, SeekWhence whence) {
  if (whence == SeekWhence::kData) return data_->seek_data(ino, offset);
  return data_->seek_hole(ino, offset);
}

Result<void> Filesystem::setxattr(std::uint64_t ino, std::string_view name, std::string_view value,
                                  XattrMode mode, const Caller& caller) {
  return names_.setxattr(ino, name, value, mode, caller);
}

Result<std::string> Filesystem::getxattr(std::uint64_t ino, std::string_view name) {
  return names_.getxattr(ino, name);
}

Result<std::vector<std::string>> Filesystem::listxattr(std::uint64_t ino) {
  return names_.listxattr(ino);
}

Result<void> Filesystem::removexattr(std::uint64_t ino, std::string_view name) {
  return names_.removexattr(ino, name);
}

Result<std::unique_ptr<DirHandle>> Filesystem::opendir(std::uint64_t ino) {
  auto handle = std::make_unique<ListingHandle>(names_, ino);
  handle->listing.restart();
  auto rec = names_.getattr(ino);
  if (!rec) return Unexpected{rec.error()};
  if (!S_ISDIR(rec->mode)) return fail(std::errc::not_a_directory);
  return Result<std::unique_ptr<DirHandle>>(std::move(handle));
}

// See DirListing for why a listing returns each entry once and ends while the directory changes.
Result<void> Filesystem::readdir(std::uint64_t ino, DirHandle& handle, std::int64_t offset,
                                 bool plus, std::size_t batch, DirEntrySink& sink) {
  // Only opendir() makes handles, and each comes back to the core that made it.
  auto& listing = static_cast<ListingHandle&>(handle).listing;
  if (offset == 0) {
    listing.restart();
    names_.touch_atime(ino);
  }
  if (offset < 2) {
    auto dir = names_.getattr(ino);
    if (!dir) return Unexpected{dir.error()};
    const Attr attr = stored_attr(*dir, block_size());
    if (offset < 1 && !sink.add(".", attr, 1)) return {};
    if (!sink.add("..", attr, 2)) return {};
  }
  std::int64_t after = std::max<std::int64_t>(0, offset - 2);
  while (true) {
    auto entries = listing.read(after, batch);
    if (!entries) return Unexpected{entries.error()};
    if (entries->empty()) return {};
    for (const auto& [entry, child] : *entries) {
      const Attr attr = plus ? live_attr(*this, child) : stored_attr(child, block_size());
      if (!sink.add(entry.name.c_str(), attr, entry.entry_id + 2)) return {};
      if (plus) names_.retain(entry.child);  // readdirplus counts as a lookup
      after = entry.entry_id;
    }
  }
}

Result<FsStats> Filesystem::statfs() {
  // The file system under the store holds everything; its free space is the mount's.
  struct statvfs st {};
  if (::statvfs(layout_.root().c_str(), &st) != 0)
    return Unexpected{std::error_code(errno, std::generic_category())};
  FsStats stats;
  stats.block_size = st.f_bsize;
  stats.fragment_size = st.f_frsize;
  stats.blocks = st.f_blocks;
  stats.blocks_free = st.f_bfree;
  stats.blocks_available = st.f_bavail;
  stats.files = st.f_files;
  stats.files_free = st.f_ffree;
  stats.name_max = index::kMaxNameLength;
  return stats;
}

}  // namespace squeezefs::fs
