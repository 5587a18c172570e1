// The libfuse low-level operations: each one unpacks its request, calls the core through
// checked_call (one core operation per request) and replies. The only file (with
// fuse_session.cpp) that speaks errno.
#include "fuse_ops.h"

#include <fcntl.h>
#include <linux/fs.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/uio.h>
#include <sys/xattr.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "caller_credentials.h"
#include "fuse_checked_call.h"
#include "squeezefs/fs/core_api.h"

namespace squeezefs::fs {
namespace {

constexpr double kTimeout = 1.0;
constexpr std::size_t kMaxWrite = std::size_t{1} << 20;

FuseContext& context_of(fuse_req_t req) {
  return *static_cast<FuseContext*>(fuse_req_userdata(req));
}

CoreApi& fs_of(fuse_req_t req) {
  return context_of(req).fs;
}

std::error_code errno_code(int e) {
  return {e, std::generic_category()};
}

Caller caller_of(fuse_req_t req) {
  const auto* ctx = fuse_req_ctx(req);
  // The rest of the credentials is read only when a setgid rule needs more than the fsgid (it
  // costs a /proc read).
  return Caller{ctx->uid, ctx->gid, ctx->umask, ctx->pid, read_caller_credentials};
}

timespec to_timespec(std::int64_t ns) {
  timespec ts{};
  ts.tv_sec = static_cast<time_t>(ns / 1'000'000'000);
  ts.tv_nsec = static_cast<long>(ns % 1'000'000'000);
  if (ts.tv_nsec < 0) {
    ts.tv_nsec += 1'000'000'000;
    --ts.tv_sec;
  }
  return ts;
}

std::int64_t from_timespec(const timespec& ts) {
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

struct stat to_stat(const Attr& attr) {
  struct stat st {};
  st.st_ino = attr.ino;
  st.st_mode = attr.mode;
  st.st_nlink = attr.nlink;
  st.st_uid = attr.uid;
  st.st_gid = attr.gid;
  st.st_rdev = attr.rdev;
  st.st_size = static_cast<off_t>(attr.size);
  st.st_blksize = static_cast<blksize_t>(attr.io_block_size);
  st.st_blocks = static_cast<blkcnt_t>(attr.blocks_512);
  st.st_atim = to_timespec(attr.atime_ns);
  st.st_mtim = to_timespec(attr.mtime_ns);
  st.st_ctim = to_timespec(attr.ctime_ns);
  return st;
}

fuse_entry_param to_entry(const Attr& attr) {
  fuse_entry_param e{};
  e.ino = attr.ino;
  e.generation = attr.generation;
  e.attr = to_stat(attr);
  e.attr_timeout = kTimeout;
  e.entry_timeout = kTimeout;
  return e;
}

// Replies with a new entry, whose lookup reference the core took: the kernel holds it now, or
// it goes back when the reply fails (an interrupted request).
std::error_code reply_entry(fuse_req_t req, const Result<Attr>& attr) {
  if (!attr) return attr.error();
  const auto e = to_entry(*attr);
  if (fuse_reply_entry(req, &e) != 0) fs_of(req).forget(attr->ino, 1);
  return {};
}

std::error_code reply_attr(fuse_req_t req, const Result<Attr>& attr) {
  if (!attr) return attr.error();
  const auto st = to_stat(*attr);
  fuse_reply_attr(req, &st, kTimeout);
  return {};
}

std::error_code reply_ok(fuse_req_t req, const Result<void>& r) {
  if (!r) return r.error();
  fuse_reply_err(req, 0);
  return {};
}

void op_init(void* userdata, fuse_conn_info* conn) {
  if ((conn->capable & FUSE_CAP_WRITEBACK_CACHE) != 0) conn->want |= FUSE_CAP_WRITEBACK_CACHE;
  // The kernel enforces POSIX ACLs (with default_permissions) from system.posix_acl_* xattrs.
  if ((conn->capable & FUSE_CAP_POSIX_ACL) != 0) conn->want |= FUSE_CAP_POSIX_ACL;
  // The core applies the umask itself: a directory's default ACL replaces it (POSIX.1e).
  if ((conn->capable & FUSE_CAP_DONT_MASK) != 0) conn->want |= FUSE_CAP_DONT_MASK;
  conn->max_write = static_cast<unsigned>(kMaxWrite);
  static_cast<FuseContext*>(userdata)->writeback_cache =
      (conn->want & FUSE_CAP_WRITEBACK_CACHE) != 0;
}

void op_destroy(void* userdata) {
  try {
    static_cast<FuseContext*>(userdata)->fs.sync();
  } catch (const std::exception& e) {
    log().error("sync at unmount: {}", log_text(e));
  }
}

void op_lookup(fuse_req_t req, fuse_ino_t parent, const char* name) {
  log().debug("lookup {} '{}'", parent, name);
  checked_call(req, "lookup", [&]() -> std::error_code {
    auto attr = fs_of(req).lookup(parent, name);
    if (!attr && attr.error() == std::errc::no_such_file_or_directory) {
      // The kernel may remember that the name is absent (every change to the store passes
      // through this mount, and it forgets on create, mknod, link and rename): a copy then
      // creates each file with one request less.
      fuse_entry_param e{};
      e.entry_timeout = kTimeout;
      fuse_reply_entry(req, &e);
      return {};
    }
    return reply_entry(req, attr);
  });
}

void op_forget(fuse_req_t req, fuse_ino_t ino, std::uint64_t nlookup) {
  try {
    fs_of(req).forget(ino, nlookup);
  } catch (const std::exception& e) {
    log().error("forget {}: {}", ino, log_text(e));
  }
  fuse_reply_none(req);
}

void op_forget_multi(fuse_req_t req, std::size_t count, fuse_forget_data* forgets) {
  for (std::size_t i = 0; i < count; ++i) {
    try {
      fs_of(req).forget(forgets[i].ino, forgets[i].nlookup);
    } catch (const std::exception& e) {
      log().error("forget {}: {}", forgets[i].ino, log_text(e));
    }
  }
  fuse_reply_none(req);
}

void op_getattr(fuse_req_t req, fuse_ino_t ino, fuse_file_info* /*fi*/) {
  log().debug("getattr {}", ino);
  checked_call(req, "getattr", [&] { return reply_attr(req, fs_of(req).getattr(ino)); });
}

void op_setattr(fuse_req_t req, fuse_ino_t ino, struct stat* attr, int to_set,
                fuse_file_info* /*fi*/) {
  log().debug("setattr {} mask {:#x}", ino, to_set);
  checked_call(req, "setattr", [&]() -> std::error_code {
    AttrUpdate update;
    if ((to_set & FUSE_SET_ATTR_SIZE) != 0) {
      if (attr->st_size < 0) return errno_code(EINVAL);
      update.size = static_cast<std::uint64_t>(attr->st_size);
    }
    auto& change = update.attrs;
    if ((to_set & FUSE_SET_ATTR_MODE) != 0) change.mode = attr->st_mode;
    if ((to_set & FUSE_SET_ATTR_UID) != 0) change.uid = attr->st_uid;
    if ((to_set & FUSE_SET_ATTR_GID) != 0) change.gid = attr->st_gid;
    if ((to_set & FUSE_SET_ATTR_ATIME_NOW) != 0) {
      update.atime_now = true;
    } else if ((to_set & FUSE_SET_ATTR_ATIME) != 0) {
      change.atime_ns = from_timespec(attr->st_atim);
    }
    if ((to_set & FUSE_SET_ATTR_MTIME_NOW) != 0) {
      update.mtime_now = true;
    } else if ((to_set & FUSE_SET_ATTR_MTIME) != 0) {
      change.mtime_ns = from_timespec(attr->st_mtim);
    }
    // The writeback cache stamps ctime in the kernel and sends it with the mtime.
    if ((to_set & FUSE_SET_ATTR_CTIME) != 0) change.ctime_ns = from_timespec(attr->st_ctim);
    return reply_attr(req, fs_of(req).setattr(ino, update));
  });
}

void op_readlink(fuse_req_t req, fuse_ino_t ino) {
  checked_call(req, "readlink", [&]() -> std::error_code {
    auto target = fs_of(req).readlink(ino);
    if (!target) return target.error();
    fuse_reply_readlink(req, target->c_str());
    return {};
  });
}

void op_mknod(fuse_req_t req, fuse_ino_t parent, const char* name, mode_t mode, dev_t rdev) {
  log().debug("mknod {} '{}' {:o}", parent, name, mode);
  checked_call(req, "mknod", [&] {
    return reply_entry(req, fs_of(req).mknod(parent, name, mode, rdev, caller_of(req)));
  });
}

void op_mkdir(fuse_req_t req, fuse_ino_t parent, const char* name, mode_t mode) {
  log().debug("mkdir {} '{}' {:o}", parent, name, mode);
  checked_call(req, "mkdir", [&] {
    return reply_entry(req, fs_of(req).mkdir(parent, name, mode, caller_of(req)));
  });
}

void op_unlink(fuse_req_t req, fuse_ino_t parent, const char* name) {
  log().debug("unlink {} '{}'", parent, name);
  checked_call(req, "unlink", [&] { return reply_ok(req, fs_of(req).unlink(parent, name)); });
}

void op_rmdir(fuse_req_t req, fuse_ino_t parent, const char* name) {
  log().debug("rmdir {} '{}'", parent, name);
  checked_call(req, "rmdir", [&] { return reply_ok(req, fs_of(req).rmdir(parent, name)); });
}

void op_symlink(fuse_req_t req, const char* link, fuse_ino_t parent, const char* name) {
  log().debug("symlink {} '{}' -> '{}'", parent, name, link);
  checked_call(req, "symlink", [&] {
    return reply_entry(req, fs_of(req).symlink(parent, name, link, caller_of(req)));
  });
}

void op_rename(fuse_req_t req, fuse_ino_t parent, const char* name, fuse_ino_t new_parent,
               const char* new_name, unsigned int flags) {
  log().debug("rename {} '{}' -> {} '{}' flags {}", parent, name, new_parent, new_name, flags);
  checked_call(req, "rename", [&]() -> std::error_code {
    // RENAME_WHITEOUT goes with NOREPLACE or alone (the kernel refuses it with EXCHANGE, and
    // checks no capability for it).
    std::optional<Caller> whiteout;
    if ((flags & RENAME_WHITEOUT) != 0) {
      whiteout = caller_of(req);
      flags &= ~static_cast<unsigned>(RENAME_WHITEOUT);
    }
    RenameMode mode = RenameMode::kReplace;
    if (flags == RENAME_NOREPLACE) {
      mode = RenameMode::kNoReplace;
    } else if (flags == RENAME_EXCHANGE && !whiteout) {
      mode = RenameMode::kExchange;
    } else if (flags != 0) {
      return errno_code(EINVAL);
    }
    return reply_ok(req, fs_of(req).rename(parent, name, new_parent, new_name, mode, whiteout));
  });
}

void op_link(fuse_req_t req, fuse_ino_t ino, fuse_ino_t new_parent, const char* new_name) {
  log().debug("link {} -> {} '{}'", ino, new_parent, new_name);
  checked_call(req, "link",
               [&] { return reply_entry(req, fs_of(req).link(ino, new_parent, new_name)); });
}

void op_open(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi) {
  checked_call(req, "open", [&]() -> std::error_code {
    auto& fs = fs_of(req);
    // With FUSE_CAP_ATOMIC_O_TRUNC (on by default) O_TRUNC comes with the open, not as a setattr.
    if (auto ok = fs.open(ino, OpenFlags{.truncate = (fi->flags & O_TRUNC) != 0}); !ok)
      return ok.error();
    fi->fh = 0;
    if (fuse_reply_open(req, fi) != 0) fs.abandon_open(ino);
    return {};
  });
}

void op_read(fuse_req_t req, fuse_ino_t ino, std::size_t size, off_t off, fuse_file_info* /*fi*/) {
  checked_call(req, "read", [&]() -> std::error_code {
    if (off < 0) return errno_code(EINVAL);
    auto slices = fs_of(req).read(ino, static_cast<std::uint64_t>(off), size);
    if (!slices) return slices.error();
    if (slices->empty()) {
      fuse_reply_buf(req, nullptr, 0);
      return {};
    }
    // Straight from the cached blocks to the kernel: no reply buffer is assembled.
    std::vector<iovec> iov;
    iov.reserve(slices->size());
    for (const auto& slice : *slices) {
      // iovec wants a mutable pointer; writev only reads it.
      iov.push_back(iovec{const_cast<std::byte*>(slice.bytes.data()), slice.bytes.size()});
    }
    fuse_reply_iov(req, iov.data(), static_cast<int>(iov.size()));
    return {};
  });
}

void op_write(fuse_req_t req, fuse_ino_t ino, const char* buf, std::size_t size, off_t off,
              fuse_file_info* /*fi*/) {
  checked_call(req, "write", [&]() -> std::error_code {
    if (off < 0) return errno_code(EINVAL);
    const std::span<const std::byte> bytes(reinterpret_cast<const std::byte*>(buf), size);
    auto written = fs_of(req).write(ino, static_cast<std::uint64_t>(off), bytes);
    if (!written) return written.error();
    fuse_reply_write(req, *written);
    return {};
  });
}

void op_flush(fuse_req_t req, fuse_ino_t ino, fuse_file_info* /*fi*/) {
  // close(2): start compressing the file's dirty blocks; fsync waits for them.
  checked_call(req, "flush", [&] { return reply_ok(req, fs_of(req).flush(ino)); });
}

void op_release(fuse_req_t req, fuse_ino_t ino, fuse_file_info* /*fi*/) {
  checked_call(req, "release", [&]() -> std::error_code {
    // The handle is gone either way: close(2) has returned.
    if (const auto committed = fs_of(req).release(ino); !committed)
      log().error("inode {}: write-back failed at release", ino);
    fuse_reply_err(req, 0);
    return {};
  });
}

void op_fsync(fuse_req_t req, fuse_ino_t ino, int /*datasync*/, fuse_file_info* /*fi*/) {
  // fsync and fdatasync alike: the core makes the file's data and metadata durable.
  checked_call(req, "fsync", [&] { return reply_ok(req, fs_of(req).fsync(ino)); });
}

DirHandle& handle_of(const fuse_file_info* fi) {
  return *reinterpret_cast<DirHandle*>(static_cast<std::uintptr_t>(fi->fh));
}

void op_opendir(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi) {
  checked_call(req, "opendir", [&]() -> std::error_code {
    auto handle = fs_of(req).opendir(ino);
    if (!handle) return handle.error();
    fi->fh = reinterpret_cast<std::uintptr_t>(handle->get());
    // Owned by the kernel's handle from here to releasedir, unless the open was interrupted.
    if (fuse_reply_open(req, fi) == 0) (void)handle->release();
    return {};
  });
}

// Packs directory entries into a readdir(plus) reply buffer of the kernel's size.
class DirReply final : public DirEntrySink {
 public:
  DirReply(fuse_req_t req, std::size_t size, bool plus)
      : req_(req), buf_(size, '\0'), plus_(plus) {}

  bool add(const char* name, const Attr& attr, std::int64_t next_offset) override {
    const std::size_t room = buf_.size() - used_;
    const auto next = static_cast<off_t>(next_offset);
    std::size_t need = 0;
    if (plus_) {
      // "." and ".." give the kernel no inode (and take no lookup reference).
      fuse_entry_param e{};
      if (std::strcmp(name, ".") != 0 && std::strcmp(name, "..") != 0) e = to_entry(attr);
      e.attr.st_ino = attr.ino;
      e.attr.st_mode = attr.mode;
      need = fuse_add_direntry_plus(req_, buf_.data() + used_, room, name, &e, next);
    } else {
      struct stat st {};
      st.st_ino = attr.ino;
      st.st_mode = attr.mode;
      need = fuse_add_direntry(req_, buf_.data() + used_, room, name, &st, next);
    }
    if (need > room) return false;
    used_ += need;
    return true;
  }

  void send() { fuse_reply_buf(req_, buf_.data(), used_); }

 private:
  fuse_req_t req_;
  std::string buf_;
  std::size_t used_ = 0;
  bool plus_;
};

// Directory offsets: 1 after ".", 2 after "..", entry_id + 2 after a stored entry. A listing
// restarts at offset 0 (opendir, rewinddir).
void do_readdir(fuse_req_t req, fuse_ino_t ino, std::size_t size, off_t off, fuse_file_info* fi,
                bool plus) {
  checked_call(req, plus ? "readdirplus" : "readdir", [&]() -> std::error_code {
    DirReply reply(req, size, plus);
    // Rows per page: about what fits, as entries take at least 32 bytes (plus: 152).
    const std::size_t page = size / (plus ? 152 : 32) + 1;
    if (auto ok = fs_of(req).readdir(ino, handle_of(fi), off, plus, page, reply); !ok)
      return ok.error();
    reply.send();
    return {};
  });
}

void op_readdir(fuse_req_t req, fuse_ino_t ino, std::size_t size, off_t off, fuse_file_info* fi) {
  do_readdir(req, ino, size, off, fi, false);
}

void op_readdirplus(fuse_req_t req, fuse_ino_t ino, std::size_t size, off_t off,
                    fuse_file_info* fi) {
  do_readdir(req, ino, size, off, fi, true);
}

void op_releasedir(fuse_req_t req, fuse_ino_t /*ino*/, fuse_file_info* fi) {
  const std::unique_ptr<DirHandle> handle(&handle_of(fi));
  fuse_reply_err(req, 0);
}

void op_fsyncdir(fuse_req_t req, fuse_ino_t ino, int datasync, fuse_file_info* fi) {
  op_fsync(req, ino, datasync, fi);
}

void op_statfs(fuse_req_t req, fuse_ino_t /*ino*/) {
  checked_call(req, "statfs", [&]() -> std::error_code {
    auto stats = fs_of(req).statfs();
    if (!stats) return stats.error();
    // libfuse passes on these fields only.
    struct statvfs st {};
    st.f_bsize = stats->block_size;
    st.f_frsize = stats->fragment_size;
    st.f_blocks = stats->blocks;
    st.f_bfree = stats->blocks_free;
    st.f_bavail = stats->blocks_available;
    st.f_files = stats->files;
    st.f_ffree = stats->files_free;
    st.f_namemax = stats->name_max;
    fuse_reply_statfs(req, &st);
    return {};
  });
}

void op_setxattr(fuse_req_t req, fuse_ino_t ino, const char* name, const char* value,
                 std::size_t size, int flags) {
  checked_call(req, "setxattr", [&]() -> std::error_code {
    XattrMode mode = XattrMode::kAny;
    if (flags == XATTR_CREATE) {
      mode = XattrMode::kCreate;
    } else if (flags == XATTR_REPLACE) {
      mode = XattrMode::kReplace;
    } else if (flags != 0) {
      return errno_code(EINVAL);
    }
    return reply_ok(
        req, fs_of(req).setxattr(ino, name, std::string_view(value, size), mode, caller_of(req)));
  });
}

// getxattr/listxattr: size 0 asks for the length; a too-small buffer is ERANGE.
std::error_code reply_xattr_value(fuse_req_t req, const std::string& value, std::size_t size) {
  if (size == 0) {
    fuse_reply_xattr(req, value.size());
  } else if (value.size() > size) {
    return errno_code(ERANGE);
  } else {
    fuse_reply_buf(req, value.data(), value.size());
  }
  return {};
}

void op_getxattr(fuse_req_t req, fuse_ino_t ino, const char* name, std::size_t size) {
  checked_call(req, "getxattr", [&]() -> std::error_code {
    auto value = fs_of(req).getxattr(ino, name);
    if (!value) return value.error();
    return reply_xattr_value(req, *value, size);
  });
}

void op_listxattr(fuse_req_t req, fuse_ino_t ino, std::size_t size) {
  checked_call(req, "listxattr", [&]() -> std::error_code {
    auto names = fs_of(req).listxattr(ino);
    if (!names) return names.error();
    std::string list;
    for (const auto& n : *names) {
      list += n;
      list.push_back('\0');
    }
    return reply_xattr_value(req, list, size);
  });
}

void op_removexattr(fuse_req_t req, fuse_ino_t ino, const char* name) {
  checked_call(req, "removexattr",
               [&] { return reply_ok(req, fs_of(req).removexattr(ino, name)); });
}

void op_create(fuse_req_t req, fuse_ino_t parent, const char* name, mode_t mode,
               fuse_file_info* fi) {
  log().debug("create {} '{}' {:o}", parent, name, mode);
  checked_call(req, "create", [&]() -> std::error_code {
    auto& fs = fs_of(req);
    auto attr = fs.create(parent, name, mode, caller_of(req));
    if (!attr) return attr.error();
    const auto e = to_entry(*attr);
    fi->fh = 0;
    if (fuse_reply_create(req, &e, fi) != 0) {
      // Neither the handle nor the entry reached the kernel.
      fs.abandon_open(attr->ino);
      fs.forget(attr->ino, 1);
    }
    return {};
  });
}

void op_fallocate(fuse_req_t req, fuse_ino_t ino, int mode, off_t offset, off_t length,
                  fuse_file_info* /*fi*/) {
  checked_call(req, "fallocate", [&]() -> std::error_code {
    if (offset < 0 || length <= 0) return errno_code(EINVAL);
    const auto off = static_cast<std::uint64_t>(offset);
    const auto len = static_cast<std::uint64_t>(length);
    const bool keep_size = (mode & FALLOC_FL_KEEP_SIZE) != 0;
    // The kernel (6.18) passes on only these modes; COLLAPSE_RANGE and INSERT_RANGE never come.
    FallocateMode what = FallocateMode::kAllocate;
    switch (mode & ~FALLOC_FL_KEEP_SIZE) {
      case 0:
        break;
      case FALLOC_FL_ZERO_RANGE:
        what = FallocateMode::kZeroRange;
        break;
      case FALLOC_FL_PUNCH_HOLE:
        what = FallocateMode::kPunchHole;
        break;
      default:
        return errno_code(EOPNOTSUPP);
    }
    return reply_ok(req, fs_of(req).fallocate(ino, what, keep_size, off, len));
  });
}

std::error_code seek(fuse_req_t req, fuse_ino_t ino, off_t off, int whence) {
  if (off < 0) return errno_code(ENXIO);
  const auto offset = static_cast<std::uint64_t>(off);
  if (whence != SEEK_DATA && whence != SEEK_HOLE) return errno_code(EINVAL);
  const auto found =
      fs_of(req).seek(ino, offset, whence == SEEK_DATA ? SeekWhence::kData : SeekWhence::kHole);
  if (!found) return found.error();
  fuse_reply_lseek(req, static_cast<off_t>(*found));
  return {};
}

void op_lseek(fuse_req_t req, fuse_ino_t ino, off_t off, int whence, fuse_file_info* /*fi*/) {
  auto& context = context_of(req);
  if (!context.writeback_cache || off < 0 || (whence != SEEK_DATA && whence != SEEK_HOLE)) {
    checked_call(req, "lseek", [&] { return seek(req, ino, off, whence); });
    return;
  }
  // The kernel's writeback cache may hold written pages the daemon has not seen: invalidating
  // them from `off` on first writes them back (dirty mmap pages too), and returns once their
  // WRITE requests are served. Those are served by the pool's threads, so the wait runs on the
  // side thread, holding no pool thread and no daemon lock. The cost: the kernel drops its
  // cached pages of the file from `off` on.
  context.side.post([req, ino, off, whence, session = context.session] {
    const int rc = fuse_lowlevel_notify_inval_inode(session, ino, off, 0);
    if (rc != 0 && rc != -ENOENT) log().warn("lseek {}: write-back of cached pages: {}", ino, rc);
    checked_call(req, "lseek", [&] { return seek(req, ino, off, whence); });
  });
}

}  // namespace

fuse_lowlevel_ops make_fuse_ops() {
  fuse_lowlevel_ops ops{};
  ops.init = op_init;
  ops.destroy = op_destroy;
  ops.lookup = op_lookup;
  ops.forget = op_forget;
  ops.forget_multi = op_forget_multi;
  ops.getattr = op_getattr;
  ops.setattr = op_setattr;
  ops.readlink = op_readlink;
  ops.mknod = op_mknod;
  ops.mkdir = op_mkdir;
  ops.unlink = op_unlink;
  ops.rmdir = op_rmdir;
  ops.symlink = op_symlink;
  ops.rename = op_rename;
  ops.link = op_link;
  ops.open = op_open;
  ops.read = op_read;
  ops.write = op_write;
  ops.flush = op_flush;
  ops.release = op_release;
  ops.fsync = op_fsync;
  ops.opendir = op_opendir;
  ops.readdir = op_readdir;
  ops.readdirplus = op_readdirplus;
  ops.releasedir = op_releasedir;
  ops.fsyncdir = op_fsyncdir;
  ops.statfs = op_statfs;
  ops.setxattr = op_setxattr;
  ops.getxattr = op_getxattr;
  ops.listxattr = op_listxattr;
  ops.removexattr = op_removexattr;
  ops.create = op_create;
  ops.fallocate = op_fallocate;
  ops.lseek = op_lseek;
  return ops;
}

}  // namespace squeezefs::fs
