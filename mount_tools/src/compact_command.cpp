// `squeezefs compact STORE|MOUNTPOINT [--threshold F]`: rewrites sparse data files, offline or
// (for a mount point, or a store that is mounted) by the daemon serving the store.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>

#include "commands.h"
#include "control_client.h"
#include "squeezefs/fs/check/compactor.h"
#include "store_access.h"
#include "store_wait.h"

namespace squeezefs::tools {
namespace {

double mib(std::uint64_t bytes) {
  return static_cast<double>(bytes) / (1024.0 * 1024.0);
}

void print_stats(const std::string& name, const fs::check::CompactStats& stats) {
  for (const auto& s : stats.skipped) std::printf("skipped %s\n", s.c_str());
  std::printf(
      "%s: %llu data files rewritten (%llu blocks moved), %llu removed; %.1f MiB -> %.1f MiB\n",
      name.c_str(), static_cast<unsigned long long>(stats.files_rewritten),
      static_cast<unsigned long long>(stats.blocks_moved),
      static_cast<unsigned long long>(stats.files_removed), mib(stats.bytes_before),
      mib(stats.bytes_after));
  if (!stats.skipped.empty())
    throw CommandError("some data files could not be compacted; run squeezefs fsck", kExitFailure);
}

// Has the daemon serving `store` compact it.
void compact_mounted(const std::string& name, const std::filesystem::path& store,
                     double threshold) {
  const bool tty = ::isatty(STDERR_FILENO) == 1;
  const auto progress = [&](const nlohmann::json& line) {
    if (!tty) return;
    std::fprintf(stderr, "\rcompacting: %llu/%llu data files\033[K", line.value("progress", 0ULL),
                 line.value("total", 0ULL));
    std::fflush(stderr);
  };
  nlohmann::json result;
  try {
    result = call_daemon(store, {{"op", "compact"}, {"threshold", threshold}}, progress);
  } catch (...) {
    if (tty) std::fprintf(stderr, "\r\033[K");
    throw;
  }
  if (tty) std::fprintf(stderr, "\r\033[K");
  fs::check::CompactStats stats;
  stats.files_rewritten = result.value("files_rewritten", 0ULL);
  stats.files_removed = result.value("files_removed", 0ULL);
  stats.blocks_moved = result.value("blocks_moved", 0ULL);
  stats.bytes_before = result.value("bytes_before", 0ULL);
  stats.bytes_after = result.value("bytes_after", 0ULL);
  stats.skipped = result.value("skipped", std::vector<std::string>());
  print_stats(name, stats);
}

void run_compact(const std::string& store, double threshold, std::chrono::seconds wait) {
  if (auto served = mounted_store(store)) {
    compact_mounted(store, *served, threshold);
    return;
  }
  const fs::StoreLayout layout(store);
  if (!std::filesystem::is_directory(store) || !layout.is_store())
    throw CommandError(store + " is neither a squeezefs store nor a mount point of one",
                       kExitFailure);
  // Also what a store mounted -o ro from read-only media (no control socket) gets.
  require_writable(store, "compact", kExitFailure);
  // Mounted: the daemon does it, if it listens.
  if (const auto live = mount_of_store(store)) {
    compact_mounted(store, live->store, threshold);
    return;
  }
  const auto lock = lock_store_waiting(layout, wait, kExitFailure);
  const bool tty = ::isatty(STDERR_FILENO) == 1;
  fs::check::CompactProgress progress;
  if (tty) {
    progress = [](std::uint64_t done, std::uint64_t total) {
      std::fprintf(stderr, "\rcompacting: %llu/%llu data files\033[K",
                   static_cast<unsigned long long>(done), static_cast<unsigned long long>(total));
      std::fflush(stderr);
    };
  }
  fs::check::CompactStats stats;
  try {
    stats = fs::check::compact_store(layout, fs::check::CompactOptions{threshold}, progress);
  } catch (const std::exception& e) {
    if (tty) std::fprintf(stderr, "\r\033[K");
    throw CommandError("cannot compact store " + store + ": " + e.what(), kExitFailure);
  }
  if (tty) std::fprintf(stderr, "\r\033[K");
  print_stats(store, stats);
}

}  // namespace

void register_compact(CLI::App& app) {
  auto* cmd = app.add_subcommand("compact", "Reclaim the space of overwritten and deleted data");
  auto store = std::make_shared<std::string>();
  auto threshold = std::make_shared<double>(0.5);
  cmd->add_option("STORE", *store, "The store directory, or the mount point of a mounted store")
      ->required();
  cmd->add_option("--threshold", *threshold,
                  "Rewrite data files whose live fraction is below F (0 < F <= 1, default 0.5)")
      ->check(CLI::Range(0.0, 1.0));
  auto wait = std::make_shared<unsigned>();
  add_wait_option(*cmd, wait);
  cmd->callback([=] {
    if (*threshold <= 0.0) throw CommandError("--threshold must be above 0", kExitUsage);
    run_compact(*store, *threshold, std::chrono::seconds(*wait));
  });
}

}  // namespace squeezefs::tools
