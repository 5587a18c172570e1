#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <stop_token>
#include <thread>

#include "squeezefs/common/mutex.h"
#include "squeezefs/fs/filesystem.h"
#include "squeezefs/fs/maint/control_server.h"
#include "squeezefs/fs/maint/online_compactor.h"

namespace squeezefs::fs::maint {

struct MaintOptions {
  // Dead bytes in data files that start a background compaction; 0 turns it off.
  std::uint64_t compact_after = std::uint64_t{256} << 20;
  std::chrono::milliseconds compact_interval{30000};  // how often the dead space is looked at
  double compact_threshold = 0.5;  // files with a smaller live fraction are rewritten
  bool read_only = false;          // a read-only mount: no compaction at all
};

// Maintenance of a mounted store: the control socket (STORE/control.sock) through which
// `squeezefs scrub`, `compact`, `sync` and `umount` drive the daemon, and background compaction,
// which runs when the dead space passes `compact_after` and nothing is waiting to be written.
//
// Requests (one JSON object per connection):
//   {"op":"scrub","rate":BYTES_PER_SECOND}  (0 or absent: no limit)
//   {"op":"compact","threshold":F}
//   {"op":"sync"}  (makes everything written so far durable; squeezefs sync and umount)
//   {"op":"status"}
//   {"op":"remount","read_only":B,"atime":"relatime"|"strictatime"|"noatime","diratime":B,
//    "synchronous":B,"codec":"NAME[:LEVEL]"}  (the mount's new options; mount -o remount runs it
//    before the kernel remounts; codec may be absent)
// Answers: {"progress":DONE,"total":TOTAL} lines, then {"result":{...}} or {"error":"..."}.
//
// Create after the Filesystem is open and destroy before it (the destructor stops both).
class MaintService {
 public:
  MaintService(Filesystem& fs, const MaintOptions& options);
  MaintService(const MaintService&) = delete;
  MaintService& operator=(const MaintService&) = delete;
  ~MaintService() = default;

  [[nodiscard]] static std::filesystem::path socket_path(const StoreLayout& layout) {
    return layout.root() / "control.sock";
  }

 private:
  void handle(const nlohmann::json& request, const ControlServer::Reply& reply,
              const std::stop_token& stop);
  void background(const std::stop_token& stop);
  void remount(const nlohmann::json& request, const ControlServer::Reply& reply);

  Filesystem& fs_;
  MaintOptions options_;
  OnlineCompactor compactor_;
  // One compaction at a time; guards no member: compactor_.run() is called only under it.
  Mutex compact_mutex_;
  // Mounted read-only now (at mount or by a remount): no compaction, no access times.
  std::atomic<bool> read_only_;
  // Declared last: they stop before anything they use goes away.
  ControlServer server_;
  std::jthread background_;
};

}  // namespace squeezefs::fs::maint
