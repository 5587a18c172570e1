// `squeezefs compact STORE [--threshold F]`: rewrites sparse data files of an unmounted store.
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>

#include "commands.h"
#include "squeezefs/fs/check/compactor.h"
#include "squeezefs/fs/store_lock.h"

namespace squeezefs::tools {
namespace {

double mib(std::uint64_t bytes) {
  return static_cast<double>(bytes) / (1024.0 * 1024.0);
}

void run_compact(const std::string& store, double threshold) {
  const fs::StoreLayout layout(store);
  if (!std::filesystem::is_directory(store) || !layout.is_store())
    throw CommandError(store + " is not a squeezefs store", kExitFailure);
  auto lock = fs::StoreLock::try_acquire(layout);
  if (!lock) {
    throw CommandError(store +
                           " is mounted (or in use by another squeezefs command): unmount it "
                           "first; compacting a mounted store is not available yet",
                       kExitFailure);
  }
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
  for (const auto& s : stats.skipped) std::printf("skipped %s\n", s.c_str());
  std::printf(
      "%s: %llu data files rewritten (%llu blocks moved), %llu removed; %.1f MiB -> %.1f MiB\n",
      store.c_str(), static_cast<unsigned long long>(stats.files_rewritten),
      static_cast<unsigned long long>(stats.blocks_moved),
      static_cast<unsigned long long>(stats.files_removed), mib(stats.bytes_before),
      mib(stats.bytes_after));
  if (!stats.skipped.empty())
    throw CommandError("some data files could not be compacted; run squeezefs fsck", kExitFailure);
}

}  // namespace

void register_compact(CLI::App& app) {
  auto* cmd = app.add_subcommand("compact", "Reclaim the space of overwritten and deleted data");
  auto store = std::make_shared<std::string>();
  auto threshold = std::make_shared<double>(0.5);
  cmd->add_option("STORE", *store, "The store directory (not mounted)")->required();
  cmd->add_option("--threshold", *threshold,
                  "Rewrite data files whose live fraction is below F (0 < F <= 1, default 0.5)")
      ->check(CLI::Range(0.0, 1.0));
  cmd->callback([=] {
    if (*threshold <= 0.0) throw CommandError("--threshold must be above 0", kExitUsage);
    run_compact(*store, *threshold);
  });
}

}  // namespace squeezefs::tools
