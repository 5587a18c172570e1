#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <set>
#include <span>

#include "squeezefs/blockstore/local/id_source.h"
#include "squeezefs/common/block_address.h"
#include "squeezefs/common/file_io.h"

namespace squeezefs::blockstore {

// One stream of blocks appended back to back (no padding, no framing) to data files: the file
// being appended to, rolled to a new one before it would pass the file limit. Each stream starts
// a new file on its first append, so a torn tail a crash left is never appended to.
//
// Not thread-safe: its owner's lock guards every call. I/O failures throw std::system_error.
class AppendStream {
 public:
  AppendStream(std::filesystem::path dir, FileIo& io, std::uint64_t file_limit)
      : dir_(std::move(dir)), io_(io), file_limit_(file_limit) {}

  // Appends `bytes` (not empty) and returns where they went; `ids` names a new file.
  BlockAddress append(std::span<const std::byte> bytes, IdSource& ids);
  // The id of the file being appended to; 0 when none (ids start at 1).
  [[nodiscard]] std::uint32_t active() const { return writer_ ? writer_id_ : 0; }
  // The next append starts a new file.
  void seal() { writer_.reset(); }
  // Makes every append so far durable: each file appended to since the last sync (reopening the
  // ones rolled away from), then the directory when a file was created.
  void sync();
  // File `id` was deleted: nothing of it is left to sync.
  void forget(std::uint32_t id) { unsynced_.erase(id); }

 private:
  void roll(IdSource& ids);

  std::filesystem::path dir_;
  FileIo& io_;
  std::uint64_t file_limit_;
  std::unique_ptr<IoFile> writer_;
  std::uint32_t writer_id_ = 0;
  std::uint64_t writer_size_ = 0;
  std::set<std::uint32_t> unsynced_;
  bool dir_unsynced_ = false;
};

}  // namespace squeezefs::blockstore
