#include "squeezefs/fs/file_block_store.h"

#include <cstdio>
#include <system_error>

namespace squeezefs::fs {

FileBlockStore::FileBlockStore(std::filesystem::path data_dir,
                               std::function<std::uint32_t()> new_file_id, std::uint64_t file_limit,
                               FileIo& io)
    : dir_(std::move(data_dir)),
      io_(io),
      new_file_id_(std::move(new_file_id)),
      file_limit_(file_limit) {
  std::filesystem::create_directories(dir_);
}

std::filesystem::path FileBlockStore::file_path(std::uint32_t id) const {
  char name[32];
  std::snprintf(name, sizeof name, "%06u.dat", id);
  return dir_ / name;
}

void FileBlockStore::roll() {
  writer_id_ = new_file_id_();
  auto file = io_.open(file_path(writer_id_), OpenMode::kCreate);
  // An id can be handed out again if the transaction that recorded it rolled back: continue
  // after whatever a previous writer left so no referenced byte is overwritten.
  writer_size_ = file->size();
  writer_ = std::move(file);
  writing_ = writer_id_;
  dir_unsynced_ = true;
}

StoredLocation FileBlockStore::store(std::span<const std::byte> bytes) {
  const MutexLock lock(mutex_);
  if (!writer_ || (writer_size_ > 0 && writer_size_ + bytes.size() > file_limit_)) roll();
  const StoredLocation loc{writer_id_, writer_size_, static_cast<std::uint32_t>(bytes.size())};
  writer_->pwrite(bytes, writer_size_);
  writer_size_ += bytes.size();
  unsynced_.insert(writer_id_);
  return loc;
}

std::shared_ptr<IoFile> FileBlockStore::reader(std::uint32_t id) {
  auto it = readers_.find(id);
  if (it != readers_.end()) return it->second;
  std::shared_ptr<IoFile> file = io_.open(file_path(id), OpenMode::kRead);
  if (!file) return nullptr;
  return readers_.emplace(id, std::move(file)).first->second;
}

void FileBlockStore::seal() {
  const MutexLock lock(mutex_);
  // Keep the id: sync() still has to reach the file if it holds unsynced blocks.
  writer_.reset();
  writing_ = 0;
}

void FileBlockStore::forget(std::uint32_t id) {
  const MutexLock lock(mutex_);
  readers_.erase(id);
  unsynced_.erase(id);
}

bool FileBlockStore::load(const StoredLocation& location, std::span<std::byte> out) {
  if (out.size() != location.length) return false;
  std::shared_ptr<IoFile> file;
  {
    const MutexLock lock(mutex_);
    file = reader(location.data_file);
  }
  if (file == nullptr) return false;
  // pread needs no lock; the reader stays open while this call holds it, even if forgotten.
  return file->pread(out, location.offset) == out.size();
}

void FileBlockStore::sync() {
  const MutexLock lock(mutex_);
  for (const auto id : unsynced_) {
    if (id == writer_id_ && writer_) {
      writer_->datasync();
      continue;
    }
    // A file we rolled away from: its writer is closed, so open it again to sync it.
    const auto file = io_.open(file_path(id), OpenMode::kReadWrite);
    if (!file) {
      throw std::system_error(std::make_error_code(std::errc::no_such_file_or_directory),
                              "fdatasync " + file_path(id).string());
    }
    file->datasync();
  }
  unsynced_.clear();
  if (dir_unsynced_) {
    // New data files must survive a crash too: sync their directory entries.
    io_.sync_dir(dir_);
    dir_unsynced_ = false;
  }
}

}  // namespace squeezefs::fs
