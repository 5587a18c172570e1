#pragma once

#include <cstdint>
#include <vector>

namespace squeezefs::fs {

// What the kernel's group and capability checks know of a caller beyond its fsuid and fsgid.
struct CallerCredentials {
  std::vector<std::uint32_t> groups;  // supplementary groups
  bool can_fsetid = false;            // holds CAP_FSETID
};

// The caller of an operation: owner of the inodes it creates, and whose group membership decides
// whether S_ISGID survives.
struct Caller {
  std::uint32_t uid = 0;  // fsuid
  std::uint32_t gid = 0;  // fsgid
  // Applied to the mode of new inodes unless their directory has a default ACL (then the ACL
  // decides, as POSIX.1e says).
  std::uint32_t umask = 0;
  // The calling thread, and what reads the rest of its credentials (the adapter reads /proc).
  // Called only when a rule needs them, possibly under the index mutex. Without it: no
  // supplementary groups, and CAP_FSETID for uid 0 only. A plain function keeps Caller a
  // literal type, cheap to make for every request.
  std::int32_t tid = 0;
  CallerCredentials (*read_credentials)(std::int32_t tid, std::uint32_t uid) = nullptr;
};

// Whether `caller` is in group `gid` (as fsgid or a supplementary group) or holds CAP_FSETID:
// the kernel's in_group_or_capable(). A caller for whom it is false loses S_ISGID on an inode of
// that group when it sets the inode's access ACL (posix_acl_update_mode), and on a new file in
// a setgid directory (mode_strip_sgid). chmod follows the same rule, in the kernel
// (setattr_prepare), before a request reaches the store.
[[nodiscard]] bool may_keep_setgid(const Caller& caller, std::uint32_t gid);

// The group and mode of a new inode, before the umask or the default ACL apply.
struct NewInodeOwner {
  std::uint32_t gid = 0;
  std::uint32_t mode = 0;
};

// As ext4 (inode_init_owner after mode_strip_sgid): in a directory with S_ISGID (`dir_mode`)
// a new inode takes the directory's group `dir_gid` and a new directory S_ISGID too; a new
// non-directory with S_ISGID and group execute in `mode` loses S_ISGID unless
// may_keep_setgid(caller, dir_gid). Elsewhere it takes the caller's fsgid and keeps `mode`.
// `mode` includes the file type bits.
[[nodiscard]] NewInodeOwner new_inode_owner(const Caller& caller, std::uint32_t dir_mode,
                                            std::uint32_t dir_gid, std::uint32_t mode);

}  // namespace squeezefs::fs
