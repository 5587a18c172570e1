// `squeezefs mount STORE MOUNTPOINT [-o OPTIONS] [-f]`: checks and locks the store, then serves
// it over FUSE, by default from a background process that reports readiness through a pipe.
#include <fcntl.h>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/sinks/syslog_sink.h>
#include <sys/mount.h>
#include <syslog.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "commands.h"
#include "mount_flags.h"
#include "mount_remount.h"
#include "size_option.h"
#include "squeezefs/common/log.h"
#include "squeezefs/common/unique_fd.h"
#include "squeezefs/fs/filesystem.h"
#include "squeezefs/fs/fuse_adapter.h"
#include "squeezefs/fs/maint/maint_service.h"
#include "squeezefs/fs/store_lock.h"
#include "squeezefs/index/error.h"
#include "store_access.h"
#include "store_wait.h"

namespace squeezefs::tools {
namespace {

struct MountRequest {
  std::filesystem::path store;
  std::string mountpoint;
  std::optional<codecs::CodecChoice> codec;
  MountFlags flags;  // the generic mount flags (ro, nodev, noatime, sync, ...)
  bool read_only = false;
  fs::DataPathOptions data;
  fs::FuseSettings fuse;
  fs::maint::MaintOptions maint;
  std::chrono::seconds store_wait = kDefaultStoreWait;  // for a daemon finishing an unmount
  std::string options_text;                             // the -o lists as given, for the log
};

// cache_size=SIZE / dirty_size=SIZE: a byte count with an optional K, M or G suffix.
std::size_t memory_option(const std::string& option, std::string_view name) {
  const auto value = parse_size(std::string_view(option).substr(name.size() + 1));
  if (!value || *value == 0 || *value > (std::uint64_t{1} << 40))
    throw CommandError("bad " + std::string(name) + " '" + option + "'", kExitUsage);
  return static_cast<std::size_t>(*value);
}

// FUSE options passed to libfuse unchanged (it checks the numbers).
bool is_fuse_option(const std::string& o) {
  return o == "allow_other" || o == "auto_unmount" || o.rfind("max_read=", 0) == 0;
}

// fstab options that mount(8) itself acts on; they reach the helper but mean nothing here.
bool is_table_only(const std::string& o) {
  static const char* const kTableOnly[] = {"defaults", "auto",  "noauto", "nofail", "_netdev",
                                           "user",     "users", "nouser", "owner",  "group"};
  for (const char* k : kTableOnly) {
    if (o == k) return true;
  }
  return o.rfind("x-", 0) == 0 || o.rfind("comment=", 0) == 0;
}

// The absolute path with symlinks resolved, as the kernel shows a mount point and as umount(8)
// compares a source (a missing path is left for check_request() to report).
std::filesystem::path canonical_path(const std::string& path) {
  std::error_code ec;
  auto resolved = std::filesystem::weakly_canonical(std::filesystem::absolute(path), ec);
  if (ec) return std::filesystem::absolute(path).lexically_normal();
  return resolved;
}

// libfuse splits -o at commas and takes a backslash as an escape.
std::string escape_option_value(const std::string& value) {
  std::string out;
  for (const char c : value) {
    if (c == ',' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  return out;
}

// SECONDS of an option NAME=SECONDS, from `min` to 86400.
std::chrono::seconds seconds_option(const std::string& option, std::string_view name,
                                    std::uint64_t min) {
  const auto value = parse_size(std::string_view(option).substr(name.size() + 1));
  if (!value || *value < min || *value > 86400)
    throw CommandError("bad " + std::string(name) + " '" + option + "' (seconds, " +
                           std::to_string(min) + " to 86400)",
                       kExitUsage);
  return std::chrono::seconds(*value);
}

MountRequest parse_request(const std::string& store, const std::string& mountpoint,
                           const std::vector<std::string>& option_lists, bool debug_flag,
                           std::optional<unsigned> wait_flag) {
  MountRequest req;
  if (wait_flag) req.store_wait = std::chrono::seconds(*wait_flag);
  req.store = canonical_path(store);
  req.mountpoint = canonical_path(mountpoint).string();
  req.fuse.mountpoint = req.mountpoint;
  req.fuse.source = req.store.string();
  req.fuse.debug = debug_flag;
  // The store is the source /proc/mounts shows, so `umount -c STORE` finds the mount by it.
  req.fuse.kernel_options = {"fsname=" + escape_option_value(req.store.string()),
                             "subtype=squeezefs", "default_permissions"};
  for (const auto& list : option_lists)
    req.options_text += (req.options_text.empty() ? "" : ",") + list;
  for (const auto& list : option_lists) {
    std::stringstream in(list);
    std::string o;
    while (std::getline(in, o, ',')) {
      if (o.empty() || o == "default_permissions" || is_table_only(o)) continue;
      if (o.rfind("codec=", 0) == 0) {
        std::string error;
        req.codec = codecs::parse_codec_choice(o.substr(6), error);
        if (!req.codec) throw CommandError(error, kExitUsage);
      } else if (o.rfind("cache_size=", 0) == 0) {
        req.data.cache_bytes = memory_option(o, "cache_size");
      } else if (o.rfind("dirty_size=", 0) == 0) {
        req.data.dirty_bytes = memory_option(o, "dirty_size");
      } else if (o.rfind("compact_after=", 0) == 0) {
        // Dead bytes that start a background compaction; 0 turns it off.
        const auto value = parse_size(std::string_view(o).substr(14));
        if (!value) throw CommandError("bad compact_after '" + o + "'", kExitUsage);
        req.maint.compact_after = *value;
      } else if (o.rfind("compact_interval=", 0) == 0) {
        const auto value = parse_size(std::string_view(o).substr(17));
        if (!value || *value == 0 || *value > 86400)
          throw CommandError("bad compact_interval '" + o + "' (seconds)", kExitUsage);
        req.maint.compact_interval = std::chrono::seconds(*value);
      } else if (o.rfind("commit=", 0) == 0) {
        req.data.commit_interval = seconds_option(o, "commit", 1);
      } else if (o.rfind("store_wait=", 0) == 0) {
        req.store_wait = seconds_option(o, "store_wait", 0);
      } else if (o == "debug") {
        req.fuse.debug = true;
      } else if (apply_flag_option(o, req.flags)) {
        // Set on the mount below; the daemon follows the atime and sync options.
      } else if (is_fuse_option(o)) {
        req.fuse.kernel_options.push_back(o);
      } else if (o == "remount") {
        throw CommandError(
            "remount needs the mount point: squeezefs mount -o remount,... MOUNTPOINT", kExitUsage);
      } else {
        throw CommandError("unknown mount option '" + o + "'", kExitUsage);
      }
    }
  }
  // libfuse sets the flags its table knows as it mounts; the daemon sets the rest once mounted.
  for (auto& o : libfuse_flag_options(req.flags)) req.fuse.kernel_options.push_back(std::move(o));
  req.fuse.remount_flags = mount_remount_bits(req.flags);
  // A read-only mount writes nothing, access times included (atime_policy() says so too).
  req.read_only = req.flags.has(MS_RDONLY);
  req.maint.read_only = req.read_only;
  return req;
}

// Sets up logging for the serving process: to stderr at first (in the background the caller
// still reads it until the mount is ready).
void setup_logging(const MountRequest& req) {
  auto logger = spdlog::get("fs");
  if (!logger) logger = spdlog::stderr_color_mt("fs");
  const auto level = req.fuse.debug ? spdlog::level::debug : spdlog::level::info;
  logger->set_level(level);
  logger->flush_on(level);
}

// Moves the background daemon's log to STORE/squeezefs.log, or to syslog for a read-only mount,
// which writes nothing to the store. Called once the store has opened (so a refused mount leaves
// no log file behind) and before any other thread logs.
void log_to_store(const MountRequest& req) {
  auto& sinks = log().sinks();
  sinks.clear();
  if (req.read_only) {
    sinks.push_back(
        std::make_shared<spdlog::sinks::syslog_sink_mt>("squeezefs", LOG_PID, LOG_DAEMON, true));
    return;
  }
  sinks.push_back(std::make_shared<spdlog::sinks::basic_file_sink_mt>(
      fs::StoreLayout(req.store).log().string()));
}

// Refuses a store whose index failed its check: says what SQLite found first and where to see
// the rest. The store is left as it was, for fsck and for a restore from a backup.
std::string damaged_index_message(const std::string& store, const index::DamagedIndexError& e) {
  const auto& problems = e.problems();
  std::string first = problems.front();
  // integrity_check heads its first finding with the database's name on a line of its own.
  if (first.starts_with("*** ")) {
    if (const auto end = first.find('\n'); end != std::string::npos) first.erase(0, end + 1);
  }
  std::replace(first.begin(), first.end(), '\n', ' ');
  std::string message = "cannot open store " + store + ": its index is damaged (" + first;
  if (problems.size() > 1) message += "; " + std::to_string(problems.size() - 1) + " more";
  return message + "); run 'squeezefs fsck " + store +
         "' for the details. The store was not changed";
}

// Refuses, before anything is written, stores and mount points that cannot work. Changes
// nothing on disk.
void check_request(const MountRequest& req) {
  const fs::StoreLayout layout(req.store);
  if (!std::filesystem::is_directory(req.store) || !layout.is_store())
    throw CommandError(req.store.string() + " is not a squeezefs store", kExitFailure);
  if (!std::filesystem::exists(req.mountpoint))
    throw CommandError("mount point " + req.mountpoint + " does not exist", kExitFailure);
  if (!std::filesystem::is_directory(req.mountpoint))
    throw CommandError("mount point " + req.mountpoint + " is not a directory", kExitFailure);
  // A read-write mount writes the index (with its WAL and shared-memory files), the data files
  // and the control socket; a read-only one can do without (see read_only_store_check()).
  if (req.read_only) return;
  if (const auto unwritable = unwritable_part(req.store)) {
    throw CommandError("store " + req.store.string() + " is not writable (" + *unwritable +
                           "); mount it with -o ro to read it",
                       kExitFailure);
  }
}

// For a read-only mount, with the store locked (so no other mount is writing the WAL): a store
// that cannot be written must have been cleanly unmounted, as reading commits still in its WAL
// needs SQLite to write the WAL's shared-memory index next to it.
void read_only_store_check(const MountRequest& req) {
  const fs::StoreLayout layout(req.store);
  if (!unwritable_part(req.store) || !layout.wal_has_frames()) return;
  throw CommandError("store " + req.store.string() +
                         " was not cleanly unmounted and is not writable: its last changes are "
                         "still in " +
                         layout.index_wal().string() +
                         "; where it can be written, mount it read-write once (or run "
                         "squeezefs fsck on it) to recover them, then mount it -o ro",
                     kExitFailure);
}

// Checks, locks and serves the store. `ready` is called once mounted; errors before that throw
// CommandError. Returns when unmounted.
void serve(const MountRequest& req, bool foreground, const std::function<void()>& ready) {
  setup_logging(req);
  check_request(req);
  // Shared with fsck and compact; waits for a daemon still finishing an unmount of this store.
  const fs::StoreLock lock =
      lock_store_waiting(fs::StoreLayout(req.store), req.store_wait, kExitFailure, true);
  if (req.read_only) read_only_store_check(req);
  std::unique_ptr<fs::Filesystem> filesystem;
  try {
    fs::StorageOptions storage;
    storage.read_only = req.read_only;
    filesystem = std::make_unique<fs::Filesystem>(req.store, req.codec, req.data, storage);
  } catch (const index::DamagedIndexError& e) {
    throw CommandError(damaged_index_message(req.store.string(), e), kExitFailure);
  } catch (const std::exception& e) {
    throw CommandError("cannot open store " + req.store.string() + ": " + e.what(), kExitFailure);
  }
  filesystem->names().set_atime_policy(atime_policy(req.flags));
  filesystem->names().set_dir_atime(!req.flags.has(MS_NODIRATIME));
  filesystem->set_synchronous(req.flags.has(MS_SYNCHRONOUS | MS_DIRSYNC));
  if (!foreground) log_to_store(req);
  log().info("{} serving {} at {} (options: {})", version_line(), req.store.string(),
             req.mountpoint, req.options_text.empty() ? "none" : req.options_text);
  // The control socket and background compaction; the mount works without them.
  std::unique_ptr<fs::maint::MaintService> maint;
  try {
    maint = std::make_unique<fs::maint::MaintService>(*filesystem, req.maint);
  } catch (const std::exception& e) {
    // A read-only store has no room for the socket: expected, and the mount serves anyway.
    log().warn("no control socket (scrub, compact and background compaction are off): {}",
               e.what());
  }
  if (!fs::run_fuse(*filesystem, req.fuse, ready))
    throw CommandError("cannot mount " + req.store.string() + " at " + req.mountpoint,
                       kExitFailure);
}

// Runs serve() in a child process; returns once it reports readiness, or throws its error.
void serve_in_background(const MountRequest& req) {
  check_request(req);  // refuse what can be refused before starting a daemon
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) throw CommandError("cannot create a pipe", kExitFailure);
  UniqueFd read_end(fds[0]);
  UniqueFd write_end(fds[1]);
  std::fflush(nullptr);
  const pid_t pid = ::fork();
  if (pid < 0) throw CommandError("cannot fork", kExitFailure);
  if (pid == 0) {
    read_end = UniqueFd();
    ::setsid();
    // Paths are absolute; do not keep the caller's working directory busy.
    [[maybe_unused]] const int cd = ::chdir("/");
    // The report: one status byte (the exit code, 0 = mounted) and a message.
    auto report = [&](int code, const std::string& message) {
      std::string out(1, static_cast<char>(code));
      out += message;
      [[maybe_unused]] const auto n = ::write(write_end.get(), out.data(), out.size());
      write_end = UniqueFd();
    };
    int code = kExitOk;
    try {
      serve(req, false, [&] {
        report(kExitOk, "");
        const int null = ::open("/dev/null", O_RDWR);
        if (null >= 0) {
          ::dup2(null, 0);
          ::dup2(null, 1);
          ::dup2(null, 2);
          ::close(null);
        }
      });
    } catch (const CommandError& e) {
      code = e.code();
      if (write_end.get() >= 0) {
        report(code, e.what());
      } else {
        log().error("{}", e.what());
      }
    } catch (const std::exception& e) {
      code = kExitFailure;
      if (write_end.get() >= 0) {
        report(code, e.what());
      } else {
        log().error("{}", e.what());  // e.g. flushing at unmount failed
      }
    }
    spdlog::shutdown();
    ::_exit(code);
  }
  write_end = UniqueFd();
  std::string reply;
  char buf[512];
  for (;;) {
    const auto n = ::read(read_end.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    reply.append(buf, static_cast<std::size_t>(n));
  }
  if (reply.empty()) throw CommandError("the mount process ended unexpectedly", kExitFailure);
  if (reply[0] != kExitOk) throw CommandError(reply.substr(1), static_cast<int>(reply[0]));
}

}  // namespace

void register_mount(CLI::App& app) {
  auto* cmd = app.add_subcommand("mount", "Mount a store (in the background unless -f)");
  auto store = std::make_shared<std::string>();
  auto mountpoint = std::make_shared<std::string>();
  auto options = std::make_shared<std::vector<std::string>>();
  auto foreground = std::make_shared<bool>(false);
  auto debug = std::make_shared<bool>(false);
  auto wait = std::make_shared<unsigned>(0);
  cmd->add_option("STORE", *store, "The store directory")->required();
  cmd->add_option("MOUNTPOINT", *mountpoint,
                  "Where to mount it (with -o remount, STORE may be left out)");
  cmd->add_option(
         "-o", *options,
         "Comma-separated options: codec=NAME[:LEVEL], cache_size=SIZE, dirty_size=SIZE, "
         "compact_after=SIZE (dead space that starts a background compaction, 0: "
         "never; default 256M), compact_interval=SECONDS (default 30), commit=SECONDS "
         "(written data is durable within this time; default 5), store_wait=SECONDS "
         "(as --wait), allow_other, debug, and the generic mount flags as on ext4: ro, rw, "
         "nodev, dev, nosuid, suid, noexec, exec, sync, async, dirsync, lazytime, "
         "atime, noatime, diratime, nodiratime, relatime, strictatime; remount changes "
         "the flags and codec= of a mounted store")
      ->allow_extra_args(false);  // one list per -o: in `mount -o remount,ro MNT`, MNT is no option
  cmd->add_flag("-f,--foreground", *foreground, "Stay in the foreground, log to stderr");
  cmd->add_flag("-d", *debug, "Log FUSE requests (implies nothing else)");
  auto* wait_option = add_wait_option(*cmd, wait);
  cmd->callback([=] {
    if (wants_remount(*options)) {
      remount(mountpoint->empty() ? *store : *mountpoint, *options);
      return;
    }
    if (mountpoint->empty()) throw CommandError("MOUNTPOINT is required", kExitUsage);
    const auto req = parse_request(*store, *mountpoint, *options, *debug,
                                   wait_option->count() > 0 ? std::optional(*wait) : std::nullopt);
    if (*foreground) {
      serve(req, true, [] {});
    } else {
      serve_in_background(req);
    }
  });
}

}  // namespace squeezefs::tools
