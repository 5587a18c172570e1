#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <stop_token>
#include <thread>

namespace squeezefs::index {

// The thread that commits a SqliteMetadataStore's open group of changes every kPeriod. Each tick
// it measures the free space under the store and calls `tick(room)`; `room` is false when less
// than kMinFree is left, and the store then commits each change on its own: SQLite may drop a
// whole group of changes when its commit finds the disk full, but fails only the one change that
// does not fit when each commits alone. Checked every period, so a group never outgrows it.
// Stops (and joins) on destruction.
class GroupCommitter {
 public:
  // Long enough to share a commit among the many small changes of a copy of small files, short
  // enough that a crash loses little that was not synced (fsync and sync commit at once).
  static constexpr auto kPeriod = std::chrono::milliseconds(20);
  static constexpr std::uint64_t kMinFree = std::uint64_t{64} << 20;

  GroupCommitter(std::filesystem::path dir, std::function<void(bool room)> tick);
  GroupCommitter(const GroupCommitter&) = delete;
  GroupCommitter& operator=(const GroupCommitter&) = delete;

 private:
  void loop(const std::stop_token& stop);

  const std::filesystem::path dir_;
  const std::function<void(bool room)> tick_;
  std::jthread thread_;  // last: stops before the members it uses go
};

}  // namespace squeezefs::index
