#include "squeezefs/fs/maint/maint_service.h"

#include "squeezefs/common/log.h"
#include "squeezefs/common/storage_error.h"
#include "squeezefs/fs/maint/scrub.h"

namespace squeezefs::fs::maint {
namespace {

nlohmann::json to_json(const check::CompactStats& stats) {
  return nlohmann::json{
      {"files_rewritten", stats.files_rewritten}, {"files_removed", stats.files_removed},
      {"blocks_moved", stats.blocks_moved},       {"bytes_before", stats.bytes_before},
      {"bytes_after", stats.bytes_after},         {"skipped", stats.skipped}};
}

nlohmann::json to_json(const ScrubReport& report) {
  auto damaged = nlohmann::json::array();
  for (const auto& d : report.damaged) {
    damaged.push_back(
        nlohmann::json{{"path", d.path}, {"ino", d.ino}, {"block", d.block}, {"why", d.why}});
  }
  return nlohmann::json{{"blocks", report.blocks},
                        {"stored_bytes", report.stored_bytes},
                        {"damaged", damaged},
                        {"stopped", report.stopped}};
}

}  // namespace

MaintService::MaintService(Filesystem& fs, const MaintOptions& options)
    : fs_(fs),
      options_(options),
      compactor_(fs),
      read_only_(options.read_only),
      server_(socket_path(fs.layout()),
              [this](const nlohmann::json& request, const ControlServer::Reply& reply,
                     const std::stop_token& stop) { handle(request, reply, stop); }) {
  if (!options_.read_only) {
    try {
      compactor_.remove_leftovers();
    } catch (const std::exception& e) {
      log().warn("cannot remove data files left by an interrupted mount: {}", log_text(e));
    }
  }
  if (options_.compact_after > 0 && !options_.read_only)
    background_ = std::jthread([this](const std::stop_token& stop) { background(stop); });
}

void MaintService::handle(const nlohmann::json& request, const ControlServer::Reply& reply,
                          const std::stop_token& stop) {
  const std::string op = request.value("op", "");
  const auto progress = [&](std::uint64_t done, std::uint64_t total) {
    return reply(nlohmann::json{{"progress", done}, {"total", total}});
  };
  if (op == "scrub") {
    const double rate = request.value("rate", 0.0);
    if (rate < 0) {
      reply(nlohmann::json{{"error", "the rate must not be negative"}});
      return;
    }
    ScrubOptions options;
    options.rate_bytes = static_cast<std::uint64_t>(rate);
    // A client that goes away stops the scrub (its next progress line fails).
    const auto report = scrub(fs_, options, progress, stop);
    reply(nlohmann::json{{"result", to_json(report)}});
  } else if (op == "remount") {
    remount(request, reply);
  } else if (op == "compact") {
    if (read_only_) {
      reply(nlohmann::json{{"error", "the store is mounted read-only"}});
      return;
    }
    check::CompactOptions options;
    options.threshold = request.value("threshold", options_.compact_threshold);
    if (!(options.threshold > 0.0 && options.threshold <= 1.0)) {
      reply(nlohmann::json{{"error", "the threshold must be in (0, 1]"}});
      return;
    }
    const MutexLock lock(compact_mutex_);
    const auto stats = compactor_.run(
        options, true, [&](std::uint64_t done, std::uint64_t total) { progress(done, total); },
        stop);
    reply(nlohmann::json{{"result", to_json(stats)}});
  } else if (op == "sync") {
    // Throws (and the client gets the error) when a file's data or the index could not be
    // written back.
    fs_.sync();
    reply(nlohmann::json{{"result", nlohmann::json::object()}});
  } else if (op == "status") {
    const auto dead = compactor_.dead_space();
    reply(nlohmann::json{
        {"result", {{"data_file_bytes", dead.file_bytes}, {"live_bytes", dead.live_bytes}}}});
  } else {
    reply(nlohmann::json{{"error", "unknown request '" + op + "'"}});
  }
}

void MaintService::remount(const nlohmann::json& request, const ControlServer::Reply& reply) {
  const bool read_only = request.value("read_only", false);
  if (!read_only && fs_.read_only()) {
    reply(nlohmann::json{{"error",
                          "the store was mounted read-only (-o ro) and its index opened so; a "
                          "remount cannot make it writable: unmount it and mount it again"}});
    return;
  }
  std::optional<codecs::CodecChoice> codec;
  if (request.contains("codec")) {
    std::string error;
    codec = codecs::parse_codec_choice(request.value("codec", ""), error);
    if (!codec) {
      reply(nlohmann::json{{"error", error}});
      return;
    }
  }
  const std::string atime = request.value("atime", "relatime");
  if (read_only) {
    // Nothing may wait to be written once the kernel refuses writes, and no compaction may be
    // running or start (it would rewrite data files under a read-only mount).
    read_only_ = true;
    fs_.names().set_atime_policy(AtimePolicy::kNever);
    const MutexLock lock(compact_mutex_);
    fs_.sync();
  } else {
    read_only_ = false;
    fs_.names().set_atime_policy(atime == "noatime"       ? AtimePolicy::kNever
                                 : atime == "strictatime" ? AtimePolicy::kStrict
                                                          : AtimePolicy::kRelatime);
  }
  fs_.names().set_dir_atime(request.value("diratime", true));
  fs_.set_synchronous(request.value("synchronous", false));
  if (codec) fs_.data().set_codec(*codec->codec, codec->level);
  log().info("remounted {}{}", read_only ? "read-only" : "read-write",
             codec ? ", codec " + request.value("codec", "") : "");
  reply(nlohmann::json{{"result", nlohmann::json::object()}});
}

void MaintService::background(const std::stop_token& stop) {
  Mutex mutex;
  CondVar wake;
  // Dead space a pass could not reclaim; the next pass waits for compact_after more.
  std::uint64_t floor = 0;
  MutexLock lock(mutex);
  while (!wake.wait_for(lock, stop, options_.compact_interval, [] { return false; }) &&
         !stop.stop_requested()) {
    try {
      // Busy: blocks are waiting to be written; leave the disk to them.
      if (read_only_ || fs_.data().dirty_bytes() > 0) continue;
      const auto dead = compactor_.dead_space().dead();
      if (dead < floor + options_.compact_after) continue;
      const MutexLock compact_lock(compact_mutex_);
      if (read_only_) continue;  // remounted read-only meanwhile
      check::CompactOptions options;
      options.threshold = options_.compact_threshold;
      (void)compactor_.run(options, true, {}, stop);
      // What is left is in files above the threshold: wait until that much more is dead.
      floor = compactor_.dead_space().dead();
    } catch (const std::exception& e) {
      log().error("background compaction: {}", log_text(e));
    }
  }
}

}  // namespace squeezefs::fs::maint
