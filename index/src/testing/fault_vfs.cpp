#include "squeezefs/index/testing/fault_vfs.h"

#include <sqlite3.h>

#include <cstddef>
#include <new>
#include <optional>
#include <span>
#include <stdexcept>

namespace squeezefs::index::testing {
namespace {

// Our file object, constructed in place in the memory SQLite allocates (szOsFile) and destroyed
// by x_close; the default VFS's file object follows it in the same allocation.
struct FaultFile {
  sqlite3_file base;  // first: SQLite sees only this
  FaultVfs* owner;
  sqlite3_file* real;
  std::optional<std::string> path;  // empty for temporary files, which are not recorded
};

constexpr int kRealOffset = (sizeof(FaultFile) + 15) / 16 * 16;

FaultFile* as_fault(sqlite3_file* file) {
  return reinterpret_cast<FaultFile*>(file);
}

sqlite3_file* real_of(sqlite3_file* file) {
  return as_fault(file)->real;
}

int x_close(sqlite3_file* file) {
  FaultFile* f = as_fault(file);
  const int rc = f->real->pMethods->xClose(f->real);
  f->~FaultFile();
  return rc;
}

int x_read(sqlite3_file* file, void* out, int amount, sqlite3_int64 offset) {
  return real_of(file)->pMethods->xRead(real_of(file), out, amount, offset);
}

int x_write(sqlite3_file* file, const void* data, int amount, sqlite3_int64 offset) {
  FaultFile* f = as_fault(file);
  if (f->path) {
    if (!f->owner->allow(FaultOp::kWrite, *f->path)) return SQLITE_IOERR_WRITE;
    try {
      f->owner->changes().before_write(
          *f->path, static_cast<std::uint64_t>(offset),
          std::span(static_cast<const std::byte*>(data), static_cast<std::size_t>(amount)));
    } catch (const std::exception&) {
      return SQLITE_IOERR_WRITE;
    }
  }
  return f->real->pMethods->xWrite(f->real, data, amount, offset);
}

int x_truncate(sqlite3_file* file, sqlite3_int64 size) {
  FaultFile* f = as_fault(file);
  if (f->path) {
    if (!f->owner->allow(FaultOp::kTruncate, *f->path)) return SQLITE_IOERR_TRUNCATE;
    try {
      f->owner->changes().before_truncate(*f->path, static_cast<std::uint64_t>(size));
    } catch (const std::exception&) {
      return SQLITE_IOERR_TRUNCATE;
    }
  }
  return f->real->pMethods->xTruncate(f->real, size);
}

int x_sync(sqlite3_file* file, int flags) {
  FaultFile* f = as_fault(file);
  if (f->path && !f->owner->allow(FaultOp::kSync, *f->path)) return SQLITE_IOERR_FSYNC;
  const int rc = f->real->pMethods->xSync(f->real, flags);
  if (rc != SQLITE_OK || !f->path) return rc;
  try {
    f->owner->changes().synced(*f->path);
  } catch (const std::exception&) {
    return SQLITE_IOERR_FSYNC;
  }
  return SQLITE_OK;
}

int x_file_size(sqlite3_file* file, sqlite3_int64* size) {
  return real_of(file)->pMethods->xFileSize(real_of(file), size);
}
int x_lock(sqlite3_file* file, int level) {
  return real_of(file)->pMethods->xLock(real_of(file), level);
}
int x_unlock(sqlite3_file* file, int level) {
  return real_of(file)->pMethods->xUnlock(real_of(file), level);
}
int x_check_reserved_lock(sqlite3_file* file, int* out) {
  return real_of(file)->pMethods->xCheckReservedLock(real_of(file), out);
}
int x_file_control(sqlite3_file* file, int op, void* arg) {
  return real_of(file)->pMethods->xFileControl(real_of(file), op, arg);
}
int x_sector_size(sqlite3_file* file) {
  return real_of(file)->pMethods->xSectorSize(real_of(file));
}
int x_device_characteristics(sqlite3_file* file) {
  return real_of(file)->pMethods->xDeviceCharacteristics(real_of(file));
}
// The wal-index (shared memory) is not durable data: SQLite rebuilds it from the WAL.
int x_shm_map(sqlite3_file* file, int page, int size, int extend, void volatile** out) {
  return real_of(file)->pMethods->xShmMap(real_of(file), page, size, extend, out);
}
int x_shm_lock(sqlite3_file* file, int offset, int n, int flags) {
  return real_of(file)->pMethods->xShmLock(real_of(file), offset, n, flags);
}
void x_shm_barrier(sqlite3_file* file) {
  real_of(file)->pMethods->xShmBarrier(real_of(file));
}
int x_shm_unmap(sqlite3_file* file, int delete_flag) {
  return real_of(file)->pMethods->xShmUnmap(real_of(file), delete_flag);
}

// Version 2: no xFetch, so SQLite never memory-maps the database past our write hooks.
constexpr sqlite3_io_methods kMethods = {
    2,
    x_close,
    x_read,
    x_write,
    x_truncate,
    x_sync,
    x_file_size,
    x_lock,
    x_unlock,
    x_check_reserved_lock,
    x_file_control,
    x_sector_size,
    x_device_characteristics,
    x_shm_map,
    x_shm_lock,
    x_shm_barrier,
    x_shm_unmap,
    nullptr,
    nullptr,
};

FaultVfs* owner_of(sqlite3_vfs* vfs) {
  return static_cast<FaultVfs*>(vfs->pAppData);
}

sqlite3_vfs* base_vfs() {
  sqlite3_vfs* base = sqlite3_vfs_find(nullptr);
  if (base == nullptr) throw std::runtime_error("no default SQLite VFS");
  return base;
}

int v_open(sqlite3_vfs* vfs, const char* name, sqlite3_file* file, int flags, int* out_flags) {
  sqlite3_vfs* base = base_vfs();
  file->pMethods = nullptr;  // tells SQLite not to call xClose when we fail
  auto* real = reinterpret_cast<sqlite3_file*>(reinterpret_cast<char*>(file) + kRealOffset);
  const int rc = base->xOpen(base, name, real, flags, out_flags);
  if (rc != SQLITE_OK) return rc;
  try {
    auto* f = new (file) FaultFile{sqlite3_file{nullptr}, owner_of(vfs), real, std::nullopt};
    if (name != nullptr) f->path = name;
  } catch (const std::bad_alloc&) {
    real->pMethods->xClose(real);
    return SQLITE_NOMEM;
  }
  file->pMethods = &kMethods;
  return SQLITE_OK;
}

int v_delete(sqlite3_vfs* vfs, const char* name, int sync_dir) {
  FaultVfs* owner = owner_of(vfs);
  if (!owner->powered()) return SQLITE_IOERR_DELETE;
  sqlite3_vfs* base = base_vfs();
  const int rc = base->xDelete(base, name, sync_dir);
  if (rc != SQLITE_OK) return rc;
  try {
    owner->changes().removed(name);
  } catch (const std::exception&) {
    return SQLITE_IOERR_DELETE;
  }
  return SQLITE_OK;
}

int v_access(sqlite3_vfs*, const char* name, int flags, int* out) {
  return base_vfs()->xAccess(base_vfs(), name, flags, out);
}
int v_full_pathname(sqlite3_vfs*, const char* name, int size, char* out) {
  return base_vfs()->xFullPathname(base_vfs(), name, size, out);
}
void* v_dl_open(sqlite3_vfs*, const char* name) {
  return base_vfs()->xDlOpen(base_vfs(), name);
}
void v_dl_error(sqlite3_vfs*, int size, char* out) {
  base_vfs()->xDlError(base_vfs(), size, out);
}
void (*v_dl_sym(sqlite3_vfs*, void* handle, const char* sym))() {
  return base_vfs()->xDlSym(base_vfs(), handle, sym);
}
void v_dl_close(sqlite3_vfs*, void* handle) {
  base_vfs()->xDlClose(base_vfs(), handle);
}
int v_randomness(sqlite3_vfs*, int size, char* out) {
  return base_vfs()->xRandomness(base_vfs(), size, out);
}
int v_sleep(sqlite3_vfs*, int micros) {
  return base_vfs()->xSleep(base_vfs(), micros);
}
int v_current_time(sqlite3_vfs*, double* out) {
  return base_vfs()->xCurrentTime(base_vfs(), out);
}
int v_get_last_error(sqlite3_vfs*, int size, char* out) {
  return base_vfs()->xGetLastError(base_vfs(), size, out);
}
int v_current_time_int64(sqlite3_vfs*, sqlite3_int64* out) {
  return base_vfs()->xCurrentTimeInt64(base_vfs(), out);
}

}  // namespace

struct FaultVfs::Registration {
  sqlite3_vfs vfs{};
};

FaultVfs::FaultVfs(std::string name, UnsyncedChanges& changes)
    : name_(std::move(name)), changes_(changes), registration_(std::make_unique<Registration>()) {
  const sqlite3_vfs* base = base_vfs();
  sqlite3_vfs& v = registration_->vfs;
  v.iVersion = 2;
  v.szOsFile = kRealOffset + base->szOsFile;
  v.mxPathname = base->mxPathname;
  v.zName = name_.c_str();
  v.pAppData = this;
  v.xOpen = v_open;
  v.xDelete = v_delete;
  v.xAccess = v_access;
  v.xFullPathname = v_full_pathname;
  v.xDlOpen = v_dl_open;
  v.xDlError = v_dl_error;
  v.xDlSym = v_dl_sym;
  v.xDlClose = v_dl_close;
  v.xRandomness = v_randomness;
  v.xSleep = v_sleep;
  v.xCurrentTime = v_current_time;
  v.xGetLastError = v_get_last_error;
  v.xCurrentTimeInt64 = v_current_time_int64;
  if (sqlite3_vfs_register(&v, 0) != SQLITE_OK) {
    throw std::runtime_error("cannot register the SQLite VFS " + name_);
  }
}

FaultVfs::~FaultVfs() {
  sqlite3_vfs_unregister(&registration_->vfs);
}

bool FaultVfs::allow(FaultOp op, const std::string& path) {
  if (!powered_) return false;
  bool keep = true;
  try {
    if (hook_) keep = hook_(op, path);
  } catch (...) {
    keep = false;  // nothing may cross into SQLite's C frames
  }
  if (!keep) powered_ = false;
  return keep;
}

}  // namespace squeezefs::index::testing
