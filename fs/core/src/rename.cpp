#include <sys/stat.h>

#include <algorithm>
#include <utility>

#include "squeezefs/fs/namespace.h"

namespace squeezefs::fs {

bool Namespace::is_within(Reader& r, std::uint64_t dir, std::uint64_t ancestor) {
  // Walk up from `dir` to the root; directories have exactly one parent entry.
  for (std::uint64_t cur = dir;;) {
    if (cur == ancestor) return true;
    if (cur == kRootIno) return false;
    const auto up = r.parent_of(cur);
    if (!up) return false;
    cur = *up;
  }
}

void Namespace::touch(Txn& t, std::uint64_t ino, int delta, std::int64_t now, bool modify) {
  auto rec = t.inode(ino);
  if (!rec) return;
  rec->nlink = static_cast<std::uint32_t>(static_cast<std::int64_t>(rec->nlink) + delta);
  // Never before a stamp the kernel made (see now_after_ns()).
  rec->ctime_ns = std::max(now, rec->ctime_ns);
  if (modify) rec->mtime_ns = rec->ctime_ns;
  t.update_inode(*rec);
}

Result<void> Namespace::rename(std::uint64_t parent, std::string_view name,
                               std::uint64_t new_parent, std::string_view new_name, RenameMode mode,
                               std::optional<Caller> whiteout) {
  if (whiteout && mode == RenameMode::kExchange) return fail(std::errc::invalid_argument);
  if (name == "." || name == ".." || new_name == "." || new_name == "..")
    return fail(std::errc::invalid_argument);
  if (new_name.empty() || new_name.find('/') != std::string_view::npos)
    return fail(std::errc::invalid_argument);
  if (new_name.size() > index::kMaxNameLength) return fail(std::errc::filename_too_long);
  const MutexLock lock(mutex_);
  const Refs& refs = refs_for_bodies();
  const auto now = now_ns();
  Freed freed;  // of a replaced file
  index::CommitTicket ticket;
  auto done = metadata_.transact(
      [&](Txn& t) -> Result<void> {
        freed.clear();  // a rerun starts afresh
        if (auto d = directory(t, parent); !d) return Unexpected{d.error()};
        if (auto d = directory(t, new_parent); !d) return Unexpected{d.error()};
        const auto src_entry = t.lookup(parent, name);
        if (!src_entry) return fail(std::errc::no_such_file_or_directory);
        const auto src = t.inode(src_entry->child);
        if (!src) return fail(std::errc::io_error);
        const auto dst_entry = t.lookup(new_parent, new_name);
        const bool src_dir = S_ISDIR(src->mode);

        if (mode == RenameMode::kExchange) {
          if (!dst_entry) return fail(std::errc::no_such_file_or_directory);
          const auto dst = t.inode(dst_entry->child);
          if (!dst) return fail(std::errc::io_error);
          const bool dst_dir = S_ISDIR(dst->mode);
          if (src_dir && is_within(t, new_parent, src->ino))
            return fail(std::errc::invalid_argument);
          if (dst_dir && is_within(t, parent, dst->ino)) return fail(std::errc::invalid_argument);
          t.retarget_entry(parent, name, dst->ino);
          t.retarget_entry(new_parent, new_name, src->ino);
          // Each parent's link count follows the directories it now holds.
          const int shift = (src_dir ? 1 : 0) - (dst_dir ? 1 : 0);
          touch(t, parent, parent == new_parent ? 0 : -shift, now, true);
          if (parent != new_parent) touch(t, new_parent, shift, now, true);
          touch(t, src->ino, 0, now, false);
          touch(t, dst->ino, 0, now, false);
          return {};
        }

        if (dst_entry) {
          if (mode == RenameMode::kNoReplace) return fail(std::errc::file_exists);
          // Two links to the same inode: POSIX says do nothing.
          if (dst_entry->child == src->ino) return {};
          const auto dst = t.inode(dst_entry->child);
          if (!dst) return fail(std::errc::io_error);
          if (src_dir && !S_ISDIR(dst->mode)) return fail(std::errc::not_a_directory);
          if (!src_dir && S_ISDIR(dst->mode)) return fail(std::errc::is_a_directory);
          if (src_dir && is_within(t, new_parent, src->ino))
            return fail(std::errc::invalid_argument);
          if (S_ISDIR(dst->mode) && t.has_entries(dst->ino))
            return fail(std::errc::directory_not_empty);
          // The target's entry keeps its place (and its position in listings under way) and now
          // names the source: a name replaced atomically is never missing from a listing.
          t.retarget_entry(new_parent, new_name, src->ino);
          t.remove_entry(parent, name);
          if (S_ISDIR(dst->mode)) {
            remove_dir_inode(t, refs, *dst, now);
            touch(t, new_parent, -1, now, true);
          } else {
            unlink_inode(t, refs, *dst, now, freed);
          }
        } else {
          if (src_dir && is_within(t, new_parent, src->ino))
            return fail(std::errc::invalid_argument);
          t.move_entry(parent, name, new_parent, new_name);
        }

        if (src_dir && parent != new_parent) {
          touch(t, parent, -1, now, true);
          touch(t, new_parent, 1, now, true);
        } else {
          touch(t, parent, 0, now, true);
          if (parent != new_parent) touch(t, new_parent, 0, now, true);
        }
        touch(t, src->ino, 0, now, false);
        if (whiteout) {
          // As ext4 makes it: S_IFCHR with mode 0 and device 0/0, so no umask or ACL bits apply;
          // its group follows a setgid directory as any new inode's does.
          index::InodeRecord mark;
          mark.mode = S_IFCHR;
          mark.uid = whiteout->uid;
          mark.gid = whiteout->gid;
          mark.nlink = 1;
          if (auto made = create_in(t, parent, name, mark, *whiteout, now); !made)
            return Unexpected{made.error()};
        }
        return {};
      },
      &ticket);
  if (done) release_later(ticket, std::move(freed));
  return done;
}

}  // namespace squeezefs::fs
