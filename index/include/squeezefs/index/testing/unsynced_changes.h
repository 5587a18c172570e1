#pragma once

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <set>
#include <span>
#include <string>
#include <vector>

namespace squeezefs::index::testing {

// Which unsynced changes a simulated power loss keeps. A disk may have written any of them, in
// any order, before the power failed: each survives with probability `keep` (drawn from
// `seed`); with `per_file_prefix` instead, each file keeps a random prefix of its own changes
// (files written back independently, so one file's late changes land while another's early
// ones do not). With `tear` the last surviving write is cut to its first half (whole 512-byte
// sectors), as a write the power interrupted.
struct PowerLoss {
  double keep = 0.0;
  std::uint64_t seed = 0;
  bool tear = false;
  bool per_file_prefix = false;
};

// The changes made to real files since they were last synced, kept so that a simulated power
// loss can take them back (LevelDB's FaultInjectionTestEnv, with an undo log instead of copies).
// Writes go through to the files; revert() then leaves every file as a disk would after losing
// power: with the bytes and size it had at its last sync, plus the unsynced changes that the
// PowerLoss lets survive (replayed in their original order).
//
// Model: a sync (fdatasync) makes a file's contents and size durable; a new file exists after a
// power loss only once its directory was synced; removals are durable at once. Only tests use
// this. Thread-safe. I/O failures throw std::system_error.
class UnsyncedChanges {
 public:
  // Call before writing `data` at `offset` of `path`: saves the bytes it will overwrite.
  void before_write(const std::string& path, std::uint64_t offset, std::span<const std::byte> data);
  // Call before truncating (or extending) `path` to `size`.
  void before_truncate(const std::string& path, std::uint64_t size);
  // `path` was just created; a power loss removes it until its directory is synced.
  void created(const std::string& path);
  // `path` was synced: its current contents are durable.
  void synced(const std::string& path);
  // The directory `dir` was synced: files created in it are durable.
  void dir_synced(const std::string& dir);
  // `path` was removed.
  void removed(const std::string& path);

  // Takes back the unsynced changes that `loss` does not keep, and forgets them all.
  void revert(const PowerLoss& loss);
  // How many unsynced writes and truncations are recorded.
  [[nodiscard]] std::size_t pending() const;

 private:
  struct Undo {
    std::string path;
    std::uint64_t old_size = 0;
    std::uint64_t offset = 0;  // for truncations: the new size
    std::string old_bytes;     // the bytes at offset before the change
    std::string new_bytes;     // for writes: what was written
    bool is_write = false;
  };

  std::vector<Undo> undo_;         // guarded by mutex_; in order of the changes
  std::set<std::string> created_;  // guarded by mutex_
  mutable std::mutex mutex_;
};

}  // namespace squeezefs::index::testing
