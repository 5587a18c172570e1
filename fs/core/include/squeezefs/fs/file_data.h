#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <thread>
#include <unordered_map>
#include <vector>

#include "squeezefs/codecs/codec.h"
#include "squeezefs/common/mutex.h"
#include "squeezefs/common/result.h"
#include "squeezefs/fs/block_cache.h"
#include "squeezefs/fs/block_io.h"
#include "squeezefs/fs/committer.h"
#include "squeezefs/fs/space_guard.h"
#include "squeezefs/fs/worker_pool.h"
#include "squeezefs/index/index.h"

namespace squeezefs::fs {

// Memory and concurrency settings of the data path.
struct DataPathOptions {
  std::size_t cache_bytes = std::size_t{256} << 20;  // decoded-block cache
  std::size_t dirty_bytes = std::size_t{64} << 20;   // dirty plus in-flight blocks
  unsigned threads = 0;                              // worker threads; 0 = one per core
  std::chrono::milliseconds flush_age{5000};         // dirty blocks older than this are flushed
  // Written data and index changes become durable (compressed, stored, synced and committed)
  // within about this time even when nobody syncs (Filesystem's background sync; the mount
  // option commit=SECONDS). flush_age is cut to it.
  std::chrono::milliseconds commit_interval{5000};
  std::size_t readahead_bytes = std::size_t{4} << 20;  // decoded ahead of a sequential reader
  // Writes fail with ENOSPC unless the file system holding `space_dir` keeps `space_reserve`
  // bytes free after the data already accepted (see SpaceGuard); an empty path: no check.
  std::filesystem::path space_dir;
  std::uint64_t space_reserve = std::uint64_t{4} << 20;
};

// File contents as fixed-size blocks, buffered.
//
// Writes go to a per-inode buffer of dirty blocks (a partial overwrite of a stored block reads it
// first). A block is handed to the worker pool for compression when a write completes it, on
// flush/fsync/release, when it has been dirty for `flush_age`, or when the dirty memory passes
// half its cap. A dirty block's buffer holds the block only up to its last written byte (the rest
// reads as zeros), so a small file costs its size, not a block. Encoded blocks are appended to the
// data files by the workers; the committer then syncs the data files and records the blocks in the
// index, many per transaction (data before the metadata that references it). Times go to the index
// at once. A size grown by writes reaches the index with the blocks that make it up, in their
// transaction, so after a crash an unsynced appended file ends at its last committed block instead
// of in zeros it never held; usage() gives the live size for getattr. Truncate and fallocate put
// their sizes in the index at once, except past written blocks still buffered beyond the index's
// size: then their size too reaches the index with those blocks.
//
// Reads see dirty and in-flight blocks, else decode stored blocks through an LRU cache (one
// decode per block however many readers want it) and read ahead when access is sequential.
// Writers block while dirty plus in-flight memory is at `dirty_bytes`. That memory counts the
// capacity of every dirty buffer and of every raw block until the committer is done with it, plus
// one encode buffer and one padding buffer per worker thread (reserved once, since at most that
// many encodes run).
//
// Thread-safe. Lock order: inodes_mutex_ -> InodeState::mutex (several only in ino order, by the
// committer) -> the index mutex -> leaves (cache, pool, committer queue, progress_mutex_). No
// codec work runs under the index mutex or inodes_mutex_; a per-inode lock may be held across a
// decode of that inode's block (read-modify-write).
//
// Errors: ENOENT for a missing inode, EISDIR for a directory, EINVAL for other non-regular files,
// EFBIG past the maximum size, ENOSPC for a write the store's file system has no room for, EIO
// for unreadable blocks. A failed write-back is reported once, by the next flush or fsync of the
// file: ENOSPC when the disk was full, else EIO.
class FileData {
 public:
  static constexpr std::uint64_t kMaxFileSize = std::uint64_t{1} << 62;

  FileData(index::Index& index, Mutex& index_mutex, BlockIo& io, const codecs::Codec& codec,
           int level, std::uint32_t block_size, DataPathOptions options = {});
  FileData(const FileData&) = delete;
  FileData& operator=(const FileData&) = delete;
  // Flushes everything (see sync()).
  ~FileData();

  // Blocks encoded from now on use `codec` at `level` (mount -o remount,codec=...); blocks
  // already stored keep theirs (each block records its codec).
  void set_codec(const codecs::Codec& codec, int level);

  // A piece of a read: bytes inside a buffer that `owner` keeps alive (a cached block, a block
  // in flight, a copy of a dirty block or shared zeros).
  struct ReadSlice {
    std::shared_ptr<const std::vector<std::byte>> owner;
    std::span<const std::byte> bytes;
  };

  // Up to `size` bytes from `offset`; shorter at end of file, empty past it. Holes read as zeros.
  Result<std::vector<std::byte>> read(std::uint64_t ino, std::uint64_t offset, std::size_t size);
  // The same bytes as read(), in order, without copying decoded blocks (for scatter replies).
  Result<std::vector<ReadSlice>> read_slices(std::uint64_t ino, std::uint64_t offset,
                                             std::size_t size);
  // Writes all of `data` at `offset`, extending the file; returns the byte count.
  Result<std::size_t> write(std::uint64_t ino, std::uint64_t offset,
                            std::span<const std::byte> data);
  // Sets the size; growing leaves a hole, shrinking frees the blocks past the end.
  Result<void> truncate(std::uint64_t ino, std::uint64_t size);
  // fallocate(PUNCH_HOLE|KEEP_SIZE): the range reads as zeros afterwards and whole blocks inside
  // it are freed; the size does not change.
  Result<void> punch_hole(std::uint64_t ino, std::uint64_t offset, std::uint64_t length);
  // Whether fallocate may extend the file (mode 0) or keeps its size (FALLOC_FL_KEEP_SIZE).
  enum class SizeMode { kExtend, kKeep };
  // fallocate mode 0 or KEEP_SIZE: with kExtend the size grows to offset + length if larger.
  // Blocks stay holes (compressed space cannot be reserved ahead), but a range the store's disk
  // could not hold even uncompressed fails with ENOSPC, counting only the blocks that hold no
  // data yet; EFBIG past kMaxFileSize.
  Result<void> allocate(std::uint64_t ino, std::uint64_t offset, std::uint64_t length,
                        SizeMode size_mode = SizeMode::kExtend);
  // fallocate ZERO_RANGE: the range reads as zeros afterwards (as punch_hole), and with kExtend
  // the size grows to offset + length if larger. ENOSPC and EFBIG as allocate().
  Result<void> zero_range(std::uint64_t ino, std::uint64_t offset, std::uint64_t length,
                          SizeMode size_mode);
  // lseek SEEK_DATA / SEEK_HOLE at block granularity: the first data (or hole) offset at or
  // after `offset`. ENXIO when `offset` is at or past the end (or no data follows). The end of
  // the file counts as a hole.
  Result<std::uint64_t> seek_data(std::uint64_t ino, std::uint64_t offset);
  Result<std::uint64_t> seek_hole(std::uint64_t ino, std::uint64_t offset);
  // What getattr reports for a regular file: its live size (which the index may not hold yet,
  // see above), and the bytes stored for it, for st_blocks (rounded up to 512-byte units by
  // callers): the compressed size of committed blocks, and the raw size of blocks still
  // buffered (an estimate until they commit, when all-zero blocks become holes and the rest
  // shrink).
  struct Usage {
    std::uint64_t size = 0;
    std::uint64_t stored_bytes = 0;
  };
  Result<Usage> usage(std::uint64_t ino);
  Result<std::uint64_t> stored_bytes(std::uint64_t ino);

  // Open handles. The last release hands the file's dirty blocks to the pool without waiting for
  // them (and reports a write-back failure seen so far); the buffered state is dropped once they
  // are committed. Inode numbers are not reused while the store is mounted (see
  // Index::allocate_inode), so a state outliving its removed inode is harmless.
  Result<void> open(std::uint64_t ino);
  Result<void> release(std::uint64_t ino);
  // Starts compressing every dirty block of the file (close(2)); reports a failed write-back.
  Result<void> flush(std::uint64_t ino);
  // Returns once the file's data and block map are committed (fsync/fdatasync).
  Result<void> fsync(std::uint64_t ino);
  // Flushes and commits every file, then syncs the data files (unmount, SIGTERM). Returns the
  // error of a file whose write-back failed (the file keeps it for its next flush or fsync).
  Result<void> sync();

  // Dirty plus in-flight bytes (buffer capacities, without the workers' encode buffers), and the
  // decoded-block cache (for tests and statistics).
  [[nodiscard]] std::size_t dirty_bytes();
  BlockCache& cache() { return cache_; }
  [[nodiscard]] std::uint64_t commit_batches() { return committer_.batches(); }

 private:
  struct DirtyBlock {
    // The block up to its last written byte; bytes past data.size() are zeros. Its capacity
    // is what the block is charged against the dirty cap.
    std::vector<std::byte> data;
    std::chrono::steady_clock::time_point since;
  };
  struct PendingBlock {
    std::uint64_t seq = 0;
    std::shared_ptr<const std::vector<std::byte>> data;
  };
  // The buffered state of one file. Lives while the file is open or has buffered blocks.
  struct InodeState {
    std::mutex mutex;
    std::uint64_t size = 0;        // the live size; guarded by mutex
    std::uint64_t index_size = 0;  // the size in the index, at most `size`; guarded by mutex
    std::map<std::uint64_t, DirtyBlock> dirty;      // guarded by mutex
    std::map<std::uint64_t, PendingBlock> pending;  // handed to the pool; guarded by mutex
    std::error_code error;                          // failed write-back; guarded by mutex
    std::uint64_t next_read = 0;                    // sequential read detection; guarded by mutex
    std::uint64_t run_start = 0;  // where the current sequential run began; guarded by mutex
    bool retired = false;         // dropped from inodes_; holders must look the state up again
  };
  using StatePtr = std::shared_ptr<InodeState>;
  // A file's new last block, cut at the new end and stored again (std::nullopt: all zeros, a
  // hole), to replace its committed version.
  struct CutBlock {
    std::optional<index::BlockRef> ref;
  };

  // The state of `ino`, created from its index record (checking it is a regular file).
  Result<StatePtr> state(std::uint64_t ino);
  StatePtr find_state(std::uint64_t ino);
  // Locks `st`, first replacing it with the live state if it was retired meanwhile (a state is
  // retired when idle, possibly between a caller's lookup and its lock).
  Result<std::unique_lock<std::mutex>> lock_live(std::uint64_t ino, StatePtr& st);
  // The current content of block `block` into `out` (block_size_ bytes): dirty, in flight,
  // stored, or zeros. Requires st.mutex.
  Result<void> current_locked(std::uint64_t ino, InodeState& st, std::uint64_t block,
                              std::span<std::byte> out);
  // Decodes a stored block through the cache.
  Result<BlockCache::Block> load_stored(std::uint64_t ino, std::uint64_t block,
                                        const index::BlockRef& ref);
  // What load_stored() runs on a miss: reads and decodes the block.
  BlockCache::Loader stored_loader(std::uint64_t ino, std::uint64_t block,
                                   const index::BlockRef& ref);
  // Makes block `block` dirty with its current content, holding at least its first `need` bytes
  // (allocating or growing it); requires st.mutex and one reserved block of memory, of which it
  // adds what it allocated to `used`. `whole`: the old content is not needed (all overwritten or
  // zeros), so the buffer is sized to the data instead of a block.
  Result<DirtyBlock*> dirty_locked(std::uint64_t ino, InodeState& st, std::uint64_t block,
                                   bool whole, std::size_t need, std::size_t& used);
  // Truncation into block `block`, keeping `tail` (> 0) bytes of it. When its committed version
  // holds bytes past `tail`, stores the cut content now (encoded and synced, not yet in the
  // index) for the caller to put in the index with the new size; else std::nullopt. Changes no
  // state. Requires st.mutex.
  Result<std::optional<CutBlock>> store_cut_block_locked(std::uint64_t ino, InodeState& st,
                                                         std::uint64_t block, std::size_t tail);
  // Then cuts the block's buffered versions: with `committed_now` (the cut block went to the
  // index) they go; else a dirty buffer is cut, and a version only in flight is copied into a
  // cut dirty buffer. A version in flight is disowned either way. Returns the bytes freed (with
  // `committed_now`) or allocated. Requires st.mutex.
  std::size_t cut_buffered_locked(InodeState& st, std::uint64_t block, std::size_t tail,
                                  bool committed_now);
  // Hands dirty block `block` (or all of them) to the pool. Requires st.mutex.
  void submit_locked(std::uint64_t ino, InodeState& st, std::uint64_t block);
  void submit_all_locked(std::uint64_t ino, InodeState& st);
  // Submits the file's dirty blocks and waits until everything submitted so far is committed.
  Result<void> flush_and_wait(std::uint64_t ino, const StatePtr& st);
  // Commits the file's buffered blocks and waits for them (for callers that read block maps).
  Result<void> commit_buffered(std::uint64_t ino);
  // Drops the state when no handle and no buffered block needs it.
  void forget_if_idle(std::uint64_t ino);
  // Stores a new size (when given) and stamps the times in the index record. Requires st.mutex.
  void stamp_inode_locked(std::uint64_t ino, InodeState& st, std::optional<std::uint64_t> size,
                          bool modified);
  // Puts `size` (at most the live size) in the index if it holds a smaller one, for sizes no
  // commit raised: fsync, or the state going idle. Requires st.mutex. False (and the error kept
  // for the file's next fsync) when the index cannot take it.
  bool store_size_locked(std::uint64_t ino, InodeState& st, std::uint64_t size);
  // The size the index may take once the batch's blocks of `st` are in it: the live size, cut
  // at the first block still buffered, but at least `reach`, the end of the furthest block just
  // committed (no committed block may lie past the size). Blocks committed out of order can
  // leave a block below the size reading as before; never one past it.
  [[nodiscard]] std::uint64_t committed_size_locked(const InodeState& st,
                                                    std::uint64_t reach) const;
  // The size the index may take now for a size set by truncate or fallocate: `size` itself,
  // unless written bytes still buffered lie between the index's size and `size`. Then it stays
  // short of the first such block (never below the index's size, past which no block is
  // committed), and the commit of those blocks raises it: a size stored before them would let
  // a crash show their older versions at the end of the file, as zeros it never held there.
  // Requires st.mutex.
  [[nodiscard]] std::uint64_t settable_size_locked(const InodeState& st, std::uint64_t size) const;
  void submit_everything();
  void commit_batch(std::vector<EncodedBlock>& batch);
  void readahead(std::uint64_t ino, const std::vector<std::pair<std::uint64_t, index::BlockRef>>&);

  // Grows the size to `size` if larger (fallocate).
  Result<void> extend(std::uint64_t ino, std::uint64_t size);
  // The bytes of the range (length > 0) in blocks holding no data, neither stored nor buffered.
  std::uint64_t unbacked_bytes(std::uint64_t ino, std::uint64_t offset, std::uint64_t length);
  // Admission control for fallocate: ENOSPC when the range's blocks that hold no data yet do not
  // fit on the store's file system even uncompressed.
  Result<void> admit_range(std::uint64_t ino, std::uint64_t offset, std::uint64_t length);
  // Admission control: ENOSPC unless `bytes` more fit on the store's file system, after writing
  // back what is buffered when the first look says no.
  Result<void> admit(std::size_t bytes);

  // Dirty-memory accounting: reserve() blocks while the cap is reached; release() returns it.
  void reserve(std::size_t bytes);
  void unreserve(std::size_t bytes);
  void wait_progress(std::uint64_t seen);
  void flusher();

  index::Index& index_;
  Mutex& mutex_;  // the index mutex: the metadata store's writer mutex (legacy view)
  BlockIo& io_;
  // The codec new blocks get; a remount may change it (set_codec). Guarded by codec_mutex_, a
  // leaf lock.
  mutable std::mutex codec_mutex_;
  const codecs::Codec* codec_;
  int level_;
  std::uint32_t block_size_;
  DataPathOptions options_;
  BlockCache cache_;
  SpaceGuard space_;
  std::shared_ptr<const std::vector<std::byte>> zeros_;  // one block of zeros, for holes

  std::mutex inodes_mutex_;
  std::unordered_map<std::uint64_t, StatePtr> inodes_;      // guarded by inodes_mutex_
  std::unordered_map<std::uint64_t, std::uint32_t> opens_;  // guarded by inodes_mutex_
  std::atomic<std::uint64_t> next_seq_{1};
  std::atomic<std::size_t> readahead_inflight_{0};

  std::mutex progress_mutex_;  // a leaf
  std::condition_variable progress_cv_;
  std::condition_variable flusher_cv_;
  std::size_t dirty_bytes_ = 0;   // dirty + in-flight; guarded by progress_mutex_
  std::size_t encode_bytes_ = 0;  // the workers' encode and padding buffers, set once
  std::uint64_t epoch_ = 0;       // bumped on every commit and release; guarded by progress_mutex_
  bool stopping_ = false;         // guarded by progress_mutex_

  // Destroyed in reverse: the flusher first, then the pool (its tasks feed the committer).
  Committer committer_;
  WorkerPool pool_;
  std::thread flusher_;
};

}  // namespace squeezefs::fs
