#include "squeezefs/fs/namespace.h"

namespace squeezefs::fs {

Result<void> Namespace::setxattr(std::uint64_t ino, std::string_view name, std::string_view value,
                                 XattrMode mode) {
  if (name.empty() || name.size() > kMaxXattrName) return fail(std::errc::result_out_of_range);
  if (value.size() > kMaxXattrValue) return fail(std::errc::argument_list_too_long);
  const std::lock_guard lock(mutex_);
  index::Txn txn(index_.db());
  auto rec = index_.inode(ino);
  if (!rec) return fail(std::errc::no_such_file_or_directory);
  const bool exists = index_.xattr(ino, name).has_value();
  if (mode == XattrMode::kCreate && exists) return fail(std::errc::file_exists);
  if (mode == XattrMode::kReplace && !exists)
    return fail(std::errc::no_message_available);  // ENODATA
  index_.set_xattr(ino, name, value);
  rec->ctime_ns = now_ns();
  index_.update_inode(*rec);
  txn.commit();
  return {};
}

Result<std::string> Namespace::getxattr(std::uint64_t ino, std::string_view name) {
  if (name.empty() || name.size() > kMaxXattrName) return fail(std::errc::result_out_of_range);
  const std::lock_guard lock(mutex_);
  if (!index_.inode(ino)) return fail(std::errc::no_such_file_or_directory);
  auto value = index_.xattr(ino, name);
  if (!value) return fail(std::errc::no_message_available);
  return *value;
}

Result<std::vector<std::string>> Namespace::listxattr(std::uint64_t ino) {
  const std::lock_guard lock(mutex_);
  if (!index_.inode(ino)) return fail(std::errc::no_such_file_or_directory);
  return index_.xattr_names(ino);
}

Result<void> Namespace::removexattr(std::uint64_t ino, std::string_view name) {
  if (name.empty() || name.size() > kMaxXattrName) return fail(std::errc::result_out_of_range);
  const std::lock_guard lock(mutex_);
  index::Txn txn(index_.db());
  auto rec = index_.inode(ino);
  if (!rec) return fail(std::errc::no_such_file_or_directory);
  if (!index_.remove_xattr(ino, name)) return fail(std::errc::no_message_available);
  rec->ctime_ns = now_ns();
  index_.update_inode(*rec);
  txn.commit();
  return {};
}

}  // namespace squeezefs::fs
