#include "squeezefs/fs/file_block_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <system_error>

namespace squeezefs::fs {
namespace {

[[noreturn]] void throw_errno(const std::string& what) {
  throw std::system_error(errno, std::generic_category(), what);
}

}  // namespace

FileBlockStore::FileBlockStore(std::filesystem::path data_dir,
                               std::function<std::uint32_t()> new_file_id, std::uint64_t file_limit)
    : dir_(std::move(data_dir)), new_file_id_(std::move(new_file_id)), file_limit_(file_limit) {
  std::filesystem::create_directories(dir_);
}

std::filesystem::path FileBlockStore::file_path(std::uint32_t id) const {
  char name[32];
  std::snprintf(name, sizeof name, "%06u.dat", id);
  return dir_ / name;
}

void FileBlockStore::roll() {
  writer_id_ = new_file_id_();
  const auto path = file_path(writer_id_);
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600));
  if (!fd.valid()) throw_errno("open " + path.string());
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) throw_errno("stat " + path.string());
  // An id can be handed out again if the transaction that recorded it rolled back: continue
  // after whatever a previous writer left so no referenced byte is overwritten.
  writer_size_ = static_cast<std::uint64_t>(st.st_size);
  writer_ = std::move(fd);
  dir_unsynced_ = true;
}

StoredLocation FileBlockStore::store(std::span<const std::byte> bytes) {
  const std::lock_guard lock(mutex_);
  if (!writer_.valid() || (writer_size_ > 0 && writer_size_ + bytes.size() > file_limit_)) roll();
  const StoredLocation loc{writer_id_, writer_size_, static_cast<std::uint32_t>(bytes.size())};
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::pwrite(writer_.get(), bytes.data() + done, bytes.size() - done,
                               static_cast<off_t>(writer_size_ + done));
    if (n < 0) {
      if (errno == EINTR) continue;
      throw_errno("write " + file_path(writer_id_).string());
    }
    done += static_cast<std::size_t>(n);
  }
  writer_size_ += bytes.size();
  unsynced_.insert(writer_id_);
  return loc;
}

int FileBlockStore::reader(std::uint32_t id) {
  auto it = readers_.find(id);
  if (it != readers_.end()) return it->second.get();
  const auto path = file_path(id);
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) {
    if (errno == ENOENT) return -1;
    throw_errno("open " + path.string());
  }
  return readers_.emplace(id, std::move(fd)).first->second.get();
}

bool FileBlockStore::load(const StoredLocation& location, std::span<std::byte> out) {
  if (out.size() != location.length) return false;
  int fd = -1;
  {
    const std::lock_guard lock(mutex_);
    fd = reader(location.data_file);
  }
  if (fd < 0) return false;
  // pread on a cached descriptor needs no lock; descriptors live as long as the store.
  std::size_t done = 0;
  while (done < out.size()) {
    const ssize_t n = ::pread(fd, out.data() + done, out.size() - done,
                              static_cast<off_t>(location.offset + done));
    if (n < 0) {
      if (errno == EINTR) continue;
      throw_errno("read " + file_path(location.data_file).string());
    }
    if (n == 0) return false;
    done += static_cast<std::size_t>(n);
  }
  return true;
}

void FileBlockStore::sync() {
  const std::lock_guard lock(mutex_);
  for (const auto id : unsynced_) {
    if (id == writer_id_) {
      if (::fdatasync(writer_.get()) != 0) throw_errno("fdatasync " + file_path(id).string());
      continue;
    }
    // A file we rolled away from: its writer is closed, so open it again to sync it.
    const UniqueFd fd(::open(file_path(id).c_str(), O_WRONLY | O_CLOEXEC));
    if (!fd.valid() || ::fdatasync(fd.get()) != 0)
      throw_errno("fdatasync " + file_path(id).string());
  }
  unsynced_.clear();
  if (dir_unsynced_) {
    // New data files must survive a crash too: sync their directory entries.
    const UniqueFd dir(::open(dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!dir.valid() || ::fsync(dir.get()) != 0) throw_errno("fsync " + dir_.string());
    dir_unsynced_ = false;
  }
}

}  // namespace squeezefs::fs
