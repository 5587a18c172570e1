#pragma once

#include <chrono>
#include <cstdint>
#include <random>
#include <string>

#include "crash_model.h"
#include "squeezefs/fs/filesystem.h"

namespace squeezefs::testing {

// File operations through the filesystem core (no FUSE) on files in the root directory, each
// recorded in a CrashModel. An operation that fails (the power went off under it) throws after
// recording its outcome as possible, since it may or may not have reached the index.
class CoreWorkload {
 public:
  CoreWorkload(fs::Filesystem& filesystem, CrashModel& model, std::uint64_t seed)
      : fs_(filesystem), model_(model), rng_(seed) {}

  void create(const std::string& name);
  void write(const std::string& name, std::uint64_t offset, const std::string& bytes);
  void truncate(const std::string& name, std::uint64_t size);
  // Replaces `to` if it exists.
  void rename(const std::string& from, const std::string& to);
  void unlink(const std::string& name);
  // fsync: the core syncs the whole store.
  void sync();
  // Waits up to `limit` for the store to sync by itself (its background sync); true once it has
  // and nothing is left unsynced (every change so far is then durable).
  bool await_background_sync(std::chrono::milliseconds limit);

  // `n` bytes mixing random, repetitive text and zero runs (zero blocks are stored as holes).
  std::string content(std::size_t n);
  // One random operation on a small set of names (create/write/append/truncate/rename over a
  // temporary copy/unlink/sync), for random workloads.
  void random_step(std::uint32_t block_size);

 private:
  std::uint64_t ino(const std::string& name);
  void must(bool ok, const std::string& what);

  fs::Filesystem& fs_;
  CrashModel& model_;
  std::mt19937_64 rng_;
};

}  // namespace squeezefs::testing
