#include "squeezefs/fs/caller.h"

#include <sys/stat.h>

#include <algorithm>

namespace squeezefs::fs {

bool may_keep_setgid(const Caller& caller, std::uint32_t gid) {
  if (caller.gid == gid) return true;  // the common case costs no credentials lookup
  const auto creds = caller.read_credentials != nullptr
                         ? caller.read_credentials(caller.tid, caller.uid)
                         : CallerCredentials{{}, caller.uid == 0};
  return creds.can_fsetid || std::ranges::find(creds.groups, gid) != creds.groups.end();
}

NewInodeOwner new_inode_owner(const Caller& caller, std::uint32_t dir_mode, std::uint32_t dir_gid,
                              std::uint32_t mode) {
  if ((dir_mode & S_ISGID) == 0) return {caller.gid, mode};
  if (S_ISDIR(mode)) return {dir_gid, mode | S_ISGID};
  // S_ISGID without group execute makes no setgid program (it once marked mandatory locking):
  // the kernel leaves it.
  constexpr std::uint32_t kSetgidProgram = S_ISGID | S_IXGRP;
  if ((mode & kSetgidProgram) == kSetgidProgram && !may_keep_setgid(caller, dir_gid))
    mode &= ~std::uint32_t{S_ISGID};
  return {dir_gid, mode};
}

}  // namespace squeezefs::fs
