#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <stop_token>
#include <thread>
#include <vector>

#include "squeezefs/codecs/registry.h"
#include "squeezefs/fs/block_io.h"
#include "squeezefs/fs/core_api.h"
#include "squeezefs/fs/file_block_store.h"
#include "squeezefs/fs/file_data.h"
#include "squeezefs/fs/namespace.h"
#include "squeezefs/fs/release_queue.h"
#include "squeezefs/fs/store_layout.h"
#include "squeezefs/index/index.h"

namespace squeezefs::index {
class SqliteMetadataStore;
}  // namespace squeezefs::index

namespace squeezefs::fs {

// Where a Filesystem keeps its bytes. The defaults are the real files; power-loss tests put
// fault-injecting layers under the index (a registered SQLite VFS) and the data files.
struct StorageOptions {
  const char* index_vfs = nullptr;  // null: SQLite's default VFS
  FileIo* data_io = nullptr;        // null: posix_file_io(); must outlive the Filesystem
  std::uint64_t data_file_limit = FileBlockStore::kDefaultFileLimit;
  // Serve the store read-only: no orphan purge, no space reclaimer, and an index that refuses
  // writes. A cleanly closed index (no WAL with commits) is opened immutable, which writes and
  // creates nothing; otherwise SQLite reads the WAL and needs to write its -shm.
  bool read_only = false;
};

// One opened store: its index, data files, namespace and file data, wired together.
//
// Serves the adapter through CoreApi (implemented in core_ops.cpp).
//
// Thread-safe (each part is). Not movable: the parts refer to each other.
class Filesystem : public CoreApi {
 public:
  // Opens the store at `root`. New blocks use `codec` when given, else the store's default.
  // `options` sets the cache and dirty-data caps and the worker count.
  // The index is checked first (SQLite's quick_check, which reads all of it) and nothing is
  // written to the store before it passes. Throws index::FormatError for a non-store or a newer
  // format, index::DamagedIndexError for an index that fails the check, index::IndexError when it
  // cannot be read, and std::runtime_error when the store's default codec is not in this build.
  Filesystem(const std::filesystem::path& root, std::optional<codecs::CodecChoice> codec,
             DataPathOptions options = {}, const StorageOptions& storage = {});
  Filesystem(const Filesystem&) = delete;
  Filesystem& operator=(const Filesystem&) = delete;
  ~Filesystem() override;

  Namespace& names() { return names_; }
  FileData& data() { return *data_; }
  [[nodiscard]] const StoreLayout& layout() const { return layout_; }
  [[nodiscard]] std::uint32_t block_size() const { return config_.block_size; }
  [[nodiscard]] bool read_only() const { return read_only_; }
  // For maintenance of the mounted store (scrub, online compaction): the index, used only under
  // index_mutex() (the metadata store's writer mutex), and the data files.
  // TODO(#16): gone once maint uses the metadata store (step 7)
  index::Index& index();
  Mutex& index_mutex();
  FileBlockStore& data_files() { return store_; }
  // Makes everything written so far durable: flushes and commits every buffered block, syncs
  // the data files and then the index (its WAL frames are not synced at commit). Then gives back
  // the disk space of blocks whose removal is now durable. Does nothing when read-only. Throws
  // std::system_error when the data of some file could not be written back (ENOSPC or EIO; the
  // file reports it too, at its next flush or fsync), and IndexError when the index fails or
  // lost committed changes (EIO).
  void sync() override;
  // Whether anything was written or changed since the index was last synced: buffered blocks, or
  // index changes (cheap: for the background sync to stay idle when nothing happens).
  [[nodiscard]] bool has_unsynced_changes();
  // fsync/fdatasync of one file (or directory): its buffered blocks committed, then the index
  // synced, so its data and metadata survive a crash of the daemon or the machine.
  Result<void> fsync(std::uint64_t ino) override;
  // Mount options sync and dirsync: every index change (namespace changes, attributes, block
  // maps) is durable when its operation returns, as SQLite's synchronous=FULL makes each commit
  // and no group of changes is held open. Data written is made durable by the fsync the kernel
  // sends after each write on a sync mount. Off by default; a remount may change it.
  void set_synchronous(bool on);

  // CoreApi (core_ops.cpp); sync() and fsync() above are part of it.
  Result<Attr> lookup(std::uint64_t parent, std::string_view name) override;
  void forget(std::uint64_t ino, std::uint64_t count) override;
  Result<Attr> getattr(std::uint64_t ino) override;
  Result<Attr> setattr(std::uint64_t ino, const AttrUpdate& update) override;
  Result<std::string> readlink(std::uint64_t ino) override;
  Result<Attr> mknod(std::uint64_t parent, std::string_view name, std::uint32_t mode,
                     std::uint64_t rdev, const Caller& caller) override;
  Result<Attr> mkdir(std::uint64_t parent, std::string_view name, std::uint32_t mode,
                     const Caller& caller) override;
  Result<Attr> symlink(std::uint64_t parent, std::string_view name, std::string_view target,
                       const Caller& caller) override;
  Result<Attr> link(std::uint64_t ino, std::uint64_t new_parent, std::string_view name) override;
  Result<void> unlink(std::uint64_t parent, std::string_view name) override;
  Result<void> rmdir(std::uint64_t parent, std::string_view name) override;
  Result<void> rename(std::uint64_t parent, std::string_view name, std::uint64_t new_parent,
                      std::string_view new_name, RenameMode mode,
                      std::optional<Caller> whiteout) override;
  Result<void> open(std::uint64_t ino, OpenFlags flags) override;
  void abandon_open(std::uint64_t ino) override;
  Result<Attr> create(std::uint64_t parent, std::string_view name, std::uint32_t mode,
                      const Caller& caller) override;
  Result<std::vector<ReadSlice>> read(std::uint64_t ino, std::uint64_t offset,
                                      std::size_t size) override;
  Result<std::size_t> write(std::uint64_t ino, std::uint64_t offset,
                            std::span<const std::byte> data) override;
  Result<void> flush(std::uint64_t ino) override;
  Result<void> release(std::uint64_t ino) override;
  Result<void> fallocate(std::uint64_t ino, FallocateMode mode, bool keep_size,
                         std::uint64_t offset, std::uint64_t length) override;
  Result<std::uint64_t> seek(std::uint64_t ino, std::uint64_t offset, SeekWhence whence) override;
  Result<void> setxattr(std::uint64_t ino, std::string_view name, std::string_view value,
                        XattrMode mode, const Caller& caller) override;
  Result<std::string> getxattr(std::uint64_t ino, std::string_view name) override;
  Result<std::vector<std::string>> listxattr(std::uint64_t ino) override;
  Result<void> removexattr(std::uint64_t ino, std::string_view name) override;
  Result<std::unique_ptr<DirHandle>> opendir(std::uint64_t ino) override;
  Result<void> readdir(std::uint64_t ino, DirHandle& handle, std::int64_t offset, bool plus,
                       std::size_t batch, DirEntrySink& sink) override;
  Result<FsStats> statfs() override;

 private:
  StoreLayout layout_;
  bool read_only_;
  std::unique_ptr<index::SqliteMetadataStore> metadata_;
  index::StoreConfig config_;
  ReleaseQueue releases_;  // blocks of removed inodes, punched once their removal is durable
  Namespace names_;
  FileBlockStore store_;
  BlockIo io_;
  std::unique_ptr<FileData> data_;
  std::chrono::milliseconds commit_interval_;
  // Syncs every commit_interval_ when something changed, and about once a second while removed
  // blocks wait for their space to be given back. Declared last: it stops before anything it
  // uses is destroyed.
  std::jthread syncer_;

  void sync_loop(const std::stop_token& stop);
  // Syncs the metadata store and hands the result to releases_. Throws IndexError (EIO) when
  // committed changes were lost since the last sync.
  void sync_index();
};

}  // namespace squeezefs::fs
