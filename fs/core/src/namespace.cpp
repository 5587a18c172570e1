#include "squeezefs/fs/namespace.h"

#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <limits>
#include <utility>

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

void format_root(index::MetadataStore& metadata, Caller owner) {
  index::InodeRecord root;
  root.ino = Namespace::kRootIno;
  root.mode = S_IFDIR | 0755;
  root.uid = owner.uid;
  root.gid = owner.gid;
  root.nlink = 2;
  root.atime_ns = root.mtime_ns = root.ctime_ns = now_ns();
  metadata.transact([&](index::MetadataTxn& t) { t.insert_inode(root); });
}

void Namespace::release_later(index::CommitTicket ticket, Freed freed) {
  if (releases_ != nullptr) releases_->push(ticket, std::move(freed));
}

void Namespace::retain(std::uint64_t ino, std::uint64_t count) {
  const MutexLock lock(mutex_);
  refs_[ino] += count;
}

void Namespace::release(std::uint64_t ino, std::uint64_t count) {
  const MutexLock lock(mutex_);
  const auto it = refs_.find(ino);
  if (it == refs_.end()) return;
  if (it->second > count) {
    it->second -= count;
    return;
  }
  refs_.erase(it);
  Freed freed;
  index::CommitTicket ticket;
  metadata_.transact(
      [&](Txn& t) {
        freed.clear();  // a rerun starts afresh
        const auto rec = t.inode(ino);
        if (rec && rec->nlink == 0) remove_inode(t, ino, freed);
      },
      &ticket);
  release_later(ticket, std::move(freed));
}

void Namespace::purge_orphans() {
  const MutexLock lock(mutex_);
  const Refs& refs = refs_for_bodies();
  Freed freed;
  index::CommitTicket ticket;
  metadata_.transact(
      [&](Txn& t) {
        freed.clear();
        for (const auto ino : t.orphan_inodes()) {
          if (!refs.contains(ino)) remove_inode(t, ino, freed);
        }
      },
      &ticket);
  release_later(ticket, std::move(freed));
}

void Namespace::remove_inode(Txn& t, std::uint64_t ino, Freed& freed) {
  for (const auto& block : t.remove_inode(ino)) {
    t.account_freed(block.data_file, block.stored_length);
    freed.push_back(block);
  }
}

void Namespace::remove_dir_inode(Txn& t, const Refs& refs, index::InodeRecord rec,
                                 std::int64_t now) {
  if (!refs.contains(rec.ino)) {
    Freed none;  // directories own no blocks
    remove_inode(t, rec.ino, none);
    return;
  }
  // Open or known to the kernel: fstat on it still works until release() removes it.
  rec.nlink = 0;
  rec.ctime_ns = std::max(now, rec.ctime_ns);
  t.update_inode(rec);
}

void Namespace::unlink_inode(Txn& t, const Refs& refs, index::InodeRecord rec, std::int64_t now,
                             Freed& freed) {
  if (--rec.nlink == 0 && !refs.contains(rec.ino)) {
    remove_inode(t, rec.ino, freed);
    return;
  }
  // Still linked elsewhere, or in use: kept (with nlink 0 in the latter case) until release().
  rec.ctime_ns = std::max(now, rec.ctime_ns);
  t.update_inode(rec);
}

Result<index::InodeRecord> Namespace::getattr(std::uint64_t ino) {
  const MutexLock lock(mutex_);
  return metadata_.read([&](Reader& r) -> Result<index::InodeRecord> {
    auto rec = r.inode(ino);
    if (!rec) return fail(std::errc::no_such_file_or_directory);
    return *rec;
  });
}

Result<index::InodeRecord> Namespace::directory(Reader& r, std::uint64_t ino) {
  auto rec = r.inode(ino);
  if (!rec) return fail(std::errc::no_such_file_or_directory);
  if (!is_dir(*rec)) return fail(std::errc::not_a_directory);
  // A removed directory that is still open must not gain entries.
  if (rec->nlink == 0) return fail(std::errc::no_such_file_or_directory);
  return *rec;
}

Result<index::InodeRecord> Namespace::entry_inode(Reader& r, std::uint64_t parent,
                                                  std::string_view name) {
  auto entry = r.lookup(parent, name);
  if (!entry) return fail(std::errc::no_such_file_or_directory);
  auto rec = r.inode(entry->child);
  if (!rec) return fail(std::errc::io_error);
  return *rec;
}

void Namespace::touch_atime(std::uint64_t ino) {
  const auto policy = atime_policy_.load();
  if (policy == AtimePolicy::kNever) return;
  constexpr std::int64_t kDay = std::int64_t{86400} * 1'000'000'000;
  const MutexLock lock(mutex_);
  auto rec = metadata_.read([&](Reader& r) { return r.inode(ino); });
  if (!rec || (S_ISDIR(rec->mode) && !dir_atime_)) return;
  const auto now = now_ns();
  if (policy == AtimePolicy::kRelatime && rec->atime_ns > rec->mtime_ns &&
      rec->atime_ns > rec->ctime_ns && now - rec->atime_ns < kDay) {
    return;
  }
  // Read again in the transaction: the file's data path may have changed the inode meanwhile.
  metadata_.transact([&](Txn& t) {
    auto current = t.inode(ino);
    if (!current) return;
    // Past the change it follows even within one tick of the coarse clock: else the next read
    // finds atime equal to ctime and stamps it again.
    current->atime_ns = now_past_ns(std::max(current->mtime_ns, current->ctime_ns));
    t.update_inode(*current);
  });
}

Result<index::InodeRecord> Namespace::lookup(std::uint64_t parent, std::string_view name) {
  if (name.size() > index::kMaxNameLength) return fail(std::errc::filename_too_long);
  const MutexLock lock(mutex_);
  return metadata_.read([&](Reader& r) -> Result<index::InodeRecord> {
    auto dir = directory(r, parent);
    if (!dir) return Unexpected{dir.error()};
    auto entry = r.lookup(parent, name);
    if (!entry) return fail(std::errc::no_such_file_or_directory);
    auto rec = r.inode(entry->child);
    if (!rec) return fail(std::errc::no_such_file_or_directory);
    return *rec;
  });
}

Result<index::InodeRecord> Namespace::create_in(Txn& t, std::uint64_t parent, std::string_view name,
                                                index::InodeRecord record, const Caller& caller,
                                                std::int64_t now) {
  if (auto ok = check_name(name); !ok) return Unexpected{ok.error()};
  auto dir = directory(t, parent);
  if (!dir) return Unexpected{dir.error()};
  if (t.lookup(parent, name)) return fail(std::errc::file_exists);
  const auto owner = new_inode_owner(caller, dir->mode, dir->gid, record.mode);
  record.gid = owner.gid;
  record.mode = owner.mode;
  std::optional<std::string> default_acl;
  if (!S_ISLNK(record.mode)) default_acl = t.xattr(parent, kAclDefault);
  std::optional<InheritedAcl> inherited;
  if (default_acl) inherited = acl_inherit(*default_acl, record.mode);
  if (inherited) {
    record.mode = (record.mode & ~std::uint32_t{0777}) | inherited->mode.perm_bits;
  } else if (!S_ISLNK(record.mode)) {
    record.mode &= ~(caller.umask & 0777);
  }
  record.atime_ns = record.mtime_ns = record.ctime_ns = now;
  record.ino = t.allocate_inode(record);
  t.add_entry(parent, name, record.ino);
  if (inherited) {
    if (!inherited->mode.equivalent_to_mode) t.set_xattr(record.ino, kAclAccess, inherited->access);
    if (is_dir(record)) t.set_xattr(record.ino, kAclDefault, *default_acl);
  }
  dir->mtime_ns = dir->ctime_ns = std::max(now, dir->ctime_ns);
  if (is_dir(record)) ++dir->nlink;  // the new directory's ".." links to the parent
  t.update_inode(*dir);
  return record;
}

Result<index::InodeRecord> Namespace::create(std::uint64_t parent, std::string_view name,
                                             const index::InodeRecord& record, const Caller& caller,
                                             std::string_view target) {
  const MutexLock lock(mutex_);
  const auto now = now_ns();
  return metadata_.transact([&](Txn& t) {
    auto made = create_in(t, parent, name, record, caller, now);
    if (made && S_ISLNK(made->mode)) t.set_symlink(made->ino, target);
    return made;
  });
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
  const MutexLock lock(mutex_);
  return metadata_.read([&](Reader& r) -> Result<std::string> {
    auto rec = r.inode(ino);
    if (!rec) return fail(std::errc::no_such_file_or_directory);
    if (!S_ISLNK(rec->mode)) return fail(std::errc::invalid_argument);
    auto target = r.symlink(ino);
    if (!target) return fail(std::errc::io_error);
    return *target;
  });
}

Result<index::InodeRecord> Namespace::link(std::uint64_t ino, std::uint64_t new_parent,
                                           std::string_view name) {
  if (auto ok = check_name(name); !ok) return Unexpected{ok.error()};
  const MutexLock lock(mutex_);
  const auto now = now_ns();
  return metadata_.transact([&](Txn& t) -> Result<index::InodeRecord> {
    auto rec = t.inode(ino);
    if (!rec) return fail(std::errc::no_such_file_or_directory);
    if (is_dir(*rec)) return fail(std::errc::operation_not_permitted);
    if (rec->nlink == kMaxLinks) return fail(std::errc::too_many_links);
    auto dir = directory(t, new_parent);
    if (!dir) return Unexpected{dir.error()};
    if (t.lookup(new_parent, name)) return fail(std::errc::file_exists);
    t.add_entry(new_parent, name, ino);
    ++rec->nlink;
    rec->ctime_ns = std::max(now, rec->ctime_ns);
    t.update_inode(*rec);
    dir->mtime_ns = dir->ctime_ns = std::max(now, dir->ctime_ns);
    t.update_inode(*dir);
    return *rec;
  });
}

Result<void> Namespace::unlink(std::uint64_t parent, std::string_view name) {
  const MutexLock lock(mutex_);
  const Refs& refs = refs_for_bodies();
  const auto now = now_ns();
  Freed freed;
  index::CommitTicket ticket;
  auto done = metadata_.transact(
      [&](Txn& t) -> Result<void> {
        freed.clear();  // a rerun starts afresh
        auto dir = directory(t, parent);
        if (!dir) return Unexpected{dir.error()};
        auto rec = entry_inode(t, parent, name);
        if (!rec) return Unexpected{rec.error()};
        if (is_dir(*rec)) return fail(std::errc::is_a_directory);
        t.remove_entry(parent, name);
        dir->mtime_ns = dir->ctime_ns = std::max(now, dir->ctime_ns);
        t.update_inode(*dir);
        unlink_inode(t, refs, *rec, now, freed);
        return {};
      },
      &ticket);
  if (done) release_later(ticket, std::move(freed));
  return done;
}

Result<void> Namespace::rmdir(std::uint64_t parent, std::string_view name) {
  if (name == ".") return fail(std::errc::invalid_argument);
  if (name == "..") return fail(std::errc::directory_not_empty);
  const MutexLock lock(mutex_);
  const Refs& refs = refs_for_bodies();
  const auto now = now_ns();
  return metadata_.transact([&](Txn& t) -> Result<void> {
    auto dir = directory(t, parent);
    if (!dir) return Unexpected{dir.error()};
    auto rec = entry_inode(t, parent, name);
    if (!rec) return Unexpected{rec.error()};
    if (!is_dir(*rec)) return fail(std::errc::not_a_directory);
    if (t.has_entries(rec->ino)) return fail(std::errc::directory_not_empty);
    t.remove_entry(parent, name);
    remove_dir_inode(t, refs, *rec, now);
    dir->mtime_ns = dir->ctime_ns = now_after_ns(dir->ctime_ns);
    --dir->nlink;
    t.update_inode(*dir);
    return {};
  });
}

Result<index::InodeRecord> Namespace::setattr(std::uint64_t ino, const AttrChange& change) {
  const MutexLock lock(mutex_);
  return metadata_.transact([&](Txn& t) -> Result<index::InodeRecord> {
    auto rec = t.inode(ino);
    if (!rec) return fail(std::errc::no_such_file_or_directory);
    if (change.mode) {
      rec->mode = (rec->mode & S_IFMT) | (*change.mode & 07777);
      // chmod rewrites the access ACL's owner, mask and other entries (the kernel drops its
      // cached ACL after setattr and reads it back).
      if (auto acl = t.xattr(ino, kAclAccess))
        t.set_xattr(ino, kAclAccess, acl_chmod(*acl, rec->mode));
    }
    if (change.uid) rec->uid = *change.uid;
    if (change.gid) rec->gid = *change.gid;
    if (change.atime_ns) rec->atime_ns = *change.atime_ns;
    if (change.mtime_ns) rec->mtime_ns = *change.mtime_ns;
    rec->ctime_ns = change.ctime_ns ? *change.ctime_ns : now_after_ns(rec->ctime_ns);
    t.update_inode(*rec);
    return *rec;
  });
}

Result<std::vector<index::DirEntry>> Namespace::readdir(std::uint64_t ino, std::int64_t after,
                                                        std::size_t limit) {
  const MutexLock lock(mutex_);
  return metadata_.read([&](Reader& r) -> Result<std::vector<index::DirEntry>> {
    auto rec = r.inode(ino);
    if (!rec) return fail(std::errc::no_such_file_or_directory);
    if (!is_dir(*rec)) return fail(std::errc::not_a_directory);
    return r.list_entries(ino, after, limit, std::numeric_limits<index::EntryId>::max());
  });
}

std::int64_t Namespace::entry_mark() {
  const MutexLock lock(mutex_);
  return metadata_.read([](Reader& r) { return r.last_entry_id(); });
}

Result<std::vector<ListedEntry>> Namespace::list(std::uint64_t ino, std::int64_t after,
                                                 std::int64_t mark, std::size_t limit) {
  const MutexLock lock(mutex_);
  return metadata_.read([&](Reader& r) -> Result<std::vector<ListedEntry>> {
    auto rec = r.inode(ino);
    if (!rec) return fail(std::errc::no_such_file_or_directory);
    if (!is_dir(*rec)) return fail(std::errc::not_a_directory);
    std::vector<ListedEntry> out;
    for (auto& entry : r.list_entries(ino, after, limit, mark)) {
      auto child = r.inode(entry.child);
      // An entry naming a missing inode is damage for fsck to report; the rest stays listable.
      if (!child) continue;
      out.push_back(ListedEntry{std::move(entry), std::move(*child)});
    }
    return out;
  });
}

}  // namespace squeezefs::fs
