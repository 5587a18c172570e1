#include <sys/stat.h>

#include <algorithm>

#include "squeezefs/fs/namespace.h"

namespace squeezefs::fs {

bool Namespace::is_within_locked(std::uint64_t dir, std::uint64_t ancestor) {
  // Walk up from `dir` to the root; directories have exactly one parent entry.
  for (std::uint64_t cur = dir;;) {
    if (cur == ancestor) return true;
    if (cur == kRootIno) return false;
    const auto up = index_.parent_of(cur);
    if (!up) return false;
    cur = *up;
  }
}

void Namespace::touch_locked(std::uint64_t ino, int delta, std::int64_t now, bool modify) {
  auto rec = index_.inode(ino);
  if (!rec) return;
  rec->nlink = static_cast<std::uint32_t>(static_cast<std::int64_t>(rec->nlink) + delta);
  // Never before a stamp the kernel made (see now_after_ns()).
  rec->ctime_ns = std::max(now, rec->ctime_ns);
  if (modify) rec->mtime_ns = rec->ctime_ns;
  index_.update_inode(*rec);
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
  const std::lock_guard lock(mutex_);
  index::Txn txn(index_.db());
  if (auto d = directory_locked(parent); !d) return Unexpected{d.error()};
  if (auto d = directory_locked(new_parent); !d) return Unexpected{d.error()};
  const auto src_entry = index_.lookup(parent, name);
  if (!src_entry) return fail(std::errc::no_such_file_or_directory);
  const auto src = index_.inode(src_entry->child);
  if (!src) return fail(std::errc::io_error);
  const auto dst_entry = index_.lookup(new_parent, new_name);
  const bool src_dir = S_ISDIR(src->mode);
  const auto now = now_ns();
  std::vector<index::BlockRef> freed;  // of a replaced file

  if (mode == RenameMode::kExchange) {
    if (!dst_entry) return fail(std::errc::no_such_file_or_directory);
    const auto dst = index_.inode(dst_entry->child);
    if (!dst) return fail(std::errc::io_error);
    const bool dst_dir = S_ISDIR(dst->mode);
    if (src_dir && is_within_locked(new_parent, src->ino)) return fail(std::errc::invalid_argument);
    if (dst_dir && is_within_locked(parent, dst->ino)) return fail(std::errc::invalid_argument);
    index_.retarget_entry(parent, name, dst->ino);
    index_.retarget_entry(new_parent, new_name, src->ino);
    // Each parent's link count follows the directories it now holds.
    const int shift = (src_dir ? 1 : 0) - (dst_dir ? 1 : 0);
    touch_locked(parent, parent == new_parent ? 0 : -shift, now, true);
    if (parent != new_parent) touch_locked(new_parent, shift, now, true);
    touch_locked(src->ino, 0, now, false);
    touch_locked(dst->ino, 0, now, false);
    txn.commit();
    return {};
  }

  if (dst_entry) {
    if (mode == RenameMode::kNoReplace) return fail(std::errc::file_exists);
    // Two links to the same inode: POSIX says do nothing.
    if (dst_entry->child == src->ino) return {};
    const auto dst = index_.inode(dst_entry->child);
    if (!dst) return fail(std::errc::io_error);
    if (src_dir && !S_ISDIR(dst->mode)) return fail(std::errc::not_a_directory);
    if (!src_dir && S_ISDIR(dst->mode)) return fail(std::errc::is_a_directory);
    if (src_dir && is_within_locked(new_parent, src->ino)) return fail(std::errc::invalid_argument);
    if (S_ISDIR(dst->mode) && index_.has_entries(dst->ino))
      return fail(std::errc::directory_not_empty);
    // The target's entry keeps its place (and its position in listings under way) and now
    // names the source: a name replaced atomically is never missing from a listing.
    index_.retarget_entry(new_parent, new_name, src->ino);
    index_.remove_entry(parent, name);
    if (S_ISDIR(dst->mode)) {
      remove_dir_inode_locked(*dst, now);
      touch_locked(new_parent, -1, now, true);
    } else {
      unlink_inode_locked(*dst, now, freed);
    }
  } else {
    if (src_dir && is_within_locked(new_parent, src->ino)) return fail(std::errc::invalid_argument);
    index_.move_entry(parent, name, new_parent, new_name);
  }

  if (src_dir && parent != new_parent) {
    touch_locked(parent, -1, now, true);
    touch_locked(new_parent, 1, now, true);
  } else {
    touch_locked(parent, 0, now, true);
    if (parent != new_parent) touch_locked(new_parent, 0, now, true);
  }
  touch_locked(src->ino, 0, now, false);
  if (whiteout) {
    // As ext4 makes it: S_IFCHR with mode 0 and device 0/0, so no umask or ACL bits apply; its
    // group follows a setgid directory as any new inode's does.
    index::InodeRecord mark;
    mark.mode = S_IFCHR;
    mark.uid = whiteout->uid;
    mark.gid = whiteout->gid;
    mark.nlink = 1;
    if (auto made = create_locked(parent, name, mark, *whiteout); !made)
      return Unexpected{made.error()};
  }
  txn.commit();
  give_back(freed);
  return {};
}

}  // namespace squeezefs::fs
