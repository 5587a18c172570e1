#include <sys/stat.h>

#include "posix_acl.h"
#include "squeezefs/fs/namespace.h"

namespace squeezefs::fs {
namespace {

// The namespaces Linux file systems store: others are EOPNOTSUPP, as on ext4.
bool supported_name(std::string_view name) {
  return name.starts_with("user.") || name.starts_with("trusted.") ||
         name.starts_with("security.") || name == kAclAccess || name == kAclDefault;
}

}  // namespace

std::size_t Namespace::xattr_space(Reader& r, std::uint64_t ino, std::string_view except) {
  std::size_t used = 0;
  for (const auto& name : r.xattr_names(ino)) {
    if (name == except) continue;
    used += name.size() + r.xattr(ino, name).value_or("").size();
  }
  return used;
}

Result<void> Namespace::setxattr(std::uint64_t ino, std::string_view name, std::string_view value,
                                 XattrMode mode, const Caller& caller) {
  if (name.empty() || name.size() > kMaxXattrName) return fail(std::errc::result_out_of_range);
  if (value.size() > kMaxXattrValue) return fail(std::errc::argument_list_too_long);
  if (!supported_name(name)) return fail(std::errc::operation_not_supported);
  const MutexLock lock(mutex_);
  return metadata_.transact([&](Txn& t) -> Result<void> {
    auto rec = t.inode(ino);
    if (!rec) return fail(std::errc::no_such_file_or_directory);
    const bool exists = t.xattr(ino, name).has_value();
    if (mode == XattrMode::kCreate && exists) return fail(std::errc::file_exists);
    if (mode == XattrMode::kReplace && !exists)
      return fail(std::errc::no_message_available);  // ENODATA
    if (xattr_space(t, ino, name) + name.size() + value.size() > kMaxXattrSpace)
      return fail(std::errc::no_space_on_device);
    if (name == kAclAccess || name == kAclDefault) {
      const auto acl = acl_mode(value);
      if (!acl) return fail(std::errc::invalid_argument);
      if (name == kAclDefault && !S_ISDIR(rec->mode)) return fail(std::errc::permission_denied);
      if (name == kAclAccess) {
        // The mode's group bits show the ACL mask; an ACL the mode expresses is not stored.
        rec->mode = (rec->mode & ~std::uint32_t{0777}) | acl->perm_bits;
        // As a chmod would: the kernel's FUSE_SETXATTR_ACL_KILL_SGID says the same, but libfuse
        // 3.14 neither negotiates nor passes it.
        if ((rec->mode & S_ISGID) != 0 && !may_keep_setgid(caller, rec->gid))
          rec->mode &= ~std::uint32_t{S_ISGID};
        if (acl->equivalent_to_mode) {
          t.remove_xattr(ino, name);
        } else {
          t.set_xattr(ino, name, value);
        }
      } else {
        t.set_xattr(ino, name, value);
      }
    } else {
      t.set_xattr(ino, name, value);
    }
    rec->ctime_ns = now_after_ns(rec->ctime_ns);
    t.update_inode(*rec);
    return {};
  });
}

Result<std::string> Namespace::getxattr(std::uint64_t ino, std::string_view name) {
  if (name.empty() || name.size() > kMaxXattrName) return fail(std::errc::result_out_of_range);
  if (!supported_name(name)) return fail(std::errc::operation_not_supported);
  const MutexLock lock(mutex_);
  return metadata_.read([&](Reader& r) -> Result<std::string> {
    if (!r.inode(ino)) return fail(std::errc::no_such_file_or_directory);
    auto value = r.xattr(ino, name);
    if (!value) return fail(std::errc::no_message_available);
    return *value;
  });
}

Result<std::vector<std::string>> Namespace::listxattr(std::uint64_t ino) {
  const MutexLock lock(mutex_);
  return metadata_.read([&](Reader& r) -> Result<std::vector<std::string>> {
    if (!r.inode(ino)) return fail(std::errc::no_such_file_or_directory);
    return r.xattr_names(ino);
  });
}

Result<void> Namespace::removexattr(std::uint64_t ino, std::string_view name) {
  if (name.empty() || name.size() > kMaxXattrName) return fail(std::errc::result_out_of_range);
  const MutexLock lock(mutex_);
  return metadata_.transact([&](Txn& t) -> Result<void> {
    auto rec = t.inode(ino);
    if (!rec) return fail(std::errc::no_such_file_or_directory);
    if (!t.remove_xattr(ino, name)) return fail(std::errc::no_message_available);
    rec->ctime_ns = now_after_ns(rec->ctime_ns);
    t.update_inode(*rec);
    return {};
  });
}

}  // namespace squeezefs::fs
