#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "squeezefs/common/mutex.h"
#include "squeezefs/common/result.h"
#include "squeezefs/fs/caller.h"
#include "squeezefs/fs/clock.h"
#include "squeezefs/fs/release_queue.h"
#include "squeezefs/index/metadata_store.h"

namespace squeezefs::fs {

// Attribute changes requested by setattr; unset fields stay as they are. Timestamps are absolute
// (the adapter resolves UTIME_NOW with now_ns()).
struct AttrChange {
  std::optional<std::uint32_t> mode;  // permission bits only
  std::optional<std::uint32_t> uid;
  std::optional<std::uint32_t> gid;
  std::optional<std::int64_t> atime_ns;
  std::optional<std::int64_t> mtime_ns;
  // The kernel's own ctime, sent with the times its writeback cache stamped; else now.
  std::optional<std::int64_t> ctime_ns;
};

enum class XattrMode { kAny, kCreate, kReplace };

// Limits for extended attributes, as on Linux (XATTR_NAME_MAX, XATTR_SIZE_MAX).
inline constexpr std::size_t kMaxXattrName = 255;
inline constexpr std::size_t kMaxXattrValue = 65536;
// The space (names plus values) one inode's attributes may take, like ext4's per-inode budget;
// past it setxattr fails with ENOSPC. It keeps listxattr within Linux's 64 KiB list limit too.
inline constexpr std::size_t kMaxXattrSpace = 256 * 1024;

enum class RenameMode { kReplace, kNoReplace, kExchange };

// When reads and listings update atime (mount options relatime, strictatime, noatime). The
// kernel leaves atime of FUSE inodes to the file system.
enum class AtimePolicy { kRelatime, kStrict, kNever };

// A directory entry with its inode, as listings return them.
struct ListedEntry {
  index::DirEntry entry;
  index::InodeRecord inode;
};

// Creates the root directory of a new store (mode 0755, owned by `owner`).
void format_root(index::MetadataStore& metadata, Caller owner);

// Directory tree semantics over the metadata store: lookup, creation of every inode type, links,
// unlink/rmdir and readdir. Permission checks are left to the kernel (default_permissions).
//
// Thread-safe: every operation runs under mutex_ as one read or one transaction of the store.
// Transaction bodies only read refs_ and return what they freed; Namespace state changes after
// the transaction returns, so the store may run a body more than once.
// Errors: ENOENT, EEXIST, ENOTDIR, EISDIR, ENOTEMPTY, ENAMETOOLONG, EINVAL, EPERM, EMLINK as
// POSIX specifies for the corresponding system calls. Store failures throw StorageError.
//
// Inodes in use (known to the kernel or open, see retain()) outlive their last link: their
// record stays with nlink 0 and is removed, with its blocks, when the last reference goes.
class Namespace {
 public:
  static constexpr std::uint64_t kRootIno = 1;

  // Blocks of removed inodes go to `releases` with the commit that removed them; without a
  // queue their space stays accounted for compaction to reclaim. Both must outlive the Namespace.
  explicit Namespace(index::MetadataStore& metadata, ReleaseQueue* releases = nullptr)
      : metadata_(metadata), releases_(releases) {}

  // References that keep an unlinked inode alive: kernel lookup counts and open handles.
  // release() removes an inode with no links once its references reach zero.
  void retain(std::uint64_t ino, std::uint64_t count = 1);
  void release(std::uint64_t ino, std::uint64_t count = 1);
  // Removes inodes left with no links (unlinked while open when the store last went down).
  void purge_orphans();

  void set_atime_policy(AtimePolicy policy) { atime_policy_ = policy; }
  // false for nodiratime: listings leave a directory's atime alone, whatever the policy.
  void set_dir_atime(bool on) { dir_atime_ = on; }
  // Records a read of a file or a listing of a directory. With kRelatime, atime moves only when
  // it is not newer than mtime or ctime, or is a day old (so most reads write nothing).
  void touch_atime(std::uint64_t ino);

  Result<index::InodeRecord> getattr(std::uint64_t ino);
  Result<index::InodeRecord> lookup(std::uint64_t parent, std::string_view name);
  // New inodes belong to `caller`, or to the directory's group in a setgid directory (see
  // new_inode_owner()). mkdir ignores S_ISUID and S_ISGID in `mode`, as mkdir(2) does.
  Result<index::InodeRecord> mkdir(std::uint64_t parent, std::string_view name, std::uint32_t mode,
                                   Caller caller);
  // Regular files, FIFOs, sockets and device nodes; `mode` includes the type bits.
  Result<index::InodeRecord> mknod(std::uint64_t parent, std::string_view name, std::uint32_t mode,
                                   std::uint64_t rdev, Caller caller);
  Result<index::InodeRecord> symlink(std::uint64_t parent, std::string_view name,
                                     std::string_view target, Caller caller);
  Result<std::string> readlink(std::uint64_t ino);
  Result<index::InodeRecord> link(std::uint64_t ino, std::uint64_t new_parent,
                                  std::string_view name);
  Result<void> unlink(std::uint64_t parent, std::string_view name);
  Result<void> rmdir(std::uint64_t parent, std::string_view name);
  // rename(2)/renameat2(2): overwrites unless kNoReplace (EEXIST); kExchange swaps two existing
  // entries (ENOENT if the target is missing). EINVAL for moving a directory into itself,
  // ENOTDIR/EISDIR for type mismatches, ENOTEMPTY for a non-empty target directory.
  // With `whiteout` (RENAME_WHITEOUT, not with kExchange: EINVAL) the old name is left holding a
  // whiteout, a character device 0/0 with no permission bits owned by that caller, created in
  // the same transaction as the move (overlayfs relies on the two being atomic).
  Result<void> rename(std::uint64_t parent, std::string_view name, std::uint64_t new_parent,
                      std::string_view new_name, RenameMode mode,
                      std::optional<Caller> whiteout = std::nullopt);
  // chmod/chown/utimens; updates ctime.
  Result<index::InodeRecord> setattr(std::uint64_t ino, const AttrChange& change);
  // Extended attributes in the user., trusted., security. namespaces and the POSIX ACLs
  // (others: EOPNOTSUPP). setxattr: EEXIST for kCreate on an existing name, ENODATA for
  // kReplace on a missing one, ERANGE for a name over kMaxXattrName or empty, E2BIG for a value
  // over kMaxXattrValue, ENOSPC past kMaxXattrSpace, EINVAL for a malformed ACL. Setting the
  // access ACL sets the mode's permission bits from it, and clears S_ISGID unless
  // may_keep_setgid(caller, the inode's group); chmod (setattr) updates the ACL.
  // getxattr/removexattr: ENODATA when absent. The adapter applies the caller's buffer size
  // (ERANGE) to the returned value or list.
  Result<void> setxattr(std::uint64_t ino, std::string_view name, std::string_view value,
                        XattrMode mode, const Caller& caller = Caller{});
  Result<std::string> getxattr(std::uint64_t ino, std::string_view name);
  Result<std::vector<std::string>> listxattr(std::uint64_t ino);
  Result<void> removexattr(std::uint64_t ino, std::string_view name);
  // Up to `limit` entries after entry id `after` ("." and ".." are not stored).
  Result<std::vector<index::DirEntry>> readdir(std::uint64_t ino, std::int64_t after,
                                               std::size_t limit);
  // For listings (DirListing): the highest entry id yet, which no entry added later (created,
  // linked, or moved by rename) reaches.
  std::int64_t entry_mark();
  // Up to `limit` entries of directory `ino` with `after` < entry id <= `mark`, in id order,
  // each with its inode as it is now (read in one go, so none is a removed entry).
  Result<std::vector<ListedEntry>> list(std::uint64_t ino, std::int64_t after, std::int64_t mark,
                                        std::size_t limit);

 private:
  using Txn = index::MetadataTxn;
  using Reader = index::MetadataReader;
  using Freed = std::vector<index::BlockRef>;
  using Refs = std::unordered_map<std::uint64_t, std::uint64_t>;  // ino -> references

  // Adds `record` as `name` in `parent`, created by `caller` at `now`. Its group and S_ISGID
  // follow new_inode_owner(); its permission bits come from the parent's default ACL (which it
  // inherits) when there is one, else from its mode less the caller's umask.
  static Result<index::InodeRecord> create_in(Txn& t, std::uint64_t parent, std::string_view name,
                                              index::InodeRecord record, const Caller& caller,
                                              std::int64_t now);
  // create_in() in a transaction of its own; a new symlink also stores `target`.
  Result<index::InodeRecord> create(std::uint64_t parent, std::string_view name,
                                    const index::InodeRecord& record, const Caller& caller,
                                    std::string_view target = {});
  static Result<index::InodeRecord> directory(Reader& r, std::uint64_t ino);
  // The inode that `name` in `parent` names: ENOENT without such an entry, EIO when the entry
  // names a missing inode.
  static Result<index::InodeRecord> entry_inode(Reader& r, std::uint64_t parent,
                                                std::string_view name);
  // True when `dir` is `ancestor` or lies below it.
  static bool is_within(Reader& r, std::uint64_t dir, std::uint64_t ancestor);
  // Adds `delta` to the link count of `ino` and stamps its times.
  static void touch(Txn& t, std::uint64_t ino, int delta, std::int64_t now, bool modify);
  // Drops one link of a non-directory; removes it when that was the last link and it is unused.
  // Blocks of removed inodes go to `freed`, for the ReleaseQueue once the transaction committed.
  // `refs` is refs_, read under mutex_.
  static void unlink_inode(Txn& t, const Refs& refs, index::InodeRecord rec, std::int64_t now,
                           Freed& freed);
  static void remove_inode(Txn& t, std::uint64_t ino, Freed& freed);
  // Removes an emptied directory now, or marks it unlinked (nlink 0) while it is in use.
  static void remove_dir_inode(Txn& t, const Refs& refs, index::InodeRecord rec, std::int64_t now);
  // Bytes of names and values of `ino`'s xattrs, leaving out `except`.
  static std::size_t xattr_space(Reader& r, std::uint64_t ino, std::string_view except);
  // Hands blocks freed by the commit `ticket` to the ReleaseQueue (after transact() returned).
  void release_later(index::CommitTicket ticket, Freed freed);

  index::MetadataStore& metadata_;
  ReleaseQueue* const releases_;
  // Taken before the store's own locks (never inside a transaction body); guards refs_ and makes
  // each operation's read-modify-write of the store one step for the other operations.
  Mutex mutex_;
  Refs refs_ GUARDED_BY(mutex_);  // absent = 0
  // refs_ for a transaction body: the body runs inside transact(), on this thread, while it holds
  // mutex_, but the analysis sees the body as a function of its own.
  [[nodiscard]] const Refs& refs_for_bodies() const REQUIRES(mutex_) { return refs_; }
  std::atomic<AtimePolicy> atime_policy_{AtimePolicy::kRelatime};
  std::atomic<bool> dir_atime_{true};
};

}  // namespace squeezefs::fs
