#pragma once

#include <cstdint>
#include <exception>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "squeezefs/fs/caller.h"
#include "squeezefs/fs/file_data.h"
#include "squeezefs/fs/namespace.h"
#include "squeezefs/fs/result.h"

namespace squeezefs::fs {

// An inode's attributes as stat(2) reports them: the stored record merged with the data path's
// live size and stored bytes.
struct Attr {
  std::uint64_t ino = 0;
  std::uint64_t generation = 0;
  std::uint32_t mode = 0;  // type and permission bits
  std::uint32_t nlink = 0;
  std::uint32_t uid = 0;
  std::uint32_t gid = 0;
  std::uint64_t rdev = 0;
  std::uint64_t size = 0;           // the live size (a regular file's may not be stored yet)
  std::uint64_t blocks_512 = 0;     // bytes stored for the inode, in 512-byte units (st_blocks)
  std::uint32_t io_block_size = 0;  // the store's block size (st_blksize)
  std::int64_t atime_ns = 0;
  std::int64_t mtime_ns = 0;
  std::int64_t ctime_ns = 0;
};

// What one setattr request changes. `size` (truncate) is applied first, then `attrs` in one
// step; times set to now (UTIME_NOW) are stamped after the size change.
struct AttrUpdate {
  AttrChange attrs;
  bool atime_now = false;
  bool mtime_now = false;
  std::optional<std::uint64_t> size;
};

// What open(2) asks beyond opening.
struct OpenFlags {
  bool truncate = false;  // O_TRUNC: a regular file is cut to size 0

  bool operator==(const OpenFlags&) const = default;
};

// The file system's capacity for statfs(2), as statvfs(3) counts it.
struct FsStats {
  std::uint64_t block_size = 0;     // preferred I/O size (f_bsize)
  std::uint64_t fragment_size = 0;  // unit of the block counts (f_frsize)
  std::uint64_t blocks = 0;
  std::uint64_t blocks_free = 0;
  std::uint64_t blocks_available = 0;  // free to unprivileged users
  std::uint64_t files = 0;
  std::uint64_t files_free = 0;
  std::uint64_t name_max = 0;  // longest name a directory entry may have
};

// fallocate(2) modes the core serves (the kernel passes on no others).
enum class FallocateMode { kAllocate, kZeroRange, kPunchHole };

// lseek(2) whence values that ask the file system.
enum class SeekWhence { kData, kHole };

// A piece of a read, kept alive by its owner (zero-copy replies).
using ReadSlice = FileData::ReadSlice;

// An open directory, from opendir to releasedir. What it holds is the core's business; it is
// handed back only to the core that made it.
class DirHandle {
 public:
  DirHandle() = default;
  DirHandle(const DirHandle&) = delete;
  DirHandle& operator=(const DirHandle&) = delete;
  virtual ~DirHandle() = default;
};

// Receives the entries of one readdir reply, in order.
class DirEntrySink {
 public:
  // Takes the entry `name` (NUL-terminated) whose listing resumes at `next_offset`; false when it
  // does not fit, which ends the reply without it.
  virtual bool add(const char* name, const Attr& attr, std::int64_t next_offset) = 0;

 protected:
  ~DirEntrySink() = default;
};

// The file system as an adapter (FUSE) drives it: one operation per request, each doing the
// whole job. Filesystem implements it; adapter tests mock it.
//
// Inode references: lookup, mknod, mkdir, symlink, link and create take one lookup reference on
// the inode they return, which forget() gives back (the kernel's lookup count). open and create
// take one handle reference, which release() (or abandon_open() when the open could not be
// reported) gives back; readdir with `plus` takes a lookup reference per entry the sink took,
// except "." and "..". An inode with no links lives until its last reference goes.
//
// Thread-safe. Errors are std::errc values as POSIX specifies them for the corresponding system
// calls (see Namespace and FileData). Environment failures and broken invariants throw (see
// squeezefs/common/storage_error.h: log_text() and posix_error_of()).
class CoreApi {
 public:
  CoreApi() = default;
  CoreApi(const CoreApi&) = delete;
  CoreApi& operator=(const CoreApi&) = delete;
  virtual ~CoreApi() = default;

  virtual Result<Attr> lookup(std::uint64_t parent, std::string_view name) = 0;
  virtual void forget(std::uint64_t ino, std::uint64_t count) = 0;
  virtual Result<Attr> getattr(std::uint64_t ino) = 0;
  virtual Result<Attr> setattr(std::uint64_t ino, const AttrUpdate& update) = 0;
  virtual Result<std::string> readlink(std::uint64_t ino) = 0;

  // `mode` includes the type bits; new inodes belong to `caller` (see Namespace).
  virtual Result<Attr> mknod(std::uint64_t parent, std::string_view name, std::uint32_t mode,
                             std::uint64_t rdev, const Caller& caller) = 0;
  virtual Result<Attr> mkdir(std::uint64_t parent, std::string_view name, std::uint32_t mode,
                             const Caller& caller) = 0;
  virtual Result<Attr> symlink(std::uint64_t parent, std::string_view name, std::string_view target,
                               const Caller& caller) = 0;
  virtual Result<Attr> link(std::uint64_t ino, std::uint64_t new_parent, std::string_view name) = 0;
  virtual Result<void> unlink(std::uint64_t parent, std::string_view name) = 0;
  virtual Result<void> rmdir(std::uint64_t parent, std::string_view name) = 0;
  virtual Result<void> rename(std::uint64_t parent, std::string_view name, std::uint64_t new_parent,
                              std::string_view new_name, RenameMode mode,
                              std::optional<Caller> whiteout) = 0;

  // open(2): EISDIR for a directory; O_TRUNC cuts a regular file; takes the handle reference.
  // On failure nothing of it is left.
  virtual Result<void> open(std::uint64_t ino, OpenFlags flags) = 0;
  // Undoes a successful open() (or create()'s handle reference) whose reply the kernel never
  // received.
  virtual void abandon_open(std::uint64_t ino) = 0;
  // creat(2): a new regular file with permission bits `mode`, opened (a lookup and a handle
  // reference). On failure nothing of it is left but the file.
  virtual Result<Attr> create(std::uint64_t parent, std::string_view name, std::uint32_t mode,
                              const Caller& caller) = 0;
  // Up to `size` bytes from `offset`, in order; records the read (atime).
  virtual Result<std::vector<ReadSlice>> read(std::uint64_t ino, std::uint64_t offset,
                                              std::size_t size) = 0;
  virtual Result<std::size_t> write(std::uint64_t ino, std::uint64_t offset,
                                    std::span<const std::byte> data) = 0;
  // close(2) of a handle: starts the write-back; reports a write-back that failed.
  virtual Result<void> flush(std::uint64_t ino) = 0;
  // The last close of a handle: gives back the handle reference. The error is a write-back
  // failure seen so far; the handle is gone either way.
  virtual Result<void> release(std::uint64_t ino) = 0;
  // fsync(2) of a file or directory.
  virtual Result<void> fsync(std::uint64_t ino) = 0;
  // EOPNOTSUPP for kPunchHole without `keep_size`, as fallocate(2) requires.
  virtual Result<void> fallocate(std::uint64_t ino, FallocateMode mode, bool keep_size,
                                 std::uint64_t offset, std::uint64_t length) = 0;
  virtual Result<std::uint64_t> seek(std::uint64_t ino, std::uint64_t offset,
                                     SeekWhence whence) = 0;

  virtual Result<void> setxattr(std::uint64_t ino, std::string_view name, std::string_view value,
                                XattrMode mode, const Caller& caller) = 0;
  virtual Result<std::string> getxattr(std::uint64_t ino, std::string_view name) = 0;
  virtual Result<std::vector<std::string>> listxattr(std::uint64_t ino) = 0;
  virtual Result<void> removexattr(std::uint64_t ino, std::string_view name) = 0;

  // ENOENT, ENOTDIR.
  virtual Result<std::unique_ptr<DirHandle>> opendir(std::uint64_t ino) = 0;
  // Hands `sink` the entries of directory `ino` from `offset` on until it is full or the listing
  // ends: "." (offset 0, next 1), ".." (next 2), then the stored entries (next: entry id + 2).
  // Offset 0 starts the listing over and records the read (atime). With `plus` each entry's
  // attributes are as getattr reports them; without, only ino and mode are set. `batch` is about
  // how many entries fit, read from the store at a time.
  virtual Result<void> readdir(std::uint64_t ino, DirHandle& handle, std::int64_t offset, bool plus,
                               std::size_t batch, DirEntrySink& sink) = 0;

  virtual Result<FsStats> statfs() = 0;
  // Makes everything written so far durable (unmount). Throws when that fails.
  virtual void sync() = 0;
};

}  // namespace squeezefs::fs
