#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace squeezefs::fs {

// The xattr names of POSIX ACLs. The kernel enforces ACLs (FUSE_CAP_POSIX_ACL) from these
// values; the store keeps the access ACL and the mode's permission bits in step, as ext4 does.
inline constexpr std::string_view kAclAccess = "system.posix_acl_access";
inline constexpr std::string_view kAclDefault = "system.posix_acl_default";

// The permission bits an access ACL implies (owner from ACL_USER_OBJ, group from ACL_MASK when
// present else ACL_GROUP_OBJ, other from ACL_OTHER), and whether the ACL says no more than
// those bits (three entries only). Empty for a malformed value (bad header, size or tag).
struct AclMode {
  std::uint32_t perm_bits = 0;
  bool equivalent_to_mode = false;
};
std::optional<AclMode> acl_mode(std::string_view xattr_value);

// The access ACL `xattr_value` rewritten for chmod to `mode`: the owner, mask (or group when
// there is no mask) and other entries take the new permission bits (posix_acl_chmod).
std::string acl_chmod(std::string_view xattr_value, std::uint32_t mode);

// The access ACL a new inode inherits from its directory's default ACL `default_acl`, given the
// mode its creator asked for: the owner, mask (or group) and other entries keep only the
// permissions that mode grants (posix_acl_create). Empty for a malformed default ACL.
struct InheritedAcl {
  std::string access;
  AclMode mode;
};
std::optional<InheritedAcl> acl_inherit(std::string_view default_acl, std::uint32_t mode);

}  // namespace squeezefs::fs
