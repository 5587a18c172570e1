#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <set>

#include "squeezefs/common/file_io.h"
#include "squeezefs/common/mutex.h"
#include "squeezefs/fs/block_store.h"

namespace squeezefs::fs {

// Stores blocks in STORE/data/NNNNNN.dat files, appending back to back (no padding) and starting
// a new file once the current one would pass `file_limit` bytes.
//
// `new_file_id` is called (under the store's lock) to obtain the id of each new data file; the
// filesystem passes a function that records the file in the index. Each FileBlockStore starts a
// fresh file on its first store(), so a torn tail left by a crash is never appended to.
//
// All file access goes through `io` (the real files by default; tests substitute a layer that
// simulates power loss). `io` must outlive the store.
//
// Thread-safe. I/O failures throw std::system_error.
class FileBlockStore final : public BlockStore {
 public:
  static constexpr std::uint64_t kDefaultFileLimit = std::uint64_t{1} << 30;

  FileBlockStore(std::filesystem::path data_dir, std::function<std::uint32_t()> new_file_id,
                 std::uint64_t file_limit = kDefaultFileLimit, FileIo& io = posix_file_io());

  StoredLocation store(std::span<const std::byte> bytes) override EXCLUDES(mutex_);
  [[nodiscard]] bool load(const StoredLocation& location, std::span<std::byte> out) override
      EXCLUDES(mutex_);
  void sync() override EXCLUDES(mutex_);

  // The path of data file `id`.
  [[nodiscard]] std::filesystem::path file_path(std::uint32_t id) const;

  // For compaction of a store in use. The file being appended to (0 when none); needs no lock, so
  // callers may ask while holding the index lock. It only ever changes to a new file, whose id
  // is set here before anything is written to it.
  [[nodiscard]] std::uint32_t writing_file() const { return writing_.load(); }
  // Makes the next store() start a new file, so the current one stops growing and can be
  // rewritten.
  void seal() EXCLUDES(mutex_);
  // Closes the cached reader of a data file about to be deleted, so its space goes back once
  // the last load() still reading it returns.
  void forget(std::uint32_t id) EXCLUDES(mutex_);

 private:
  void roll() REQUIRES(mutex_);
  // Null when the file does not exist.
  std::shared_ptr<IoFile> reader(std::uint32_t id) REQUIRES(mutex_);

  std::filesystem::path dir_;
  FileIo& io_;
  std::function<std::uint32_t()> new_file_id_;
  std::uint64_t file_limit_;

  // Lock order: mutex_ is a leaf; no other lock is taken while holding it (except inside
  // new_file_id_, which takes the index connection lock).
  Mutex mutex_;
  std::unique_ptr<IoFile> writer_ GUARDED_BY(mutex_);
  std::uint32_t writer_id_ GUARDED_BY(mutex_) = 0;
  std::uint64_t writer_size_ GUARDED_BY(mutex_) = 0;
  std::map<std::uint32_t, std::shared_ptr<IoFile>> readers_ GUARDED_BY(mutex_);
  std::set<std::uint32_t> unsynced_ GUARDED_BY(mutex_);
  bool dir_unsynced_ GUARDED_BY(mutex_) = false;
  // writer_id_ while writer_ is set; written under mutex_, read without it (an atomic).
  std::atomic<std::uint32_t> writing_{0};
};

}  // namespace squeezefs::fs
