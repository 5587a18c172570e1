#include "append_stream.h"

#include <stdexcept>
#include <system_error>

#include "squeezefs/blockstore/local/data_file_names.h"

namespace squeezefs::blockstore {

void AppendStream::roll(IdSource& ids) {
  const std::uint32_t id = ids.next_id();
  if (id == 0) throw std::logic_error("data file ids start at 1");
  auto file = io_.open(data_file_path(dir_, id), OpenMode::kCreate);
  // An id can come back (see ExternalIdSource): continue after whatever an earlier writer left,
  // so no byte that may be referenced is overwritten.
  const std::uint64_t size = file->size();
  writer_ = std::move(file);
  writer_id_ = id;
  writer_size_ = size;
  dir_unsynced_ = true;
}

BlockAddress AppendStream::append(std::span<const std::byte> bytes, IdSource& ids) {
  if (!writer_ || (writer_size_ > 0 && writer_size_ + bytes.size() > file_limit_)) roll(ids);
  const BlockAddress address{writer_id_, writer_size_, static_cast<std::uint32_t>(bytes.size())};
  // Marked before writing: a write that fails half way may still have reached the file.
  unsynced_.insert(writer_id_);
  writer_->pwrite(bytes, writer_size_);
  writer_size_ += bytes.size();
  return address;
}

void AppendStream::sync() {
  for (auto it = unsynced_.begin(); it != unsynced_.end(); it = unsynced_.erase(it)) {
    const std::uint32_t id = *it;
    if (writer_ && id == writer_id_) {
      writer_->datasync();
      continue;
    }
    // A file rolled away from: its writer is closed, so open it again to sync it.
    const auto path = data_file_path(dir_, id);
    const auto file = io_.open(path, OpenMode::kReadWrite);
    if (!file) {
      throw std::system_error(std::make_error_code(std::errc::no_such_file_or_directory),
                              "fdatasync " + path.string());
    }
    file->datasync();
  }
  if (dir_unsynced_) {
    // New data files must survive a crash too: sync their directory entries.
    io_.sync_dir(dir_);
    dir_unsynced_ = false;
  }
}

}  // namespace squeezefs::blockstore
