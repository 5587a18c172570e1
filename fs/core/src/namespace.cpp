#include "squeezefs/fs/namespace.h"

#include <sys/stat.h>

#include <algorithm>
#include <chrono>

#include "posix_acl.h"

namespace squeezefs::fs {
namespace {

bool is_dir(const index::InodeRecord& r) {
  return S_ISDIR(r.mode);
}

// Names must be one path component: not empty, not "." or "..", no '/', at most 255 bytes.
Result<void> check_name(std::string_view name) {
  if (name.empty() || name == "." || name == ".." || name.find('/') != std::string_view::npos) {
    return fail(std::errc::invalid_argument);
  }
  if (name.size() > index::kMaxNameLength) return fail(std::errc::filename_too_long);
  return {};
}

constexpr std::uint32_t kMaxLinks = 0xffffffffU;

// A record for a new inode owned by `caller`; create_locked() fills in the rest (its group too).
index::InodeRecord new_inode(std::uint32_t mode, const Caller& caller, std::uint32_t nlink) {
  index::InodeRecord rec;
  rec.mode = mode;
  rec.uid = caller.uid;
  rec.nlink = nlink;
  return rec;
}

}  // namespace

void Namespace::format(index::Index& index, Caller owner) {
  index::InodeRecord root;
  root.ino = kRootIno;
  root.mode = S_IFDIR | 0755;
  root.uid = owner.uid;
  root.gid = owner.gid;
  root.nlink = 2;
  root.atime_ns = root.mtime_ns = root.ctime_ns = now_ns();
  index::Txn txn(index.db());
  index.insert_inode(root);
  txn.commit();
}

void Namespace::retain(std::uint64_t ino, std::uint64_t count) {
  const std::lock_guard lock(mutex_);
  refs_[ino] += count;
}

void Namespace::release(std::uint64_t ino, std::uint64_t count) {
  const std::lock_guard lock(mutex_);
  const auto it = refs_.find(ino);
  if (it == refs_.end()) return;
  if (it->second > count) {
    it->second -= count;
    return;
  }
  refs_.erase(it);
  const auto rec = index_.inode(ino);
  if (rec && rec->nlink == 0) {
    std::vector<index::BlockRef> freed;
    index::Txn txn(index_.db());
    remove_inode_locked(ino, freed);
    txn.commit();
    give_back(freed);
  }
}

void Namespace::purge_orphans() {
  const std::lock_guard lock(mutex_);
  std::vector<index::BlockRef> freed;
  index::Txn txn(index_.db());
  for (const auto ino : index_.orphan_inodes()) {
    if (!refs_.contains(ino)) remove_inode_locked(ino, freed);
  }
  txn.commit();
  give_back(freed);
}

void Namespace::give_back(const std::vector<index::BlockRef>& freed) {
  if (space_releaser_ && !freed.empty()) space_releaser_(freed);
}

void Namespace::remove_inode_locked(std::uint64_t ino, std::vector<index::BlockRef>& freed) {
  for (const auto& block : index_.remove_inode(ino)) {
    index_.account_freed(block.data_file, block.stored_length);
    freed.push_back(block);
  }
}

void Namespace::remove_dir_inode_locked(index::InodeRecord rec, std::int64_t now) {
  if (!refs_.contains(rec.ino)) {
    std::vector<index::BlockRef> none;  // directories own no blocks
    remove_inode_locked(rec.ino, none);
    return;
  }
  // Open or known to the kernel: fstat on it still works until release() removes it.
  rec.nlink = 0;
  rec.ctime_ns = std::max(now, rec.ctime_ns);
  index_.update_inode(rec);
}

void Namespace::unlink_inode_locked(index::InodeRecord rec, std::int64_t now,
                                    std::vector<index::BlockRef>& freed) {
  if (--rec.nlink == 0 && !refs_.contains(rec.ino)) {
    remove_inode_locked(rec.ino, freed);
    return;
  }
  // Still linked elsewhere, or in use: kept (with nlink 0 in the latter case) until release().
  rec.ctime_ns = std::max(now, rec.ctime_ns);
  index_.update_inode(rec);
}

Result<index::InodeRecord> Namespace::getattr(std::uint64_t ino) {
  const std::lock_guard lock(mutex_);
  auto rec = index_.inode(ino);
  if (!rec) return fail(std::errc::no_such_file_or_directory);
  return *rec;
}

Result<index::InodeRecord> Namespace::directory_locked(std::uint64_t ino) {
  auto rec = index_.inode(ino);
  if (!rec) return fail(std::errc::no_such_file_or_directory);
  if (!is_dir(*rec)) return fail(std::errc::not_a_directory);
  // A removed directory that is still open must not gain entries.
  if (rec->nlink == 0) return fail(std::errc::no_such_file_or_directory);
  return *rec;
}

Result<index::InodeRecord> Namespace::entry_inode_locked(std::uint64_t parent,
                                                         std::string_view name) {
  auto entry = index_.lookup(parent, name);
  if (!entry) return fail(std::errc::no_such_file_or_directory);
  auto rec = index_.inode(entry->child);
  if (!rec) return fail(std::errc::io_error);
  return *rec;
}

void Namespace::touch_atime(std::uint64_t ino) {
  const auto policy = atime_policy_.load();
  if (policy == AtimePolicy::kNever) return;
  constexpr std::int64_t kDay = std::int64_t{86400} * 1'000'000'000;
  const std::lock_guard lock(mutex_);
  auto rec = index_.inode(ino);
  if (!rec || (S_ISDIR(rec->mode) && !dir_atime_)) return;
  const auto now = now_ns();
  if (policy == AtimePolicy::kRelatime && rec->atime_ns > rec->mtime_ns &&
      rec->atime_ns > rec->ctime_ns && now - rec->atime_ns < kDay) {
    return;
  }
  index::Txn txn(index_.db());
  // Past the change it follows even within one tick of the coarse clock: else the next read
  // finds atime equal to ctime and stamps it again.
  rec->atime_ns = now_past_ns(std::max(rec->mtime_ns, rec->ctime_ns));
  index_.update_inode(*rec);
  txn.commit();
}

Result<index::InodeRecord> Namespace::lookup(std::uint64_t parent, std::string_view name) {
  if (name.size() > index::kMaxNameLength) return fail(std::errc::filename_too_long);
  const std::lock_guard lock(mutex_);
  auto dir = directory_locked(parent);
  if (!dir) return Unexpected{dir.error()};
  auto entry = index_.lookup(parent, name);
  if (!entry) return fail(std::errc::no_such_file_or_directory);
  auto rec = index_.inode(entry->child);
  if (!rec) return fail(std::errc::no_such_file_or_directory);
  return *rec;
}

Result<index::InodeRecord> Namespace::create_locked(std::uint64_t parent, std::string_view name,
                                                    index::InodeRecord record,
                                                    const Caller& caller) {
  if (auto ok = check_name(name); !ok) return Unexpected{ok.error()};
  auto dir = directory_locked(parent);
  if (!dir) return Unexpected{dir.error()};
  if (index_.lookup(parent, name)) return fail(std::errc::file_exists);
  const auto owner = new_inode_owner(caller, dir->mode, dir->gid, record.mode);
  record.gid = owner.gid;
  record.mode = owner.mode;
  std::optional<std::string> default_acl;
  if (!S_ISLNK(record.mode)) default_acl = index_.xattr(parent, kAclDefault);
  std::optional<InheritedAcl> inherited;
  if (default_acl) inherited = acl_inherit(*default_acl, record.mode);
  if (inherited) {
    record.mode = (record.mode & ~std::uint32_t{0777}) | inherited->mode.perm_bits;
  } else if (!S_ISLNK(record.mode)) {
    record.mode &= ~(caller.umask & 0777);
  }
  const auto now = now_ns();
  record.atime_ns = record.mtime_ns = record.ctime_ns = now;
  record.ino = index_.allocate_inode(record);
  index_.add_entry(parent, name, record.ino);
  if (inherited) {
    if (!inherited->mode.equivalent_to_mode)
      index_.set_xattr(record.ino, kAclAccess, inherited->access);
    if (is_dir(record)) index_.set_xattr(record.ino, kAclDefault, *default_acl);
  }
  dir->mtime_ns = dir->ctime_ns = std::max(now, dir->ctime_ns);
  if (is_dir(record)) ++dir->nlink;  // the new directory's ".." links to the parent
  index_.update_inode(*dir);
  return record;
}

Result<index::InodeRecord> Namespace::create(std::uint64_t parent, std::string_view name,
                                             const index::InodeRecord& record, const Caller& caller,
                                             std::string_view target) {
  const std::lock_guard lock(mutex_);
  index::Txn txn(index_.db());
  auto made = create_locked(parent, name, record, caller);
  if (!made) return made;
  if (S_ISLNK(made->mode)) index_.set_symlink(made->ino, target);
  txn.commit();
  return made;
}

Result<index::InodeRecord> Namespace::mkdir(std::uint64_t parent, std::string_view name,
                                            std::uint32_t mode, Caller caller) {
  // mkdir(2) takes only the permission and sticky bits; S_ISGID comes from a setgid parent.
  constexpr std::uint32_t kMkdirBits = 01777;
  return create(parent, name, new_inode(S_IFDIR | (mode & kMkdirBits), caller, 2), caller);
}

Result<index::InodeRecord> Namespace::mknod(std::uint64_t parent, std::string_view name,
                                            std::uint32_t mode, std::uint64_t rdev, Caller caller) {
  const std::uint32_t type = mode & S_IFMT;
  if (type != S_IFREG && type != S_IFIFO && type != S_IFSOCK && type != S_IFCHR &&
      type != S_IFBLK) {
    return fail(std::errc::invalid_argument);
  }
  auto rec = new_inode(type | (mode & 07777), caller, 1);
  rec.rdev = (type == S_IFCHR || type == S_IFBLK) ? rdev : 0;
  return create(parent, name, rec, caller);
}

Result<index::InodeRecord> Namespace::symlink(std::uint64_t parent, std::string_view name,
                                              std::string_view target, Caller caller) {
  if (target.empty()) return fail(std::errc::no_such_file_or_directory);
  if (target.size() >= 4096) return fail(std::errc::filename_too_long);
  auto rec = new_inode(S_IFLNK | 0777, caller, 1);
  rec.size = target.size();
  return create(parent, name, rec, caller, target);
}

Result<std::string> Namespace::readlink(std::uint64_t ino) {
  const std::lock_guard lock(mutex_);
  auto rec = index_.inode(ino);
  if (!rec) return fail(std::errc::no_such_file_or_directory);
  if (!S_ISLNK(rec->mode)) return fail(std::errc::invalid_argument);
  auto target = index_.symlink(ino);
  if (!target) return fail(std::errc::io_error);
  return *target;
}

Result<index::InodeRecord> Namespace::link(std::uint64_t ino, std::uint64_t new_parent,
                                           std::string_view name) {
  if (auto ok = check_name(name); !ok) return Unexpected{ok.error()};
  const std::lock_guard lock(mutex_);
  index::Txn txn(index_.db());
  auto rec = index_.inode(ino);
  if (!rec) return fail(std::errc::no_such_file_or_directory);
  if (is_dir(*rec)) return fail(std::errc::operation_not_permitted);
  if (rec->nlink == kMaxLinks) return fail(std::errc::too_many_links);
  auto dir = directory_locked(new_parent);
  if (!dir) return Unexpected{dir.error()};
  if (index_.lookup(new_parent, name)) return fail(std::errc::file_exists);
  const auto now = now_ns();
  index_.add_entry(new_parent, name, ino);
  ++rec->nlink;
  rec->ctime_ns = std::max(now, rec->ctime_ns);
  index_.update_inode(*rec);
  dir->mtime_ns = dir->ctime_ns = std::max(now, dir->ctime_ns);
  index_.update_inode(*dir);
  txn.commit();
  return *rec;
}

Result<void> Namespace::unlink(std::uint64_t parent, std::string_view name) {
  const std::lock_guard lock(mutex_);
  index::Txn txn(index_.db());
  auto dir = directory_locked(parent);
  if (!dir) return Unexpected{dir.error()};
  auto rec = entry_inode_locked(parent, name);
  if (!rec) return Unexpected{rec.error()};
  if (is_dir(*rec)) return fail(std::errc::is_a_directory);
  const auto now = now_ns();
  index_.remove_entry(parent, name);
  dir->mtime_ns = dir->ctime_ns = std::max(now, dir->ctime_ns);
  index_.update_inode(*dir);
  std::vector<index::BlockRef> freed;
  unlink_inode_locked(*rec, now, freed);
  txn.commit();
  give_back(freed);
  return {};
}

Result<void> Namespace::rmdir(std::uint64_t parent, std::string_view name) {
  if (name == ".") return fail(std::errc::invalid_argument);
  if (name == "..") return fail(std::errc::directory_not_empty);
  const std::lock_guard lock(mutex_);
  index::Txn txn(index_.db());
  auto dir = directory_locked(parent);
  if (!dir) return Unexpected{dir.error()};
  auto rec = entry_inode_locked(parent, name);
  if (!rec) return Unexpected{rec.error()};
  if (!is_dir(*rec)) return fail(std::errc::not_a_directory);
  if (index_.has_entries(rec->ino)) return fail(std::errc::directory_not_empty);
  index_.remove_entry(parent, name);
  remove_dir_inode_locked(*rec, now_ns());
  dir->mtime_ns = dir->ctime_ns = now_after_ns(dir->ctime_ns);
  --dir->nlink;
  index_.update_inode(*dir);
  txn.commit();
  return {};
}

Result<index::InodeRecord> Namespace::setattr(std::uint64_t ino, const AttrChange& change) {
  const std::lock_guard lock(mutex_);
  index::Txn txn(index_.db());
  auto rec = index_.inode(ino);
  if (!rec) return fail(std::errc::no_such_file_or_directory);
  if (change.mode) {
    rec->mode = (rec->mode & S_IFMT) | (*change.mode & 07777);
    // chmod rewrites the access ACL's owner, mask and other entries (the kernel drops its
    // cached ACL after setattr and reads it back).
    if (auto acl = index_.xattr(ino, kAclAccess))
      index_.set_xattr(ino, kAclAccess, acl_chmod(*acl, rec->mode));
  }
  if (change.uid) rec->uid = *change.uid;
  if (change.gid) rec->gid = *change.gid;
  if (change.atime_ns) rec->atime_ns = *change.atime_ns;
  if (change.mtime_ns) rec->mtime_ns = *change.mtime_ns;
  rec->ctime_ns = change.ctime_ns ? *change.ctime_ns : now_after_ns(rec->ctime_ns);
  index_.update_inode(*rec);
  txn.commit();
  return *rec;
}

Result<std::vector<index::DirEntry>> Namespace::readdir(std::uint64_t ino, std::int64_t after,
                                                        std::size_t limit) {
  const std::lock_guard lock(mutex_);
  auto rec = index_.inode(ino);
  if (!rec) return fail(std::errc::no_such_file_or_directory);
  if (!is_dir(*rec)) return fail(std::errc::not_a_directory);
  return index_.list_entries(ino, after, limit);
}

std::int64_t Namespace::entry_mark() {
  const std::lock_guard lock(mutex_);
  return index_.last_entry_id();
}

Result<std::vector<ListedEntry>> Namespace::list(std::uint64_t ino, std::int64_t after,
                                                 std::int64_t mark, std::size_t limit) {
  const std::lock_guard lock(mutex_);
  auto rec = index_.inode(ino);
  if (!rec) return fail(std::errc::no_such_file_or_directory);
  if (!is_dir(*rec)) return fail(std::errc::not_a_directory);
  std::vector<ListedEntry> out;
  for (auto& entry : index_.list_entries(ino, after, limit, mark)) {
    auto child = index_.inode(entry.child);
    // An entry naming a missing inode is damage for fsck to report; the rest stays listable.
    if (!child) continue;
    out.push_back(ListedEntry{std::move(entry), std::move(*child)});
  }
  return out;
}

}  // namespace squeezefs::fs
